import Testing
import VigilCore
@testable import Tracking

@Suite struct IOUTrackerTests {
    static func tracker(tMin: Int = 2, maxAge: Int = 2, sigmaL: Float = 0, sigmaH: Float = 0.5) -> IOUTracker {
        IOUTracker(configuration: .init(sigmaL: sigmaL, sigmaH: sigmaH, sigmaIOU: 0.5, tMin: tMin, maxAge: maxAge))
    }

    @Test func lifecycleTentativeConfirmedLostEnded() {
        var t = Self.tracker(maxAge: 2)
        let frames: [[Detection]] = [[det(10, 10)], [det(11, 10)], [det(12, 10)], [], [], [], []]
        let out = run(&t, frames)
        #expect(trace(out) == ["", "1C", "1C", "1L", "1L", "1E", ""])
        #expect(out[3][0].misses == 1 && out[3][0].box == det(12, 10).box && out[3][0].score == 0)
        #expect(t.frameCount == 7)
    }

    @Test func occlusionGapKeepsIdentityWithinMaxAge() {
        let frames: [[Detection]] = [[det(10, 10)], [det(10, 10)], [det(10, 10)], [], [], [det(12, 10)], [det(12, 10)]]
        var kept = Self.tracker(maxAge: 2)
        #expect(trace(run(&kept, frames)) == ["", "1C", "1C", "1L", "1L", "1C", "1C"])
        var split = Self.tracker(maxAge: 1)
        #expect(trace(run(&split, frames)) == ["", "1C", "1C", "1L", "1E", "", "2C"])
    }

    @Test func flickeringDetector() {
        // A confirmed track survives every other frame missing (maxAge 1) ...
        let gaps: [[Detection]] = [[det(0, 0)], [det(1, 0)], [det(2, 0)], [], [det(3, 0)], [], [det(4, 0)], [], [det(5, 0)]]
        var t = Self.tracker(maxAge: 1)
        #expect(trace(run(&t, gaps)) == ["", "1C", "1C", "1L", "1C", "1L", "1C", "1L", "1C"])
        // ... a score flickering below σ_l is the same as a missing detection ...
        let scores: [[Detection]] = [[det(0, 0)], [det(0, 0)], [det(0, 0, score: 0.2)], [det(0, 0)], [det(0, 0, score: 0.2)], [det(0, 0)]]
        var s = Self.tracker(maxAge: 1, sigmaL: 0.3)
        #expect(trace(run(&s, scores)) == ["", "1C", "1L", "1C", "1L", "1C"])
        // ... but a tentative track that misses a frame ends, as in the paper: never confirmed.
        let early: [[Detection]] = [[det(0, 0)], [], [det(0, 0)], [], [det(0, 0)], []]
        var e = Self.tracker(maxAge: 5)
        #expect(trace(run(&e, early)).allSatisfy { $0.isEmpty })
    }

    @Test func falsePositivesGetNoIDs() {
        // A real object at (100, 100); one-frame false boxes elsewhere; a persistent box whose best
        // score stays below σ_h; then a second real object: it gets id 2 (ids stay dense).
        var frames: [[Detection]] = []
        for f in 0..<10 {
            var d = [det(100, 100), det(600, 300, score: 0.4)]
            if f % 2 == 1 { d.append(det(Float(50 * f + 300), 700)) }
            if f >= 7 { d.append(det(900, 100)) }
            frames.append(d)
        }
        var t = Self.tracker()
        #expect(trace(run(&t, frames)) == ["", "1C", "1C", "1C", "1C", "1C", "1C", "1C", "1C 2C", "1C 2C"])
    }

    @Test func crossingPathsGreedyTieSwapsIdentities() {
        // Two people walk head-on along the same line; the detector lists boxes left to right. At the
        // crossing both boxes coincide, and one frame later both are equally far from each track's last
        // box: the IoU tracker (no motion model) takes the first detection and the identities swap.
        var t = Self.tracker()
        let out = Self.crossing(&t)
        #expect(out.before == [1: 0, 2: 1])
        #expect(out.after == [1: 1, 2: 0])
    }

    /// Runs the head-on crossing; returns id → object (0 walks right, 1 walks left) before and after.
    static func crossing<T: Tracker>(_ tracker: inout T) -> (before: [Int: Int], after: [Int: Int]) {
        var before: [Int: Int] = [:], after: [Int: Int] = [:]
        for f in 0...20 {
            let a = det(Float(10 * f), 100), b = det(Float(200 - 10 * f), 100)
            let dets = a.box.x1 <= b.box.x1 ? [a, b] : [b, a]
            for track in tracker.update(dets, at: Double(f)) where track.state == .confirmed {
                let object = track.box.iou(a.box) >= track.box.iou(b.box) ? 0 : 1
                if f < 10 {
                    #expect(before[track.id, default: object] == object, "identity changed before crossing")
                    before[track.id] = object
                } else if f > 10 {
                    #expect(after[track.id, default: object] == object, "identity changed after crossing")
                    after[track.id] = object
                }
            }
        }
        return (before, after)
    }

    @Test func detectionsBelowSigmaLAreIgnoredAndOnlyTheBestIOUExtends() {
        var t = Self.tracker(tMin: 1)
        // tMin 1: confirmed on the first frame. Track 1 at x=0 takes the better overlapping box (x=2,
        // IoU 0.9) rather than the first listed (x=15); the other starts track 2.
        let out = run(&t, [[det(0, 0)], [det(15, 0), det(2, 0)], [det(4, 0, score: 0.9), det(100, 0, score: 0.1)]])
        #expect(trace(out) == ["1C", "1C 2C", "1C 2L"])
        #expect(out[1][0].box == det(2, 0).box)
        var low = Self.tracker(tMin: 1, sigmaL: 0.5)
        #expect(trace(run(&low, [[det(0, 0, score: 0.4)], [det(0, 0, score: 0.6)]])) == ["", "1C"])
    }
}
