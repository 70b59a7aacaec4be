import ArgumentParser
import Detection
import Foundation
import VigilCore

/// `vigil bench nms`: class-aware hard NMS on 8400 candidates (a YOLO-640 frame: 80 classes, objects with
/// overlapping proposals), Vigil's single-sort NMS beside NumPy's greedy NMS (scripts/nms_reference.py) on the
/// same candidates in the same run; the kept counts must agree.
///
/// Thread safety: used from the command's thread only.
struct NMSBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "nms",
        abstract: "Class-aware hard NMS on 8400 candidates beside NumPy's greedy NMS on the same candidates."
    )

    @OptionGroup var common: BenchOptions

    @Option(help: "Candidates (a YOLO-640 frame has 8400).")
    var candidates = 8400

    @Option(help: "IoU threshold (0…1).")
    var iou: Float = 0.7

    @Option(name: .customLong("repeat"), help: "Timed repetitions of each side.")
    var repetitions = 20

    @Option(help: "Python with NumPy.")
    var python = "python3"

    func validateSuite() throws {
        guard candidates > 0 else { throw ValidationError("--candidates needs a positive count") }
        guard (0...1).contains(iou) else { throw ValidationError("--iou needs 0…1") }
        guard repetitions > 0 else { throw ValidationError("--repeat needs a positive count") }
    }

    /// Objects of random size and class, each with ~28 jittered proposals of random score (seeded LCG).
    static func candidates(_ n: Int) -> [Candidate] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func unit() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24)
        }
        var out: [Candidate] = []
        out.reserveCapacity(n)
        while out.count < n {
            let w = 20 + unit() * 200, h = 20 + unit() * 200, x = unit() * (640 - w), y = unit() * (640 - h)
            let cls = Int(unit() * 80)
            for _ in 0..<28 where out.count < n {
                let jx = (unit() - 0.5) * 0.2 * w, jy = (unit() - 0.5) * 0.2 * h
                let sw = 1 + (unit() - 0.5) * 0.2, sh = 1 + (unit() - 0.5) * 0.2
                out.append(Candidate(box: Box(x1: x + jx, y1: y + jy, x2: x + jx + w * sw, y2: y + jy + h * sh),
                                     score: 0.25 + unit() * 0.75, classIndex: cls))
            }
        }
        return out
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let cands = Self.candidates(candidates)
        var times: [Double] = []
        var kept = 0
        for _ in 0..<repetitions {
            let t0 = MonotonicClock.nanoseconds()
            kept = NonMaxSuppression.run(cands, kind: .hard, iouThreshold: iou).count
            times.append(Double(MonotonicClock.nanoseconds() - t0) / 1e6)
        }
        times.sort()
        let weighted = MonotonicClock.nanoseconds()
        _ = NonMaxSuppression.run(cands, kind: .weighted, iouThreshold: iou)
        let weightedMs = Double(MonotonicClock.nanoseconds() - weighted) / 1e6
        let (refKept, refMs) = try reference(cands)
        progress("\(cands.count) candidates: Vigil kept \(kept), NumPy kept \(refKept); weighted NMS \(String(format: "%.2f", weightedMs)) ms")
        guard refKept == kept else { throw BenchError("kept counts differ: Vigil \(kept), NumPy \(refKept)") }
        return [BenchFigure(name: "nms hard, \(cands.count) candidates", value: times[times.count / 2], unit: "ms",
                            reference: "NumPy greedy NMS (scripts/nms_reference.py)", referenceValue: refMs,
                            higherIsBetter: false)]
    }

    private func reference(_ cands: [Candidate]) throws -> (Int, Double) {
        let fm = FileManager.default
        let script = try benchScript("scripts/nms_reference.py")
        let file = fm.temporaryDirectory.appendingPathComponent("vigil-bench-nms-\(getpid()).csv")
        defer { try? fm.removeItem(at: file) }
        let text = cands.map { "\($0.box.x1),\($0.box.y1),\($0.box.x2),\($0.box.y2),\($0.score),\($0.classIndex)" }
            .joined(separator: "\n")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let o = try BenchReference.run("the NumPy reference", python, [script, file.path, "\(iou)", "\(repetitions)"],
                                       required: ["kept", "ms"])
        guard let kept = o["kept"]?.number.map(Int.init), let ms = o["ms"]?.number else {
            throw BenchError("the NumPy reference printed no kept count")
        }
        return (kept, ms)
    }
}
