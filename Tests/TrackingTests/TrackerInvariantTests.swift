import Testing
import VigilCore
@testable import Tracking

@Suite struct TrackerInvariantTests {
    static func check(_ output: [[Track]], _ frames: [[Detection]], kind: TrackerKind) {
        var ended = Set<Int>()
        var highest = 0
        for (f, tracks) in output.enumerated() {
            let ids = tracks.map(\.id)
            // Ordered by id, each id at most once per frame: no track in two places.
            #expect(ids == ids.sorted() && Set(ids).count == ids.count, "frame \(f)")
            // No detection feeds two tracks (every detection's score is distinct).
            let matched = tracks.filter { $0.state == .confirmed }
            #expect(Set(matched.map(\.score)).count == matched.count, "frame \(f)")
            for t in matched {
                #expect(frames[f].contains { $0.score == t.score }, "frame \(f): a confirmed track has no detection")
                if kind == .iou { #expect(frames[f].contains { $0.box == t.box && $0.score == t.score }) }
            }
            for t in tracks {
                #expect(t.id >= 1 && t.state != .tentative)
                // An ended id never comes back; new ids are larger than every id before.
                #expect(!ended.contains(t.id), "frame \(f): id \(t.id) reused after it ended")
                if t.id > highest { #expect(t.id == highest + 1, "ids are dense, in order of confirmation"); highest = t.id }
                if t.state == .ended { ended.insert(t.id) }
                if t.state == .lost { #expect(t.misses >= 1 && t.score == 0) }
            }
        }
        #expect(highest > 10, "the scene should produce many tracks")
    }

    @Test(arguments: TrackerKind.allCases, [1, 2, 3] as [UInt64])
    func invariantsOnRandomScenes(kind: TrackerKind, seed: UInt64) {
        let frames = randomScene(seed: seed, frames: 300, objects: 40)
        var t = KindTracker(kind)
        let output = frames.enumerated().map { t.update($1, at: Double($0) / 25) }
        Self.check(output, frames, kind: kind)
    }

    @Test(arguments: TrackerKind.allCases)
    func identicalInputGivesIdenticalOutput(kind: TrackerKind) {
        let frames = randomScene(seed: 42, frames: 200, objects: 30)
        var a = KindTracker(kind), b = KindTracker(kind)
        let first = frames.enumerated().map { a.update($1, at: Double($0)) }
        // Interleave another tracker's work: nothing is shared between instances.
        var other = KindTracker(kind)
        _ = run(&other.byte, randomScene(seed: 7, frames: 50, objects: 10))
        let second = frames.enumerated().map { b.update($1, at: Double($0)) }
        #expect(first == second)
        #expect(first.joined().count > 1000)
    }
}
