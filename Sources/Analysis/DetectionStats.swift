import Synchronization

/// What one camera's detection stage did, for metrics. Prometheus names (when the daemon exposes them):
/// `vigil_detect_passes_total{camera, kind="full_frame|regions|no_motion|tracked"}` (analysed frames by where the
/// detector looked; `tracked`: what moved was held by tracks, see `DetectionStage.Pass.tracked`) and `vigil_detect_regions_total{camera}` (rectangles searched by region passes).
///
/// Thread safety: counters are atomics (relaxed: statistics only); the stage's thread writes, any thread reads.
public final class DetectionStats: Sendable {
    private let full = Atomic<Int>(0)
    private let regional = Atomic<Int>(0)
    private let still = Atomic<Int>(0)
    private let regionCount = Atomic<Int>(0)
    private let held = Atomic<Int>(0)

    public init() {}

    public var fullFramePasses: Int { full.load(ordering: .relaxed) }
    public var regionPasses: Int { regional.load(ordering: .relaxed) }
    public var noMotionFrames: Int { still.load(ordering: .relaxed) }
    public var regionsSearched: Int { regionCount.load(ordering: .relaxed) }
    /// Gated frames whose motion the tracker explained: no inference (`DetectionStage.Pass.tracked`).
    public var trackedFrames: Int { held.load(ordering: .relaxed) }

    func count(_ pass: DetectionStage.Pass) {
        switch pass {
        case .skipped: break
        case .noMotion: still.wrappingAdd(1, ordering: .relaxed)
        case .tracked: held.wrappingAdd(1, ordering: .relaxed)
        case .fullFrame: full.wrappingAdd(1, ordering: .relaxed)
        case .regions(let r):
            regional.wrappingAdd(1, ordering: .relaxed)
            regionCount.wrappingAdd(r.count, ordering: .relaxed)
        }
    }
}
