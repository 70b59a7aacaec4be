import Testing
import VigilCore
@testable import Detection

/// One NMS: a model's candidates (class by index) and finished detections (class by label) go through the same
/// algorithm; on the same boxes, scores (with ties) and classes both keep the same ones, in the same order.
@Suite struct NMSOneImplementationTests {
    /// A deterministic scene of `n` boxes crowded on a 400×400 field, scores on a coarse grid (many ties), 3 classes.
    static func scene(_ n: Int, seed: UInt64) -> [Candidate] {
        var state = seed
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        return (0..<n).map { _ in
            let x = next() * 300, y = next() * 300, w = 30 + next() * 70, h = 30 + next() * 70
            return Candidate(box: Box(x1: x, y1: y, x2: x + w, y2: y + h), score: (next() * 10).rounded() / 10,
                             classIndex: Int(next() * 3))
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func detectionsByLabelKeepWhatCandidatesByClassKeep(seed: UInt64) {
        let candidates = Self.scene(200, seed: seed)
        let labels = ["face", "person", "car"]
        let detections = candidates.map { Detection(box: $0.box, score: $0.score, classIndex: $0.classIndex,
                                                    label: labels[$0.classIndex]) }
        for iou: Float in [0.3, 0.5, 0.7] {
            let byClass = NonMaxSuppression.run(candidates, kind: .hard, iouThreshold: iou)
            let byLabel = NonMaxSuppression.run(detections, iouThreshold: iou)
            #expect(byClass.count > 10 && byClass.count < candidates.count)  // the scene does overlap
            #expect(byLabel.map(\.box) == byClass.map(\.box))
            #expect(byLabel.map(\.label) == byClass.map { labels[$0.classIndex] })
        }
    }

    /// Equal scores: the earlier input wins, whichever entry point.
    @Test func tiesGoToTheEarlierInput() {
        let a = Detection(box: Box(x1: 0, y1: 0, x2: 100, y2: 100), score: 0.8, label: "face")
        let b = Detection(box: Box(x1: 2, y1: 0, x2: 102, y2: 100), score: 0.8, label: "face")
        #expect(NonMaxSuppression.run([a, b], iouThreshold: 0.5) == [a])
        #expect(NonMaxSuppression.run([b, a], iouThreshold: 0.5) == [b])
    }
}
