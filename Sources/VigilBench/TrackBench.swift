import ArgumentParser
import Foundation
import Tracking
import VigilCore

/// `vigil bench track`: box updates per second of both trackers with 10, 50 and 200 objects per frame,
/// single thread, each beside the paper's IoU tracker in Python (scripts/iou_tracker_reference.py,
/// plain floats as in the paper's code) timed on the same scene in the same run.
///
/// Thread safety: used from the command's thread only.
struct TrackBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "track",
        abstract: "Box updates/s of both trackers beside the IoU paper's tracker in Python on the same scene."
    )

    @OptionGroup var common: BenchOptions

    @Option(help: "Objects per frame, comma-separated.")
    var objects = "10,50,200"

    /// Box updates per timed run of a Swift tracker (frames = boxes / objects).
    @Option(help: "Box updates per timed run of a Swift tracker.")
    var boxes = 200_000

    /// Box updates per timed run of the Python reference (it is a few hundred times slower).
    var referenceBoxes: Int { 4_000 }

    @Option(help: "The reference script (default: scripts/iou_tracker_reference.py).")
    var reference: String?

    @Option(help: "Python for the reference.")
    var python = "python3"

    var objectCounts: [Int] { objects.split(separator: ",").compactMap { Int($0) } }

    func validateSuite() throws {
        guard !objects.isEmpty, objects.split(separator: ",").allSatisfy({ Int($0).map { $0 > 0 } == true }) else {
            throw ValidationError("--objects: '\(objects)' is not a list of counts")
        }
        guard boxes > 0 else { throw ValidationError("--boxes needs a positive count") }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let script = try locateReference()
        progress("reference: \(python) \(script) --float64 --time; goal: ≥ 1M box updates/s at 50 objects")
        var figures: [BenchFigure] = []
        for n in objectCounts {
            let frames = Self.scene(objects: n, frames: max(boxes / n, 10))
            let referenceFrames = Array(frames.prefix(max(referenceBoxes / n, 5)))
            let referenceRate = try runReference(script: script, frames: referenceFrames)
            let iouRate = Self.measure(frames) { IOUTracker() }
            let byteRate = Self.measure(frames) { ByteTracker() }
            let refName = "Python IoU tracker (paper), \(n) objects/frame"
            figures.append(BenchFigure(name: "track iou, \(n) objects/frame", value: iouRate, unit: "box updates/s",
                                       reference: refName, referenceValue: referenceRate, higherIsBetter: true))
            figures.append(BenchFigure(name: "track byte, \(n) objects/frame", value: byteRate, unit: "box updates/s",
                                       reference: refName, referenceValue: referenceRate, higherIsBetter: true))
            progress("\(n) objects: \(frames.count) frames per run; Python reference on \(referenceFrames.count) frames")
        }
        return figures
    }

    /// Best of five runs of a fresh tracker over the whole scene, in box updates per second.
    static func measure<T: Tracker>(_ frames: [[Detection]], _ make: () -> T) -> Double {
        let total = frames.reduce(0) { $0 + $1.count }
        var best = Double.infinity
        var checksum = 0
        for _ in 0..<5 {
            var tracker = make()
            let start = MonotonicClock.seconds()
            for (f, d) in frames.enumerated() {
                checksum &+= tracker.update(d, at: Double(f)).count
            }
            best = min(best, MonotonicClock.seconds() - start)
        }
        precondition(checksum > 0, "the scene produced no tracks")
        return Double(total) / best
    }

    /// `objects` boxes (30–80 × 60–160 px) moving with constant velocity in a 1920×1080 frame, bouncing
    /// off its edges, with ±1 px of jitter and scores in 0.3...1; deterministic.
    static func scene(objects: Int, frames: Int) -> [[Detection]] {
        var state: UInt64 = 0x5EED_0000 &+ UInt64(objects)
        func unit() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24)
        }
        struct Mover { var x, y, vx, vy, w, h: Float }
        var movers = (0..<objects).map { _ in
            let w = 30 + 50 * unit(), h = 60 + 100 * unit()
            return Mover(x: (1920 - w) * unit(), y: (1080 - h) * unit(), vx: 8 * unit() - 4, vy: 4 * unit() - 2, w: w, h: h)
        }
        var out: [[Detection]] = []
        out.reserveCapacity(frames)
        for _ in 0..<frames {
            var dets: [Detection] = []
            dets.reserveCapacity(objects)
            for k in movers.indices {
                var m = movers[k]
                m.x += m.vx; m.y += m.vy
                if m.x < 0 || m.x + m.w > 1920 { m.vx = -m.vx; m.x = min(max(m.x, 0), 1920 - m.w) }
                if m.y < 0 || m.y + m.h > 1080 { m.vy = -m.vy; m.y = min(max(m.y, 0), 1080 - m.h) }
                movers[k] = m
                dets.append(Detection(box: Box(left: m.x + 2 * unit() - 1, top: m.y + 2 * unit() - 1, width: m.w, height: m.h),
                                      score: 0.3 + 0.7 * unit(), label: "person"))
            }
            out.append(dets)
        }
        return out
    }

    private func locateReference() throws -> String {
        let fm = FileManager.default
        if let reference {
            guard fm.fileExists(atPath: reference) else { throw BenchError("--reference \(reference): no such file") }
            return reference
        }
        let relative = "scripts/iou_tracker_reference.py"
        var candidates = [fm.currentDirectoryPath]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 { candidates.append(dir.path); dir = dir.deletingLastPathComponent() }
        for c in candidates where fm.fileExists(atPath: c + "/" + relative) { return c + "/" + relative }
        throw BenchError("cannot find \(relative) (run from the repository or pass --reference PATH)")
    }

    /// Writes the frames as det.txt, times the Python reference on them, returns its box updates per second.
    private func runReference(script: String, frames: [[Detection]]) throws -> Double {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-track-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("det.txt")
        var text = ""
        for (f, dets) in frames.enumerated() {
            for d in dets {
                text += "\(f + 1),-1,\(d.box.x1),\(d.box.y1),\(d.box.width),\(d.box.height),\(d.score),-1,-1,-1\n"
            }
        }
        try text.write(to: file, atomically: true, encoding: .utf8)
        let o = try BenchReference.run("the Python reference", python, [script, file.path, "--time", "--float64", "--repeat", "3"],
                                       required: ["boxes", "seconds"])
        guard let boxes = o["boxes"]?.number, let seconds = o["seconds"]?.number, seconds > 0 else {
            throw BenchError("the Python reference timed nothing")
        }
        return boxes / seconds
    }
}
