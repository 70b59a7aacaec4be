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

    public init() {}
}
