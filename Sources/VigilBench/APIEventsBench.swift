import ArgumentParser
import API
import Foundation
import Logging
import VigilCore

/// `vigil bench api`: `GET /api/events?limit=100` (filtered by camera and age) over an index of N events,
/// p50 and p99 over repeated requests on one kept-alive connection, beside `vigil tail LOG --camera C --since
/// 1d` on the same log (a process per query, as a user runs it). Rounds alternate which side goes first; the
/// spread and the load average are printed.
///
/// Thread safety: used from the command's thread only.
struct APIEventsBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "GET /api/events over an index of N events beside `vigil tail --since` on the same log."
    )

    @OptionGroup var common: BenchOptions

    @Option(help: "Events in the generated log and index.")
    var events = 1_000_000

    @Option(help: "API requests in all (spread over the rounds).")
    var queries = 200

    @Option(help: "`vigil tail` runs (one per round).")
    var tails = 5

    func validateSuite() throws {
        guard events > 0, queries > 0, tails > 0 else { throw ValidationError("--events, --queries and --tails must be positive") }
    }

    /// Writes `events` alert lines over the last 30 days (four cameras, four events), oldest first.
    func writeLog(_ path: String) throws {
        let now = Date().timeIntervalSince1970
        let span = 30 * 86_400.0
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var chunk = ""
        for k in 0..<events {
            let t = now - span + span * Double(k) / Double(events)
            let a = Alert(timestamp: t, mediaTime: Double(k) / 25, frame: k, camera: CameraID("cam\(k % 4)"),
                          event: ["zone_enter", "line_cross", "motion_start", "loitering"][k % 4 == 0 ? (k / 4) % 4 : k % 4],
                          severity: k % 10 == 0 ? .warning : .info, trackID: k % 1000, label: k % 3 == 0 ? "car" : "person",
                          score: 0.9, box: Box(x1: 1, y1: 2, x2: 3, y2: 4), zone: "yard")
            chunk += a.jsonLine() + "\n"
            if chunk.utf8.count > 1 << 20 { h.write(Data(chunk.utf8)); chunk = "" }
        }
        h.write(Data(chunk.utf8))
        try h.close()
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-api-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("alerts.jsonl").path
        FileManager.default.createFile(atPath: log, contents: nil)
        try writeLog(log)
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let index = try EventIndex(path: dir.appendingPathComponent("index.sqlite").path)
        let hub = EventHub()
        let indexer = EventIndexer(logPath: log, index: index, hub: hub, logger: quiet)
        let t0 = MonotonicClock.seconds()
        indexer.start()
        while ((try? index.summary().count) ?? 0) < events { usleep(50_000) }
        let indexSeconds = MonotonicClock.seconds() - t0
        progress("indexed \(events) events in \(String(format: "%.1f", indexSeconds)) s (\(Int(Double(events) / indexSeconds)) events/s)")
        var o = APIOptions()
        o.port = 0
        let server = APIServer(options: o, backend: NoDaemon(), index: index, hub: hub, logger: quiet)
        try server.start()
        defer { server.stop(); indexer.stop() }
        let path = "/api/events?limit=100&camera=cam2&since=1d"
        var api: [Double] = [], tail: [Double] = []
        let rounds = tails
        for r in 0..<rounds {
            let apiFirst = r % 2 == 0
            for side in apiFirst ? [0, 1] : [1, 0] {
                if side == 0 {
                    api += try APIEventsBench.timeRequests(port: server.port, path: path, count: max(1, queries / rounds))
                } else {
                    let t = MonotonicClock.seconds()
                    let p = Process()
                    p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
                    if !FileManager.default.isExecutableFile(atPath: p.executableURL!.path) {
                        p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
                    }
                    p.arguments = ["tail", log, "--camera", "cam2", "--since", "1d"]
                    p.standardOutput = FileHandle.nullDevice
                    try p.run()
                    p.waitUntilExit()
                    tail.append((MonotonicClock.seconds() - t) * 1000)
                }
            }
        }
        api.sort(); tail.sort()
        func pct(_ a: [Double], _ p: Double) -> Double { a[min(a.count - 1, Int((Double(a.count - 1) * p).rounded()))] }
        var load = [Double](repeating: 0, count: 3)
        _ = getloadavg(&load, 3)
        progress("api: \(api.count) requests, min \(String(format: "%.2f", api.first!)) ms, max \(String(format: "%.2f", api.last!)) ms; "
                 + "tail: \(tail.count) runs, min \(String(format: "%.0f", tail.first!)) ms, max \(String(format: "%.0f", tail.last!)) ms")
        progress("load average \(load.map { String(format: "%.2f", $0) }.joined(separator: " ")) on \(ProcessInfo.processInfo.activeProcessorCount) cores"
                 + (load[0] > 0.5 ? " (the machine was not quiet)" : ""))
        let ref = "vigil tail --camera --since 1d (\(events) lines)"
        return [
            BenchFigure(name: "api events limit=100 p50 (\(events) indexed)", value: pct(api, 0.5), unit: "ms",
                        reference: ref + " p50", referenceValue: pct(tail, 0.5), higherIsBetter: false),
            BenchFigure(name: "api events limit=100 p99 (\(events) indexed)", value: pct(api, 0.99), unit: "ms",
                        reference: ref + " p99", referenceValue: pct(tail, 0.99), higherIsBetter: false),
        ]
    }

    /// Milliseconds per request, `count` requests on one kept-alive connection.
    static func timeRequests(port: Int, path: String, count: Int) throws -> [Double] {
        guard let fd = connectLoopback(port: port) else { throw BenchError("cannot connect to the API") }
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)
        var out: [Double] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        for _ in 0..<count {
            let t = MonotonicClock.seconds()
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var got: [UInt8] = []
            var bodyEnd: Int? = nil
            while bodyEnd == nil || got.count < bodyEnd! {
                let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { throw BenchError("the API closed the connection") }
                got += buf[0..<n]
                if bodyEnd == nil, let h = got.firstRange(of: Array("\r\n\r\n".utf8)) {
                    let head = String(decoding: got[..<h.lowerBound], as: UTF8.self).lowercased()
                    guard let cl = head.components(separatedBy: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                          let len = Int(cl.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else {
                        throw BenchError("no content-length in the answer")
                    }
                    bodyEnd = h.upperBound + len
                }
            }
            out.append((MonotonicClock.seconds() - t) * 1000)
        }
        return out
    }
}

/// The benchmark serves events only: no cameras.
private struct NoDaemon: APIBackend {
    func cameras() -> [CameraStatus] { [] }
    func latestJPEG(camera: String, annotated: Bool, timeout: Double) async -> LatestPicture? { nil }
    func reload() async -> ReloadOutcome { ReloadOutcome(ok: false, message: "no daemon in the benchmark") }
    func redactedConfig() -> JSONValue { .object([]) }
    func metricsText() -> String { "" }
}
