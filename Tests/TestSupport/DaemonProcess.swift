import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `vigil run` as a child process with its own config file, alert log and (optionally) notify socket, for
/// tests of the daemon as systemd runs it.
public final class DaemonProcess: @unchecked Sendable {  // unchecked: one test owns it
    public let directory: URL
    public let configPath: String
    public let alertsPath: String
    public let child: ChildProcess

    /// Writes `config` (YAML; `ALERTS` is replaced by the alert log's path) and starts `vigil run`. A config
    /// without an `api:` section gets `api: {listen: 127.0.0.1:0}` (tests run side by side: the default port
    /// 8971 would be taken); `apiPort` reads the port the daemon logged.
    public init(config: String, directory: URL, environment: [String: String] = [:]) throws {
        self.directory = directory
        configPath = directory.appendingPathComponent("vigil.yaml").path
        alertsPath = directory.appendingPathComponent("alerts.jsonl").path
        try DaemonProcess.withTestAPI(config).replacingOccurrences(of: "ALERTS", with: alertsPath)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        child = try ChildProcess(Fixtures.vigil, ["run", "--config", configPath], environment: environment,
                                 directory: directory)
    }

    static func withTestAPI(_ config: String) -> String {
        config.contains("\napi:") || config.hasPrefix("api:") ? config : config + "\napi:\n  listen: 127.0.0.1:0\n"
    }

    /// The API's port, from the `web page on http://HOST:PORT/` log line (waits up to `timeout` seconds).
    public func apiPort(timeout: Double = 15) -> Int? {
        var port: Int? = nil
        _ = waitUntil(timeout: timeout, poll: 0.05) {
            guard let r = stderr.range(of: "web page on http://") else { return false }
            let rest = stderr[r.upperBound...]
            guard let colon = rest.firstIndex(of: ":"), let slash = rest[colon...].firstIndex(of: "/") else { return false }
            port = Int(rest[rest.index(after: colon)..<slash])
            return port != nil
        }
        return port
    }

    /// Replaces the config file (for SIGHUP tests).
    public func rewriteConfig(_ config: String) throws {
        try DaemonProcess.withTestAPI(config).replacingOccurrences(of: "ALERTS", with: alertsPath)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Every alert written so far, parsed.
    public var alerts: [[String: Any]] {
        guard let text = try? String(contentsOfFile: alertsPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Alerts with `event` (and `camera`, when given).
    public func alerts(_ event: String, camera: String? = nil) -> [[String: Any]] {
        alerts.filter { $0["event"] as? String == event && (camera == nil || $0["camera"] as? String == camera) }
    }

    /// Waits until at least `count` alerts with `event` exist.
    @discardableResult
    public func waitFor(_ event: String, camera: String? = nil, count: Int = 1, timeout: Double) -> Bool {
        waitUntil(timeout: timeout, poll: 0.1) { alerts(event, camera: camera).count >= count }
    }

    public var stderr: String { child.stderrText }
}

/// A plain HTTP/1.0 GET to 127.0.0.1:`port`; returns the status code and the body (nil: no answer).
public func httpGet(port: Int, path: String) -> (status: Int, body: String)? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var tv = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { return nil }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var response: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        response += buf[0..<n]
    }
    let text = String(decoding: response, as: UTF8.self)
    guard let headerEnd = text.range(of: "\r\n\r\n") else { return nil }
    let statusLine = text[..<headerEnd.lowerBound].split(separator: "\r\n").first ?? ""
    let parts = statusLine.split(separator: " ")
    guard parts.count >= 2, let code = Int(parts[1]) else { return nil }
    return (code, String(text[headerEnd.upperBound...]))
}

/// The value of a Prometheus sample line `name{labels} value` in `text`, e.g. `metric(text, "vigil_cameras")`
/// or `metric(text, "vigil_frames_analyzed_total{camera=\"a\"}")`.
public func metric(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}
