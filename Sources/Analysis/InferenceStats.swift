import Synchronization

/// Occupancy and latency of an `InferencePool`, for metrics. Prometheus names (when the daemon exposes them):
/// `vigil_inference_seconds` (histogram of `latency`), `vigil_inferences_total` (`inferences`),
/// `vigil_inference_waits_total` (`waits`: jobs that found every slot busy and queued), `vigil_inference_in_flight`
/// (`inFlight`, gauge), `vigil_inference_in_flight_peak` (`peakInFlight`), `vigil_inference_slots` (`capacity`).
///
/// Thread safety: counters are atomics (relaxed: statistics only, no ordering with other memory); read and
/// update from any thread.
public final class InferenceStats: Sendable {
    public let capacity: Int
    /// Seconds per inference (the detector's whole `detect` call: letterbox, model, decoding, NMS).
    public let latency = LatencyHistogram(bounds: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2])
    private let inferenceCount = Atomic<Int>(0)
    private let waitCount = Atomic<Int>(0)
    private let current = Atomic<Int>(0)
    private let peak = Atomic<Int>(0)

    init(capacity: Int) { self.capacity = capacity }

    public var inferences: Int { inferenceCount.load(ordering: .relaxed) }
    public var waits: Int { waitCount.load(ordering: .relaxed) }
    public var inFlight: Int { current.load(ordering: .relaxed) }
    public var peakInFlight: Int { peak.load(ordering: .relaxed) }

    func waited() { waitCount.wrappingAdd(1, ordering: .relaxed) }

    func began() {
        let now = current.wrappingAdd(1, ordering: .relaxed).newValue
        var seen = peak.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
    }

    func ended(seconds: Double) {
        current.wrappingSubtract(1, ordering: .relaxed)
        inferenceCount.wrappingAdd(1, ordering: .relaxed)
        latency.observe(seconds)
    }
}
