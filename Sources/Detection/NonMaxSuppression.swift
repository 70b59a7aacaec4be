import VigilCore

/// Class-aware non-maximum suppression, the one implementation: candidates are sorted once by score (ties by
/// input order, so the result is deterministic), then each kept candidate suppresses the later ones of its class
/// whose IoU with it exceeds `iouThreshold`. The result is in score order.
///
/// - `hard`: the kept candidate is returned as is (ultralytics, torchvision; and the detection stage's merge of
///   several regions' or models' detections, by label: `run(_:iouThreshold:)` on `Detection`s).
/// - `weighted`: the kept candidate's box and keypoints become the score-weighted average of its overlap
///   group (itself included); its score stays the group's best (MediaPipe's WEIGHTED overlap type).
///
/// Thread safety: pure functions on values; safe from any thread.
public enum NonMaxSuppression {
    public enum Kind: String, Sendable, CaseIterable { case hard, weighted }

    /// A model's candidates, class by `classIndex`.
    public static func run(_ candidates: [Candidate], kind: Kind, iouThreshold: Float,
                           maxDetections: Int = .max) -> [Candidate] {
        var kept: [Candidate] = []
        suppress(candidates.count, score: { candidates[$0].score }, class: { candidates[$0].classIndex },
                 box: { candidates[$0].box }, iouThreshold: iouThreshold, maxDetections: maxDetections,
                 collectGroups: kind == .weighted) { i, group in
            kept.append(kind == .weighted ? weightedAverage(candidates, kept: i, group: group) : candidates[i])
        }
        return kept
    }

    /// Hard NMS over finished detections, class by `label` (the detections of overlapping regions, or of two
    /// models of one label, that found the same object).
    public static func run(_ detections: [Detection], iouThreshold: Float) -> [Detection] {
        var kept: [Detection] = []
        suppress(detections.count, score: { detections[$0].score }, class: { detections[$0].label },
                 box: { detections[$0].box }, iouThreshold: iouThreshold, maxDetections: .max,
                 collectGroups: false) { i, _ in kept.append(detections[i]) }
        return kept
    }

    /// The algorithm on indices `0..<n`: calls `keep` for each kept index in score order, with the indices it
    /// suppressed (in score order; filled only with `collectGroups`).
    static func suppress<Class: Hashable>(_ n: Int, score: (Int) -> Float, class classOfIndex: (Int) -> Class,
                                          box: (Int) -> Box, iouThreshold: Float, maxDetections: Int,
                                          collectGroups: Bool, keep: (Int, [Int]) -> Void) {
        if n == 0 { return }
        let order = (0..<n).sorted { a, b in
            let sa = score(a), sb = score(b)
            return sa != sb ? sa > sb : a < b
        }
        // One sort; then each class's candidates in score order (stable bucketing keeps that order), so a
        // kept candidate only tests the later candidates of its own class.
        var bucketOf: [Class: Int] = [:]
        var buckets: [[Int]] = []
        var position = [Int](repeating: 0, count: n)
        var bucketIndex = [Int](repeating: 0, count: n)
        for i in order {
            let c = classOfIndex(i)
            let k = bucketOf[c] ?? {
                bucketOf[c] = buckets.count
                buckets.append([])
                return buckets.count - 1
            }()
            bucketIndex[i] = k
            position[i] = buckets[k].count
            buckets[k].append(i)
        }
        var suppressed = [Bool](repeating: false, count: n)
        var group: [Int] = []
        var keptCount = 0
        for i in order where !suppressed[i] {
            if keptCount >= maxDetections { break }
            suppressed[i] = true
            group.removeAll(keepingCapacity: true)
            let b = box(i)
            let bucket = buckets[bucketIndex[i]]
            for j in bucket[(position[i] + 1)...] where !suppressed[j] {
                guard b.iou(box(j)) > iouThreshold else { continue }
                suppressed[j] = true
                if collectGroups { group.append(j) }
            }
            keptCount += 1
            keep(i, group)
        }
    }

    /// MediaPipe's WEIGHTED merge of `kept` and the candidates it suppressed: score-weighted box and keypoints,
    /// the kept candidate's score and class; alone, the candidate as is.
    static func weightedAverage(_ candidates: [Candidate], kept i: Int, group: [Int]) -> Candidate {
        let c = candidates[i]
        guard !group.isEmpty else { return c }
        var sum = c.score
        var x1 = c.box.x1 * c.score, y1 = c.box.y1 * c.score, x2 = c.box.x2 * c.score, y2 = c.box.y2 * c.score
        var kp = c.keypoints.map { $0 * c.score }
        for j in group {
            let o = candidates[j]
            sum += o.score
            x1 += o.box.x1 * o.score; y1 += o.box.y1 * o.score
            x2 += o.box.x2 * o.score; y2 += o.box.y2 * o.score
            if o.keypoints.count == kp.count {
                for k in kp.indices { kp[k] += o.keypoints[k] * o.score }
            }
        }
        guard sum > 0 else { return c }
        return Candidate(box: Box(x1: x1 / sum, y1: y1 / sum, x2: x2 / sum, y2: y2 / sum),
                         score: c.score, classIndex: c.classIndex, keypoints: kp.map { $0 / sum })
    }
}
