import TestSupport
import Testing
import VigilCore
@testable import Tracking

@Suite struct SweepIndexTests {
    @Test func rangeHoldsEveryOverlappingBoxAndOrderIsSorted() {
        var rng = SplitMix(seed: 5)
        var index = SweepIndex()
        var pruned = 0, total = 0
        for trial in 0..<100 {
            // Sizes vary a lot, coordinates include negatives and large values.
            let boxes = (0..<Int(rng.next() % 60)).map { _ in
                det(rng.uniform(-500, 4000), rng.uniform(0, 1000), w: rng.uniform(0, trial % 2 == 0 ? 50 : 900), h: 50).box
            }
            index.rebuild(count: boxes.count) { boxes[$0] }
            #expect(index.order.sorted() == Array(boxes.indices))
            #expect(zip(index.order, index.order.dropFirst()).allSatisfy { boxes[$0].x1 <= boxes[$1].x1 })
            for _ in 0..<20 {
                let q = det(rng.uniform(-600, 4100), rng.uniform(0, 1000), w: rng.uniform(1, 300), h: 60).box
                let inRange = Set(index.range(overlapping: q.x1, q.x2).map { index.order[$0] })
                for (i, b) in boxes.enumerated() where b.iou(q) > 0 {
                    #expect(inRange.contains(i), "trial \(trial): box \(i) overlaps but is outside the range")
                }
                pruned += boxes.count - inRange.count
                total += boxes.count
            }
        }
        // The point of the index: most boxes are never tested.
        #expect(pruned * 2 > total)
    }
}
