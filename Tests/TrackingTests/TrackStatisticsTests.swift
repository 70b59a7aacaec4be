import Testing
import VigilCore
@testable import Tracking

@Suite struct TrackStatisticsTests {
    @Test(arguments: TrackerKind.allCases)
    func labelVoteMedianScoreTimesVelocity(kind: TrackerKind) throws {
        // Moves 10 px right every 0.1 s: 100 px/s. Labels person ×3, car ×2: person wins.
        let labels = ["person", "car", "person", "car", "person"]
        let scores: [Float] = [0.9, 0.7, 0.95, 0.8, 0.6]
        var last: Track?
        var s = KindTracker(kind)
        for f in 0..<5 {
            let d = det(Float(10 * f), 0, score: scores[f], label: labels[f], classIndex: labels[f] == "car" ? 2 : 0)
            let out = s.update([d], at: 5 + 0.1 * Double(f))
            if f > 0 { last = out.first }
        }
        let t = try #require(last)
        #expect(t.label == "person" && t.classIndex == 0)
        #expect(t.medianScore == 0.8)
        #expect(t.score == 0.6)
        #expect(t.firstSeen == 5 && abs(t.lastSeen - 5.4) < 1e-9)
        #expect(t.hits == 5 && t.misses == 0)
        #expect(abs(t.velocityX - 100) < (kind == .iou ? 0.5 : 30) && abs(t.velocityY) < 1)
        #expect(!t.isStationary)
    }

    @Test(arguments: TrackerKind.allCases)
    func stationaryAfterStandingStill(kind: TrackerKind) {
        var s = KindTracker(kind)
        var flags: [Bool] = []
        for f in 0..<16 {
            // Stands with 1 px of jitter.
            let out = s.update([det(40 + Float(f % 2), 0)], at: Double(f))
            flags.append(out.first?.isStationary ?? false)
        }
        // Settled at birth; stationary once 10 matched updates stayed put.
        #expect(flags == Array(repeating: false, count: 10) + Array(repeating: true, count: 6))
        // Moving off (8 px: still the same track) clears the flag.
        let moved = s.update([det(48, 0)], at: 16).first
        #expect(moved?.state == .confirmed && moved?.isStationary == false)
    }

    @Test func velocityIsSmoothedOverObservations() {
        // Steps of 10, 10, 30 px every 0.1 s: 100, 100, 300 px/s; each update averages half and half.
        var t = IOUTracker(configuration: .init(tMin: 1))
        var v: [Float] = []
        for (f, x) in [0, 10, 20, 50].enumerated() {
            v.append(t.update([det(Float(x), 0, w: 200, h: 200)], at: 0.1 * Double(f))[0].velocityX)
        }
        #expect(v.count == 4 && v[0] == 0)
        #expect(abs(v[1] - 100) < 0.01 && abs(v[2] - 100) < 0.01 && abs(v[3] - 200) < 0.01)
    }

    @Test func scoreWindowMedianOverTheLast16() {
        var w = ScoreWindow()
        #expect(w.median == 0)
        w.add(0.5)
        #expect(w.median == 0.5)
        w.add(0.1)
        #expect(w.median == 0.3)
        for k in 0..<30 { w.add(Float(k) / 100) }  // keeps 0.14 ... 0.29
        #expect(abs(w.median - 0.215) < 1e-6)
    }

    @Test func labelVoteTiesGoToTheFirstSeenAndAFifthClassReplacesTheWeakest() {
        var v = LabelVote(classIndex: 1, label: "car")
        v.add(classIndex: 0, label: "person")
        #expect(v.winner.label == "car")
        v.add(classIndex: 0, label: "person")
        #expect(v.winner.label == "person")
        for (i, l) in ["dog", "cat", "bike"].enumerated() { v.add(classIndex: 5 + i, label: l) }
        v.add(classIndex: 7, label: "bike")
        v.add(classIndex: 7, label: "bike")
        #expect(v.winner.label == "bike" && v.winner.classIndex == 7)
    }
}
