import ArgumentParser
import Foundation
import Sinks
import VigilCore

/// `vigil bench alerts DIR`: alerts per second the alert log sustains with `sync: interval` and
/// `sync: always`, each beside serialising the same alerts and a plain `write(2)` (and `write` + `fdatasync`)
/// to the same directory: the ratio is the log's own overhead (rotation checks, whole-line handling).
/// Alert k of a run has `frame` k (and `media_time` k/25 s), so a log it leaves behind (killed mid-run: the
/// crash-durability test) can be checked for gaps; `--max-bytes`/`--keep` set the rotation.
///
/// Thread safety: used from the command's thread only.
struct AlertLogBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Alerts/s of the alert log (sync interval and always) beside plain write(2) to the same directory."
    )

    @OptionGroup var common: BenchOptions

    @Argument(help: "Directory the logs are written to (default: the temporary directory).")
    var directory = FileManager.default.temporaryDirectory.path

    @Option(help: "Alerts per run.")
    var count = 20_000

    @Option(name: .customLong("max-bytes"), help: "Rotate the log at this size.")
    var maxBytes = AlertLogOptions().maxBytes

    @Option(help: "Rotated files kept.")
    var keep = AlertLogOptions().keep

    /// Alert `k` of a run: the same fields every time but the frame and times, so a left-behind log shows gaps.
    static func alert(_ k: Int) -> Alert {
        Alert(timestamp: 1_767_225_600 + Double(k) / 25, mediaTime: Double(k) / 25, frame: k, camera: "bench",
              event: "zone_enter", severity: .info, trackID: 7, label: "person", score: 0.9,
              box: Box(x1: 1, y1: 2, x2: 3, y2: 4), zone: "yard")
    }

    func validateSuite() throws {
        guard count > 0 else { throw ValidationError("--count needs a positive count") }
        guard maxBytes >= 0, keep >= 0 else { throw ValidationError("--max-bytes and --keep need a count ≥ 0") }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let path = "\(directory)/vigil-bench-alerts-\(getpid()).jsonl"
        defer { for f in RotatedLogs.files(of: path) { unlink(f) } }
        progress("\(path): whole lines of about \(AlertLogBench.alert(count).jsonLine().utf8.count + 1) bytes, "
                 + (maxBytes > 0 ? "rotation at \(maxBytes) bytes, keeping \(keep)" : "no rotation"))
        var figures: [BenchFigure] = []
        for (policy, n) in [(SyncPolicy.interval, count), (.always, max(200, count / 20))] {
            for f in RotatedLogs.files(of: path) { unlink(f) }
            var o = AlertLogOptions()
            o.sync = policy
            o.maxBytes = maxBytes
            o.keep = keep
            let log = try AlertLog(path: path, options: o)
            let t0 = MonotonicClock.seconds()
            for k in 0..<n { try log.write(AlertLogBench.alert(k)) }
            try log.flush()
            let rate = Double(n) / (MonotonicClock.seconds() - t0)
            unlink(path)
            // Reference: the same lines, serialised the same way, with plain write(2) (and fdatasync for `always`).
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw BenchError("cannot open \(path)") }
            let r0 = MonotonicClock.seconds()
            for k in 0..<n {
                var line = AlertLogBench.alert(k).jsonLine()
                line.append("\n")
                _ = line.utf8.withContiguousStorageIfAvailable { write(fd, $0.baseAddress!, $0.count) }
                if policy == .always { fdatasync(fd) }
            }
            fdatasync(fd)
            let refRate = Double(n) / (MonotonicClock.seconds() - r0)
            close(fd)
            figures.append(BenchFigure(name: "alert log sync: \(policy.rawValue)", value: rate, unit: "alerts/s",
                                       reference: policy == .always ? "jsonLine + write(2) + fdatasync" : "jsonLine + write(2)",
                                       referenceValue: refRate, higherIsBetter: true))
        }
        return figures
    }
}
