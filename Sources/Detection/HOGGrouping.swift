/// OpenCV's `HOGDescriptor::groupRectangles`: windows are partitioned into classes of similar rectangles
/// (transitively: corners within `eps` × their mean smaller side of each other); a class with more than
/// `threshold` windows becomes their average rectangle (rounded) with the class's best score, unless it
/// lies inside another such class's rectangle (grown by `eps`) that has more windows (more than 3, or the
/// class has fewer than 3).
///
/// Thread safety: stateless; safe from any thread.
public enum HOGGrouping {
    public static func group(_ windows: [HOGWindow], threshold: Int, eps: Double) -> [HOGWindow] {
        guard threshold > 0, !windows.isEmpty else { return windows }
        let labels = partition(windows, eps: eps)
        let classes = (labels.max() ?? -1) + 1
        var sums = [(x: Double, y: Double, w: Double, h: Double)](repeating: (0, 0, 0, 0), count: classes)
        var counts = [Int](repeating: 0, count: classes)
        var best = [Float](repeating: -.greatestFiniteMagnitude, count: classes)
        for (i, c) in labels.enumerated() {
            let r = windows[i]
            sums[c].x += Double(r.x); sums[c].y += Double(r.y); sums[c].w += Double(r.width); sums[c].h += Double(r.height)
            counts[c] += 1
            best[c] = max(best[c], r.score)
        }
        let mean: [HOGWindow] = (0..<classes).map { c in
            let s = 1 / Double(counts[c])
            func round(_ v: Double) -> Int { Int((v * s).rounded(.toNearestOrEven)) }
            return HOGWindow(x: round(sums[c].x), y: round(sums[c].y), width: round(sums[c].w), height: round(sums[c].h),
                             score: best[c])
        }
        var out: [HOGWindow] = []
        for i in 0..<classes where counts[i] > threshold {
            let r1 = mean[i], n1 = counts[i]
            let inside = (0..<classes).contains { j in
                guard j != i, counts[j] > threshold else { return false }
                let r2 = mean[j], n2 = counts[j]
                let dx = Int((Double(r2.width) * eps).rounded(.toNearestOrEven))
                let dy = Int((Double(r2.height) * eps).rounded(.toNearestOrEven))
                return r1.x >= r2.x - dx && r1.y >= r2.y - dy && r1.x + r1.width <= r2.x + r2.width + dx
                    && r1.y + r1.height <= r2.y + r2.height + dy && (n2 > max(3, n1) || n1 < 3)
            }
            if !inside { out.append(r1) }
        }
        return out
    }

    /// Class labels (0…, in order of first appearance) of the connected components of "similar".
    static func partition(_ r: [HOGWindow], eps: Double) -> [Int] {
        var parent = Array(r.indices)
        func find(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        for i in r.indices {
            for j in (i + 1)..<r.count where similar(r[i], r[j], eps: eps) {
                let a = find(i), b = find(j)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var label = [Int: Int]()
        return r.indices.map { i in
            let root = find(i)
            if let l = label[root] { return l }
            label[root] = label.count
            return label[root]!
        }
    }

    /// OpenCV's `SimilarRects`.
    static func similar(_ a: HOGWindow, _ b: HOGWindow, eps: Double) -> Bool {
        let delta = eps * Double(min(a.width, b.width) + min(a.height, b.height)) * 0.5
        return Double(abs(a.x - b.x)) <= delta && Double(abs(a.y - b.y)) <= delta
            && Double(abs(a.x + a.width - b.x - b.width)) <= delta && Double(abs(a.y + a.height - b.y - b.height)) <= delta
    }
}
