import Foundation
import HTTPTypes
import Hummingbird

/// The web page: plain HTML, CSS and JavaScript (Sources/API/Web, copied as SwiftPM resources), read once and
/// served from memory; no build step, no Node. `/api/openapi.yaml` is the API's description. Found in
/// `$VIGIL_WEB`, else `share/vigil/web` beside the installed binary, else the build's resource bundle beside it
/// (not `Bundle.module`, which stops the process when the bundle is missing).
///
/// Thread safety: immutable after the first access.
struct WebAssets: Sendable {
    static let shared = WebAssets()

    let files: [String: (type: String, body: [UInt8])]

    let directory: URL?

    init() {
        let dir = WebAssets.locate()
        directory = dir
        var f: [String: (String, [UInt8])] = [:]
        let list = [("/", "index.html", "text/html; charset=utf-8"), ("/app.js", "app.js", "text/javascript; charset=utf-8"),
                    ("/style.css", "style.css", "text/css; charset=utf-8"),
                    ("/api/openapi.yaml", "openapi.yaml", "application/yaml; charset=utf-8")]
        for (route, name, type) in list {
            if let dir, let data = try? Data(contentsOf: dir.appendingPathComponent(name)) {
                f[route] = (type, Array(data))
            }
        }
        files = f
    }

    static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        let fm = FileManager.default
        if let d = environment["VIGIL_WEB"], !d.isEmpty { return URL(fileURLWithPath: d) }
        let exe = URL(fileURLWithPath: (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                      ?? CommandLine.arguments.first ?? "vigil").resolvingSymlinksInPath()
        let bin = exe.deletingLastPathComponent()
        let installed = bin.deletingLastPathComponent().appendingPathComponent("share/vigil/web")
        if fm.fileExists(atPath: installed.appendingPathComponent("index.html").path) { return installed }
        for name in (try? fm.contentsOfDirectory(atPath: bin.path)) ?? [] where name.hasSuffix("_API.resources") {
            let web = bin.appendingPathComponent(name).appendingPathComponent("Web")
            if fm.fileExists(atPath: web.appendingPathComponent("index.html").path) { return web }
        }
        return nil
    }

    func addRoutes(_ router: Router<BasicRequestContext>) {
        for (route, file) in files {
            router.get(RouterPath(stringLiteral: route)) { _, _ -> Response in
                var headers = HTTPFields()
                headers[.contentType] = file.type
                headers[.cacheControl] = "no-cache"
                headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
                headers[HTTPField.Name("Content-Security-Policy")!] =
                    "default-src 'self'; img-src 'self' blob: data:; media-src 'self'; style-src 'self'; script-src 'self'"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.body)))
            }
        }
    }
}
