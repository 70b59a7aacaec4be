import VigilCore

/// Boxes sorted by their left edge, so the boxes whose horizontal extent can overlap a given one are a
/// contiguous range found by binary search, instead of testing every box (at 200 objects a frame, a
/// track meets a dozen candidates instead of 200). The range is conservative; callers still compute
/// the IoU of every box in it. Sorting is an in-place heapsort: rebuilding the index does not allocate
/// once its arrays have grown to the largest frame.
///
/// Thread safety: a value type; one owner rebuilds and queries it.
struct SweepIndex: Sendable {
    /// Box numbers (0..<count, as given to `rebuild`) ordered by left edge.
    private(set) var order: [Int] = []
    private var keys: [Float] = []
    private var maxWidth: Float = 0

    init() {}

    /// Indexes `count` boxes; `box(i)` gives the i-th.
    mutating func rebuild(count: Int, _ box: (Int) -> Box) {
        order.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        maxWidth = 0
        for i in 0..<count {
            let b = box(i)
            order.append(i)
            keys.append(b.x1)
            maxWidth = max(maxWidth, b.x2 - b.x1)
        }
        heapsort()
    }

    /// Positions in `order` of every indexed box that may overlap `[x1, x2]` horizontally.
    func range(overlapping x1: Float, _ x2: Float) -> Range<Int> {
        // A box overlaps only if its left edge is below x2 and its right edge (≤ left + maxWidth) above
        // x1; the slack covers rounding in left + width.
        let low = x1 - maxWidth - (abs(x1) + maxWidth) * 1e-5 - 1e-3
        let start = firstPosition { $0 > low }
        let end = firstPosition { $0 >= x2 }
        return start..<max(start, end)
    }

    /// The first position whose key satisfies `above` (keys ascending, so `above` flips once).
    private func firstPosition(_ above: (Float) -> Bool) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if above(keys[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    private mutating func heapsort() {
        let n = keys.count
        guard n > 1 else { return }
        func less(_ a: Int, _ b: Int) -> Bool { keys[a] < keys[b] || (keys[a] == keys[b] && order[a] < order[b]) }
        func siftDown(_ start: Int, _ end: Int) {
            var root = start
            while 2 * root + 1 < end {
                var child = 2 * root + 1
                if child + 1 < end, less(child, child + 1) { child += 1 }
                guard less(root, child) else { return }
                keys.swapAt(root, child); order.swapAt(root, child)
                root = child
            }
        }
        var start = n / 2 - 1
        while start >= 0 { siftDown(start, n); start -= 1 }
        var end = n - 1
        while end > 0 {
            keys.swapAt(0, end); order.swapAt(0, end)
            siftDown(0, end)
            end -= 1
        }
    }
}
