import API
import ArgumentParser
import Foundation
import Logging
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// `vigil bench api-metrics`: `GET /metrics` requests per second, measured by `wrk` (Debian package wrk),
/// on the API server of `vigil run` (Hummingbird) beside the hand-written metrics server it replaced
/// (`LegacyMetricsServer`, a faithful copy kept for this benchmark only), both in this process, both rendering
/// the same 4-camera metrics text on every request. Kept-alive connections (what a scraper and wrk do) and a
/// new connection per request (`Connection: close`, all the old server could do). Rounds alternate which
/// server goes first; the spread over rounds is printed.
///
/// Thread safety: used from the command's thread only (the servers it starts have their own threads).
struct APIMetricsBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "api-metrics",
        abstract: "GET /metrics requests per second (wrk) on the API beside the hand-written server it replaced."
    )
    static var shared: BenchOptions.Uses { [.rounds] }

    @OptionGroup var common: BenchOptions

    @Option(help: "Seconds of each wrk run.")
    var seconds = 5

    @Option(help: "wrk's open connections, one figure pair per count (comma-separated).")
    var connections = "1,16"

    @Option(help: "The wrk binary (Debian package wrk).")
    var wrk = "/usr/bin/wrk"

    var connectionCounts: [Int] { connections.split(separator: ",").compactMap { Int($0) } }

    func validateSuite() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        let parts = connections.split(separator: ",", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ (Int($0) ?? 0) > 0 }) else {
            throw ValidationError("--connections needs positive counts separated by commas, not '\(connections)'")
        }
    }

    /// One way of running wrk: connections, and whether each request opens a new connection.
    struct Mode: Hashable {
        var connections: Int
        var close: Bool
        var label: String { "\(connections) connection\(connections == 1 ? "" : "s")\(close ? ", Connection: close" : ", kept alive")" }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let rounds = common.rounds ?? 3
        guard FileManager.default.isExecutableFile(atPath: wrk) else {
            throw BenchError("\(wrk) not found: install wrk (apt-get install wrk) or give --wrk PATH")
        }
        let render: @Sendable () -> String = { MetricsBody.render(cameras: 4) }
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        var o = APIOptions()
        o.port = 0
        let api = APIServer(options: o, backend: MetricsOnlyBackend(render: render), index: nil, hub: EventHub(), logger: quiet)
        try api.start()
        defer { api.stop() }
        let legacy = try LegacyMetricsServer(host: "127.0.0.1", port: 0, render: render)
        defer { legacy.stop() }
        for (name, port) in [("api", api.port), ("legacy", legacy.port)] {
            let body = try HTTPGet.body(port: port, path: "/metrics")
            guard body.contains("vigil_frames_decoded_total{camera=\"cam3\"}") else {
                throw BenchError("the \(name) server's /metrics lacks the rendered families")
            }
            progress("\(name) server on 127.0.0.1:\(port): /metrics is \(body.utf8.count) bytes")
        }
        let modes = connectionCounts.flatMap { [Mode(connections: $0, close: false), Mode(connections: $0, close: true)] }
        var results: [Mode: (api: [Double], legacy: [Double])] = [:]
        for r in 0..<rounds {
            for mode in modes {
                let order = r % 2 == 0 ? [true, false] : [false, true]  // true: the API first
                for isAPI in order {
                    let rate = try wrkRate(port: isAPI ? api.port : legacy.port, mode: mode, progress: progress)
                    if isAPI { results[mode, default: ([], [])].api.append(rate) } else { results[mode, default: ([], [])].legacy.append(rate) }
                }
            }
        }
        return modes.map { mode in
            let (a, l) = results[mode]!
            progress("\(mode.label): api \(BenchStats.describe(a)) req/s; legacy \(BenchStats.describe(l)) req/s")
            return BenchFigure(name: "/metrics on the API (Hummingbird), \(mode.label)", value: BenchStats.median(a), unit: "req/s",
                               reference: "hand-written metrics server (before #15)", referenceValue: BenchStats.median(l),
                               higherIsBetter: true)
        }
    }

    /// Requests per second reported by one wrk run; failed requests (socket errors, non-2xx) are an error.
    func wrkRate(port: Int, mode: Mode, progress: (String) -> Void) throws -> Double {
        var args = ["-t", "1", "-c", String(mode.connections), "-d", "\(seconds)s", "--timeout", "5s"]
        if mode.close { args += ["-H", "Connection: close"] }
        args.append("http://127.0.0.1:\(port)/metrics")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: wrk)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
              let rate = Double(line.dropFirst("Requests/sec:".count).trimmingCharacters(in: .whitespaces)) else {
            throw BenchError("wrk failed on port \(port): \(text)")
        }
        if let bad = text.split(separator: "\n").first(where: { $0.contains("Socket errors") || $0.contains("Non-2xx") }) {
            progress("port \(port), \(mode.label): wrk reports \(bad.trimmingCharacters(in: .whitespaces))")
        }
        return rate
    }
}

/// A `/metrics` body the size of a 4-camera daemon's (per-camera counters and gauges, a latency histogram per
/// camera), rendered afresh on every request as the daemon does.
enum MetricsBody {
    static func render(cameras: Int) -> String {
        var s = ""
        let counters = ["vigil_frames_decoded_total", "vigil_frames_analyzed_total", "vigil_frames_skipped_total",
                        "vigil_frames_dropped_total", "vigil_stream_reconnects_total", "vigil_alerts_total"]
        let gauges = ["vigil_stream_up", "vigil_decode_frames_per_second", "vigil_analysis_frames_per_second",
                      "vigil_inference_queue_depth"]
        for (k, name) in (counters + gauges).enumerated() {
            s += "# HELP \(name) Benchmark family \(k).\n# TYPE \(name) \(k < counters.count ? "counter" : "gauge")\n"
            for c in 0..<cameras { s += "\(name){camera=\"cam\(c)\"} \(1000 * (c + 1) + k)\n" }
        }
        let buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
        s += "# HELP vigil_analysis_latency_seconds Decoder to alert written.\n# TYPE vigil_analysis_latency_seconds histogram\n"
        for c in 0..<cameras {
            for (k, b) in buckets.enumerated() {
                s += "vigil_analysis_latency_seconds_bucket{camera=\"cam\(c)\",le=\"\(b)\"} \(100 * (k + 1))\n"
            }
            s += "vigil_analysis_latency_seconds_bucket{camera=\"cam\(c)\",le=\"+Inf\"} 1200\n"
            s += "vigil_analysis_latency_seconds_sum{camera=\"cam\(c)\"} 12.5\nvigil_analysis_latency_seconds_count{camera=\"cam\(c)\"} 1200\n"
        }
        return s
    }
}

/// The API's backend in this benchmark: `/metrics` only.
private struct MetricsOnlyBackend: APIBackend {
    let render: @Sendable () -> String
    func cameras() -> [CameraStatus] { [] }
    func latestJPEG(camera: String, annotated: Bool, timeout: Double) async -> LatestPicture? { nil }
    func reload() async -> ReloadOutcome { ReloadOutcome(ok: false, message: "no daemon in the benchmark") }
    func redactedConfig() -> JSONValue { .object([]) }
    func metricsText() -> String { render() }
}
