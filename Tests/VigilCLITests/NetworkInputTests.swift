import Foundation
import Testing
import TestSupport

/// Inputs that are URLs, served for real on 127.0.0.1.
@Suite struct NetworkInputTests {
    /// `python3 -m http.server` on a free loopback port, serving the fixtures directory.
    final class HTTPServer {
        let process = Process()
        let port: Int

        init(directory: String) throws {
            let script = """
                import functools, http.server, sys
                h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
                s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
                print(s.server_address[1], flush=True)
                s.serve_forever()
                """
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, directory]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            while let b = try out.fileHandleForReading.read(upToCount: 1), !b.isEmpty, b != Data("\n".utf8) {
                line.append(b)
            }
            port = Int(String(decoding: line, as: UTF8.self)) ?? 0
        }

        deinit {
            // SIGKILL: a child of the test runner starts with most signals blocked (SIGTERM would stay pending).
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test func replaysOverHTTPLikeTheFile() throws {
        let server = try HTTPServer(directory: Fixtures.directory.path)
        #expect(server.port > 0)
        // MPEG-TS: read front to back. (An MP4 with its index at the end needs HTTP range requests, which
        // Python's http.server does not serve; the ffmpeg CLI fails on it the same way.)
        let url = "http://127.0.0.1:\(server.port)/boxes.ts"
        let overHTTP = vigil(["replay", url, "--camera", "boxes"] + Fixtures.motionOnly)
        let fromFile = vigil(["replay", Fixtures.path("boxes.ts")] + Fixtures.motionOnly)
        #expect(overHTTP.status == 0, "\(overHTTP.stderr)")
        #expect(overHTTP.lines.count == 4)
        #expect(overHTTP.stdout == fromFile.stdout)
        let missing = vigil(["replay", "http://127.0.0.1:\(server.port)/nope.mp4"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("nope.mp4"))
    }

    @Test func refusedConnectionIsARuntimeFailureWithoutSecrets() {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let r = vigil(["replay", "rtsp://admin:hunter2@127.0.0.1:1/stream"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("admin:***@127.0.0.1:1"))
        #expect(!r.stderr.contains("hunter2"))
    }
}
