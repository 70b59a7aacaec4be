import Testing
import VigilCore
@testable import Tracking

@Suite struct ByteTrackerTests {
    static func tracker(tMin: Int = 2, maxAge: Int = 30) -> ByteTracker {
        ByteTracker(configuration: .init(tMin: tMin, maxAge: maxAge))
    }

    @Test func crossingPathsKeepIdentities() {
        // The same head-on crossing that swaps the IoU tracker's identities: the predicted boxes keep
        // moving apart, so each track stays with its person.
        var t = Self.tracker()
        let out = IOUTrackerTests.crossing(&t)
        #expect(out.before == [1: 0, 2: 1])
        #expect(out.after == [1: 0, 2: 1])
    }

    /// A person walking right at 10 px per frame, hidden for frames 10...14 (behind a pillar).
    static let walkBehindPillar: [[Detection]] = (0..<26).map { f in (10...14).contains(f) ? [] : [det(Float(10 * f), 50)] }

    @Test func occlusionGapFollowsThePrediction() {
        var t = Self.tracker()
        let out = run(&t, Self.walkBehindPillar)
        let expected = [""] + Array(repeating: "1C", count: 9) + Array(repeating: "1L", count: 5) + Array(repeating: "1C", count: 11)
        #expect(trace(out) == expected)
        // While lost, the reported box keeps moving with the predicted velocity.
        #expect(out[12][0].box.x1 > out[10][0].box.x1 + 15)
        #expect(abs(out[12][0].box.x1 - 120) < 3)
        // The IoU tracker has only the last box: the person comes out 60 px further on and is new.
        var iou = IOUTracker(configuration: .init(maxAge: 10))
        let iouTrace = trace(run(&iou, Self.walkBehindPillar))
        #expect(iouTrace[14] == "1L" && iouTrace[15] == "1L" && iouTrace[16] == "1L 2C")
    }

    /// A walker 20 px wide and 60 tall going right at 10 px per frame who stops where the detector misses two
    /// frames: the prediction runs on past the person, 20 px and more, and no longer overlaps the box that comes
    /// back (as HOG misses a small walker now and then).
    static let stopUnseen: [[Detection]] = (0..<16).map { f in
        (8...9).contains(f) ? [] : [det(f < 8 ? Float(10 * f) : 75, 50, w: 20, h: 60)]
    }

    @Test func aSmallObjectMissedForAMomentKeepsItsTrackByCentreDistance() {
        var t = ByteTracker(configuration: .init(matchDistance: 0.5))
        let out = trace(run(&t, Self.stopUnseen))
        #expect(out[7] == "1C" && out[8] == "1L" && out[9] == "1L")
        #expect(out[10...].allSatisfy { $0 == "1C" }, "\(out)")
        // Without the centre-distance stage (the default) the predicted box has moved off it: a second track for
        // one walker.
        var iouOnly = ByteTracker(configuration: .init())
        let split = trace(run(&iouOnly, Self.stopUnseen))
        #expect(split.last?.contains("2C") == true, "\(split)")
        // A box of another size (a child, 8 × 25) where the walker is predicted is not taken for it.
        var frames = Self.stopUnseen
        for f in 10..<16 { frames[f] = [det(91, 68, w: 8, h: 25)] }
        var t2 = ByteTracker(configuration: .init(matchDistance: 0.5))
        let other = trace(run(&t2, frames))
        #expect(other.last?.contains("2C") == true, "\(other)")
    }

    /// A walker 20 × 60 going right at 10 px per frame who turns round where the detector misses ten frames
    /// (frames 8…17, as HOG loses a walker at the edge of the picture) and comes back from where they were last
    /// seen: the prediction has run on 100 px, far beyond the centre-distance reach (0.5 × 60 px), but stage 2c
    /// looks for the lost track where it was last matched, so it is one walker, and its new velocity points back.
    static let turnBack: [[Detection]] = (0..<26).map { (f: Int) -> [Detection] in
        if f < 8 { return [det(Float(10 * f), 50, w: 20, h: 60)] }
        if f <= 17 { return [] }
        let x = Float(70 - 5 * (f - 18))
        return [det(x, 52, w: 20, h: 60)]
    }

    @Test func aLostObjectThatTurnsBackIsFoundWhereItWasLastSeen() {
        var t = ByteTracker(configuration: .init(matchDistance: 0.5))
        let out = run(&t, Self.turnBack)
        let s = trace(out)
        #expect(s[7] == "1C" && s[8...17].allSatisfy { $0 == "1L" }, "\(s)")
        // where the prediction had got to when the walker came back: out of 2b's reach
        #expect(out[17][0].box.centerX - det(70, 52, w: 20, h: 60).box.centerX > 0.5 * 60 * 2, "\(out[17][0].box)")
        #expect(s[18...].allSatisfy { $0 == "1C" }, "\(s)")
        #expect(out.last![0].velocityX < 0, "moving left now: \(out.last![0].velocityX)")
        // Without the distance stages a second track starts.
        var plain = ByteTracker(configuration: .init())
        #expect(trace(run(&plain, Self.turnBack)).last?.contains("2C") == true)
    }

    @Test func lowScoreDetectionsContinueButNeverStartTracks() {
        // Confirmed on frame 2, then the detector's score drops to 0.3 on alternate frames: stage two
        // keeps the track matched (the IoU tracker with σ_l = 0.4 would lose it every other frame).
        var frames: [[Detection]] = [[det(0, 0)], [det(2, 0)]]
        for f in 2..<8 { frames.append([det(Float(2 * f), 0, score: f % 2 == 0 ? 0.3 : 0.9)]) }
        // A box that only ever scores 0.3 (or 0.55: high, but below the new-track threshold 0.6).
        for f in frames.indices { frames[f].append(det(500, 500, score: f % 2 == 0 ? 0.3 : 0.55)) }
        var t = Self.tracker()
        #expect(trace(run(&t, frames)) == ["", "1C", "1C", "1C", "1C", "1C", "1C", "1C"])
        var iou = IOUTracker(configuration: .init(sigmaL: 0.4, maxAge: 1))
        #expect(trace(run(&iou, frames)) == ["", "1C", "1L", "1C", "1L", "1C", "1L", "1C"])
    }

    @Test func tentativeTracksNeedConsecutiveHitsAndLostTracksEnd() {
        let frames: [[Detection]] = [[det(0, 0)], [], [det(0, 0)], [det(0, 0)], [det(0, 0)], [], [], [], [det(400, 0)], [det(400, 0)]]
        var t = Self.tracker(tMin: 3, maxAge: 2)
        #expect(trace(run(&t, frames)) == ["", "", "", "", "1C", "1L", "1L", "1E", "", ""])
        var quick = Self.tracker(tMin: 1, maxAge: 0)
        #expect(trace(run(&quick, frames)) == ["1C", "1E", "2C", "2C", "2C", "2E", "", "", "3C", "3C"])
    }

    @Test func filteredBoxFollowsAConstantVelocity() {
        var f = KalmanBoxFilter(box: det(0, 0).box)
        for k in 1...20 {
            f.predict(holdSize: false)
            f.update(det(Float(5 * k), Float(2 * k)).box)
        }
        f.predict(holdSize: false)
        #expect(abs(f.box.x1 - 105) < 0.5 && abs(f.box.y1 - 42) < 0.5)
        #expect(abs(f.velocity.x - 5) < 0.2 && abs(f.velocity.y - 2) < 0.2)
        #expect(abs(f.box.width - 40) < 0.1 && abs(f.box.height - 80) < 0.1)
    }
}
