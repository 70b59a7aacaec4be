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
    guard let c = RawSocket(port: port) else { return nil }
    c.send("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    guard let reply = parseHTTPReply(c.read()) else { return nil }
    return (reply.status, reply.text)
}

/// The value of a Prometheus sample line `name{labels} value` in `text`, e.g. `metric(text, "vigil_cameras")`
/// or `metric(text, "vigil_frames_analyzed_total{camera=\"a\"}")`.
public func metric(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}
