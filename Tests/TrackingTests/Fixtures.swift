import TestSupport
import Tracking
import VigilCore

/// A box of width `w`, height `h` with its top-left corner at `x, y`, as a detection.
func det(_ x: Float, _ y: Float, w: Float = 40, h: Float = 80, score: Float = 0.9, label: String = "person",
         classIndex: Int = 0) -> Detection {
    Detection(box: Box(left: x, top: y, width: w, height: h), score: score, classIndex: classIndex, label: label)
}

/// Runs a tracker over frames (time = frame number) and returns its output per frame.
func run<T: Tracker>(_ tracker: inout T, _ frames: [[Detection]]) -> [[Track]] {
    frames.enumerated().map { tracker.update($1, at: Double($0 + 1)) }
}

/// Each frame's output as `id` + state letter (`C` confirmed, `L` lost, `E` ended), e.g. `"1C 2L"`.
func trace(_ output: [[Track]]) -> [String] {
    output.map { frame in
        frame.map { t in
            "\(t.id)" + (t.state == .confirmed ? "C" : t.state == .lost ? "L" : t.state == .ended ? "E" : "T")
        }.joined(separator: " ")
    }
}

/// A random scene: objects walking with constant velocity, born and dying over time, detections dropped
/// and jittered, false positives added. Scores are on a 0.01 grid plus 0.0001 × the detection's index in
/// its frame, so within a frame every score is distinct and a match can be traced back to its detection.
func randomScene(seed: UInt64, frames: Int, objects: Int) -> [[Detection]] {
    var rng = SplitMix(seed: seed)
    struct Walker { var x, y, vx, vy, w, h: Float; var born, dies: Int }
    var walkers: [Walker] = []
    for _ in 0..<objects {
        let born = Int(rng.uniform(0, Float(frames) * 0.6))
        walkers.append(Walker(x: rng.uniform(0, 1800), y: rng.uniform(0, 1000), vx: rng.uniform(-6, 6),
                              vy: rng.uniform(-3, 3), w: rng.uniform(30, 80), h: rng.uniform(60, 160),
                              born: born, dies: born + Int(rng.uniform(20, Float(frames)))))
    }
    func tag(_ score: Float, _ index: Int) -> Float { (score * 100).rounded(.down) / 100 + Float(index) * 1e-4 }
    var out: [[Detection]] = []
    for f in 0..<frames {
        var dets: [Detection] = []
        for k in walkers.indices where f >= walkers[k].born && f < walkers[k].dies {
            walkers[k].x += walkers[k].vx
            walkers[k].y += walkers[k].vy
            guard rng.unit() > 0.1 else { continue }
            let w = walkers[k]
            dets.append(det(w.x + rng.uniform(-2, 2), w.y + rng.uniform(-2, 2), w: w.w, h: w.h,
                            score: tag(0.3 + 0.69 * rng.unit(), dets.count)))
        }
        for _ in 0..<Int(rng.uniform(0, 3)) {
            dets.append(det(rng.uniform(0, 1800), rng.uniform(0, 1000), w: rng.uniform(20, 60),
                            h: rng.uniform(20, 60), score: tag(rng.uniform(0.1, 0.7), dets.count)))
        }
        out.append(dets)
    }
    return out
}
