/// Reconnect delays: exponential (doubling from `initial`), capped at `maximum`, each scaled down by a random
/// factor in `1 - jitter … 1` so that cameras behind one failed switch do not reconnect in lockstep.
/// Pure: the caller passes the random number, so tests can pin it.
///
/// Thread safety: a value type; one camera's ingest thread owns it.
public struct Backoff: Sendable, Equatable {
    public var initial: Double
    public var maximum: Double
    public var jitter: Double
    /// Failed attempts since the last success.
    public private(set) var attempt = 0

    public init(initial: Double, maximum: Double, jitter: Double) {
        self.initial = initial; self.maximum = max(initial, maximum); self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay before the next attempt; `random` is uniform in 0..<1.
    public mutating func nextDelay(random: Double) -> Double {
        let exponent = Double(min(attempt, 62))
        var base = initial
        for _ in 0..<Int(exponent) where base < maximum { base *= 2 }
        attempt += 1
        return min(base, maximum) * (1 - jitter * min(max(random, 0), 1))
    }

    /// After a session that delivered frames: the next failure starts from `initial` again.
    public mutating func reset() { attempt = 0 }
}
