/// The last `capacity` (16) scores of a track, kept both in arrival order and sorted, so the median
/// is a lookup and adding a score costs O(capacity) without allocating.
///
/// Thread safety: a value type; no shared state.
struct ScoreWindow: Sendable {
    static let capacity = 16
    private var ring = InlineArray<16, Float>(repeating: 0)
    private var sorted = InlineArray<16, Float>(repeating: 0)
    private var count = 0
    private var next = 0

    init() {}

    mutating func add(_ score: Float) {
        if count == Self.capacity {
            // Remove the oldest score from the sorted copy.
            let old = ring[next]
            var k = 0
            while k < count - 1, sorted[k] != old { k += 1 }
            while k < count - 1 { sorted[k] = sorted[k + 1]; k += 1 }
            count -= 1
        }
        ring[next] = score
        next = (next + 1) % Self.capacity
        // Insert into the sorted copy.
        var k = count
        while k > 0, sorted[k - 1] > score { sorted[k] = sorted[k - 1]; k -= 1 }
        sorted[k] = score
        count += 1
    }

    /// The median (mean of the two middle values for an even count); 0 when empty.
    var median: Float {
        guard count > 0 else { return 0 }
        return count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) * 0.5
    }
}
