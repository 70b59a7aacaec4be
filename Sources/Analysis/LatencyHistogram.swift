import Synchronization

/// A Prometheus histogram of durations in seconds with fixed buckets: one atomic counter per bucket, so the
/// analysis thread observes without locks or allocation and a scrape reads from any thread.
///
/// Thread safety: `observe` from any thread (one writer per camera in practice); `snapshot` from any thread.
/// Counters are relaxed: a scrape may see an observation in `count` a moment before it shows in `sum`.
public final class LatencyHistogram: @unchecked Sendable {  // unchecked: the bucket counters are atomics behind a pointer that never changes
    /// Upper bounds of the buckets, seconds (the `le` labels); +Inf is implicit.
    public let bounds: [Double]
    private let counts: UnsafeMutablePointer<Atomic<Int>>
    private let total = Atomic<Int>(0)
    /// Sum of the observations in nanoseconds.
    private let sumNanos = Atomic<Int>(0)

    public static let defaultBounds: [Double] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]

    public init(bounds: [Double] = LatencyHistogram.defaultBounds) {
        self.bounds = bounds
        counts = .allocate(capacity: bounds.count)
        for i in bounds.indices { (counts + i).initialize(to: Atomic(0)) }
    }

    deinit {
        counts.deinitialize(count: bounds.count)
        counts.deallocate()
    }

    /// Counts one observation. Values above every bound land in +Inf only; an infinite or NaN value (a clock
    /// that went wrong) is counted there too and adds nothing to the sum, which is capped at 10⁹ s per value.
    public func observe(_ seconds: Double) {
        for i in bounds.indices where seconds <= bounds[i] {
            counts[i].wrappingAdd(1, ordering: .relaxed)  // relaxed: statistics
            break
        }
        total.wrappingAdd(1, ordering: .relaxed)
        let finite = seconds.isFinite ? min(max(0, seconds), 1e9) : 0
        sumNanos.wrappingAdd(Int(finite * 1e9), ordering: .relaxed)
    }

    /// The `q` quantile (0…1) estimated from the buckets (linear inside the bucket, as Prometheus'
    /// `histogram_quantile`); nil without observations. Above the last bound: that bound.
    public func quantile(_ q: Double) -> Double? {
        let s = snapshot()
        guard s.count > 0 else { return nil }
        let rank = q * Double(s.count)
        var lower = 0.0, below = 0
        for (i, bound) in bounds.enumerated() {
            let c = s.cumulative[i]
            if Double(c) >= rank {
                let inBucket = c - below
                guard inBucket > 0 else { return bound }
                return lower + (bound - lower) * (rank - Double(below)) / Double(inBucket)
            }
            lower = bound
            below = c
        }
        return bounds.last
    }

    /// One histogram holding every observation of `histograms` (all with `bounds`): bucket counts, the total
    /// count and the sum add up exactly, so its quantiles are those of all the observations together.
    public static func merged(_ histograms: [LatencyHistogram],
                              bounds: [Double] = LatencyHistogram.defaultBounds) -> LatencyHistogram {
        let out = LatencyHistogram(bounds: histograms.first?.bounds ?? bounds)
        for h in histograms {
            precondition(h.bounds == out.bounds, "LatencyHistogram.merged: histograms with different buckets")
            for i in h.bounds.indices {
                out.counts[i].wrappingAdd(h.counts[i].load(ordering: .relaxed), ordering: .relaxed)
            }
            out.total.wrappingAdd(h.total.load(ordering: .relaxed), ordering: .relaxed)
            out.sumNanos.wrappingAdd(h.sumNanos.load(ordering: .relaxed), ordering: .relaxed)
        }
        return out
    }

    /// Cumulative bucket counts (as Prometheus wants them), the total count and the sum in seconds.
    public func snapshot() -> (cumulative: [Int], count: Int, sum: Double) {
        var running = 0
        var cumulative: [Int] = []
        cumulative.reserveCapacity(bounds.count)
        for i in bounds.indices {
            running += counts[i].load(ordering: .relaxed)
            cumulative.append(running)
        }
        let n = max(total.load(ordering: .relaxed), running)
        return (cumulative, n, Double(sumNanos.load(ordering: .relaxed)) / 1e9)
    }
}
