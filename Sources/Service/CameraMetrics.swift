import Analysis
import Synchronization

/// Counters and gauges of one camera, written by its threads and read by scrapes, `STATUS=` and the minute
/// log line. Everything is an atomic with relaxed ordering: these are statistics, nothing is read because of
/// them.
///
/// Thread safety: any thread. The ingest thread writes the decode-side fields, the analysis thread the
/// analysis-side fields, the supervisor reads all.
public final class CameraMetrics: Sendable {
    public let framesDecoded = Atomic<Int>(0)
    /// Decoded but not analysed on purpose (`detect.fps` decimation).
    public let framesSkipped = Atomic<Int>(0)
    public let framesAnalyzed = Atomic<Int>(0)
    /// Frames lost because analysis fell behind: dropped by the ring, or no free buffer to scale into.
    public let framesDropped = Atomic<Int>(0)
    /// Connection attempts after the first.
    public let reconnects = Atomic<Int>(0)
    /// 1 while frames arrive, 0 while the stream is down or connecting.
    public let up = Atomic<Int>(0)
    public let ringOccupancy = Atomic<Int>(0)
    public let ringCapacity = Atomic<Int>(0)
    /// Frames the object detector ran on (the tracker stepped), and snapshots written or failed.
    public let detectorFrames = Atomic<Int>(0)
    public let snapshotsWritten = Atomic<Int>(0)
    public let snapshotErrors = Atomic<Int>(0)
    /// Time spent analysing each frame (motion today; detector stages add their own).
    public let analysisSeconds = LatencyHistogram()
    /// From the frame leaving the decoder to its analysis done and its alerts written: time in the ring plus
    /// analysis (the part of glass-to-alert latency Vigil adds after the decoder).
    public let frameLatencySeconds = LatencyHistogram()
    /// Glass to analysed: from the sender's wall clock of a frame (RTCP sender reports: `captureWallTime`) to its
    /// analysis done and its alerts written, by this machine's clock; every analysed frame of a source that
    /// gives the mapping (RTSP). Includes the sender's encoder, the network, the jitter buffer and decoding.
    public let glassToAnalysedSeconds = LatencyHistogram(bounds: CameraMetrics.glassBounds)
    /// The same, only for frames that caused alerts: glass to alert written.
    public let glassToAlertSeconds = LatencyHistogram(bounds: CameraMetrics.glassBounds)
    /// Buckets of the glass-to-* histograms, seconds: encoder, network and jitter buffer put them in the
    /// tens to hundreds of milliseconds.
    public static let glassBounds: [Double] = [0.01, 0.02, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5]

    public init() {}
}
