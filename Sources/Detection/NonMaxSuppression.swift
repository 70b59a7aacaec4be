import VigilCore

/// Class-aware non-maximum suppression: candidates are sorted once by score (ties by input order, so the
/// result is deterministic), then each kept candidate suppresses the later ones of its class whose IoU with
/// it exceeds `iouThreshold`.
///
/// - `hard`: the kept candidate is returned as is (ultralytics, torchvision).
/// - `weighted`: the kept candidate's box and keypoints become the score-weighted average of its overlap
///   group (itself included); its score stays the group's best (MediaPipe's WEIGHTED overlap type).
///
/// Thread safety: pure functions on values; safe from any thread.
public enum NonMaxSuppression {
    public enum Kind: String, Sendable, CaseIterable { case hard, weighted }

    public static func run(_ candidates: [Candidate], kind: Kind, iouThreshold: Float,
                           maxDetections: Int = .max) -> [Candidate] {
        let n = candidates.count
        if n == 0 { return [] }
        let order = candidates.indices.sorted { a, b in
            let sa = candidates[a].score, sb = candidates[b].score
            return sa != sb ? sa > sb : a < b
        }
        // One sort; then each class's candidates in score order (stable bucketing keeps that order), so a
        // kept candidate only tests the later candidates of its own class.
        var classOf: [Int: Int] = [:]
        var buckets: [[Int]] = []
        var position = [Int](repeating: 0, count: n)
        for i in order {
            let k = classOf[candidates[i].classIndex] ?? {
                classOf[candidates[i].classIndex] = buckets.count
                buckets.append([])
                return buckets.count - 1
            }()
            position[i] = buckets[k].count
            buckets[k].append(i)
        }
        var suppressed = [Bool](repeating: false, count: n)
        var kept: [Candidate] = []
        for i in order where !suppressed[i] {
            if kept.count >= maxDetections { break }
            let c = candidates[i]
            suppressed[i] = true
            var sum = c.score
            var x1 = c.box.x1 * c.score, y1 = c.box.y1 * c.score, x2 = c.box.x2 * c.score, y2 = c.box.y2 * c.score
            var kp = kind == .weighted ? c.keypoints.map { $0 * c.score } : []
            var groupSize = 1
            let bucket = buckets[classOf[c.classIndex]!]
            for j in bucket[(position[i] + 1)...] where !suppressed[j] {
                let o = candidates[j]
                guard c.box.iou(o.box) > iouThreshold else { continue }
                suppressed[j] = true
                guard kind == .weighted else { continue }
                groupSize += 1
                sum += o.score
                x1 += o.box.x1 * o.score; y1 += o.box.y1 * o.score
                x2 += o.box.x2 * o.score; y2 += o.box.y2 * o.score
                if o.keypoints.count == kp.count {
                    for k in kp.indices { kp[k] += o.keypoints[k] * o.score }
                }
            }
            if kind == .weighted, groupSize > 1, sum > 0 {
                kept.append(Candidate(box: Box(x1: x1 / sum, y1: y1 / sum, x2: x2 / sum, y2: y2 / sum),
                                      score: c.score, classIndex: c.classIndex, keypoints: kp.map { $0 / sum }))
            } else {
                kept.append(c)
            }
        }
        return kept
    }
}
