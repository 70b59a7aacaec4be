import Foundation
import Sinks
import VigilCore

extension BenchSuite {
    /// `vigil bench alerts DIR`: alerts per second the alert log sustains with `sync: interval` and
    /// `sync: always`, each beside serialising the same alert and a plain `write(2)` (and `write` + `fdatasync`)
    /// to the same directory: the ratio is the log's own overhead (rotation checks, whole-line handling).
    static let alerts = BenchSuite(
        name: "alerts",
        usage: "[DIR] [--count 20000]",
        run: { arguments, progress in try AlertLogBench(arguments: arguments).run(progress) }
    )
}

/// The `alerts` benchmark: the alert log against raw appends on the same file system.
///
/// Thread safety: used from the command's thread only.
struct AlertLogBench {
    var directory = FileManager.default.temporaryDirectory.path
    var count = 20_000

    init(arguments: [String]) throws {
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--count":
                i += 1
                guard i < arguments.count, let n = Int(arguments[i]), n > 0 else { throw BenchError("--count needs a positive count") }
                count = n
            case let a where !a.hasPrefix("-"): directory = a
            default: throw BenchError("unknown argument '\(arguments[i])'")
            }
            i += 1
        }
        var st = stat()
        guard stat(directory, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { throw BenchError("\(directory) is not a directory") }
    }

    func run(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let alert = Alert(timestamp: 1_767_225_600, mediaTime: 1, frame: 25, camera: "bench", event: "zone_enter",
                          severity: .info, trackID: 7, label: "person", score: 0.9, box: Box(x1: 1, y1: 2, x2: 3, y2: 4),
                          zone: "yard")
        let path = "\(directory)/vigil-bench-alerts-\(getpid()).jsonl"
        defer { for f in RotatedLogs.files(of: path) { unlink(f) } }
        progress("\(path): whole lines of \(alert.jsonLine().utf8.count + 1) bytes, rotation at 64 MiB")
        var figures: [BenchFigure] = []
        for (policy, n) in [(SyncPolicy.interval, count), (.always, max(200, count / 20))] {
            for f in RotatedLogs.files(of: path) { unlink(f) }
            var o = AlertLogOptions()
            o.sync = policy
            let log = try AlertLog(path: path, options: o)
            let t0 = AlertLog.monotonic()
            for _ in 0..<n { try log.write(alert) }
            try log.flush()
            let rate = Double(n) / (AlertLog.monotonic() - t0)
            unlink(path)
            // Reference: the same lines, serialised the same way, with plain write(2) (and fdatasync for `always`).
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw BenchError("cannot open \(path)") }
            let r0 = AlertLog.monotonic()
            for _ in 0..<n {
                var line = alert.jsonLine()
                line.append("\n")
                _ = line.utf8.withContiguousStorageIfAvailable { write(fd, $0.baseAddress!, $0.count) }
                if policy == .always { fdatasync(fd) }
            }
            fdatasync(fd)
            let refRate = Double(n) / (AlertLog.monotonic() - r0)
            close(fd)
            figures.append(BenchFigure(name: "alert log sync: \(policy.rawValue)", value: rate, unit: "alerts/s",
                                       reference: policy == .always ? "jsonLine + write(2) + fdatasync" : "jsonLine + write(2)",
                                       referenceValue: refRate, higherIsBetter: true))
        }
        return figures
    }
}
