import Synchronization

/// CPU time one camera spent in each stage of its pipeline, from the threads' own CPU clocks
/// (`ThreadCPUClock`): what `vigil bench capacity` and `/metrics` (`vigil_stage_cpu_seconds_total`) report.
///
/// Thread safety: any thread; relaxed atomic counters (statistics, nothing is read because of them).
public final class StageTimes: Sendable {
    /// The stages, in pipeline order.
    public enum Stage: Int, CaseIterable, Sendable {
        /// Reading packets and decoding (ingest thread), frames not analysed included.
        case decode
        /// Converting analysed frames to the grey and RGB pictures (ingest thread).
        case scale
        /// Motion and tamper (analysis thread).
        case motion
        /// The detectors' inferences, pre- and post-processing included (the inference pool's threads).
        case detection
        /// Region planning, filters, merging, the tracker and the rules (analysis thread).
        case tracking
        /// Snapshots, recording, handing alerts and frame summaries to the hub (analysis thread; the hub's
        /// own writer thread is shared by all cameras and not counted here).
        case sinks

        public var name: String {
            switch self {
            case .decode: "decode"
            case .scale: "scale"
            case .motion: "motion"
            case .detection: "detection"
            case .tracking: "tracking_rules"
            case .sinks: "sinks"
            }
        }
    }

    private let decode = Atomic<UInt64>(0), scale = Atomic<UInt64>(0), motion = Atomic<UInt64>(0)
    private let detection = Atomic<UInt64>(0), tracking = Atomic<UInt64>(0), sinks = Atomic<UInt64>(0)

    public init() {}

    /// Adds `nanoseconds` of CPU time to `stage`.
    public func add(_ stage: Stage, _ nanoseconds: UInt64) {
        switch stage {
        case .decode: decode.wrappingAdd(nanoseconds, ordering: .relaxed)
        case .scale: scale.wrappingAdd(nanoseconds, ordering: .relaxed)
        case .motion: motion.wrappingAdd(nanoseconds, ordering: .relaxed)
        case .detection: detection.wrappingAdd(nanoseconds, ordering: .relaxed)
        case .tracking: tracking.wrappingAdd(nanoseconds, ordering: .relaxed)
        case .sinks: sinks.wrappingAdd(nanoseconds, ordering: .relaxed)
        }
    }

    /// Adds the calling thread's CPU time since `start` (a `ThreadCPUClock` reading) to `stage`; returns the
    /// clock now, the start of the next stage.
    @discardableResult
    public func charge(_ stage: Stage, since start: UInt64) -> UInt64 {
        let now = ThreadCPUClock.nanoseconds()
        add(stage, now >= start ? now - start : 0)
        return now
    }

    /// CPU seconds of `stage` so far.
    public func seconds(_ stage: Stage) -> Double {
        let n: UInt64
        switch stage {
        case .decode: n = decode.load(ordering: .relaxed)
        case .scale: n = scale.load(ordering: .relaxed)
        case .motion: n = motion.load(ordering: .relaxed)
        case .detection: n = detection.load(ordering: .relaxed)
        case .tracking: n = tracking.load(ordering: .relaxed)
        case .sinks: n = sinks.load(ordering: .relaxed)
        }
        return Double(n) / 1e9
    }

    /// Every stage's CPU seconds so far, in `Stage` order.
    public func snapshot() -> [Double] { Stage.allCases.map { seconds($0) } }
}
