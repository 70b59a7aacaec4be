import Synchronization

/// Counters of one camera's recording, for metrics, `--stats` and tests. Relaxed atomics: statistics.
///
/// Thread safety: any thread; the recorder (analysis thread) and the writer thread write, anyone reads.
public final class RecordingCounters: Sendable {
    public let clipsStarted = Atomic<Int>(0)
    public let segmentsStarted = Atomic<Int>(0)
    /// Files finished (trailer written, fsynced, closed).
    public let filesClosed = Atomic<Int>(0)
    public let packetsWritten = Atomic<Int>(0)
    public let bytesWritten = Atomic<Int>(0)
    /// Packets the writer queue had no room for (dropped; the file skips to the next key frame).
    public let queueDrops = Atomic<Int>(0)
    /// Packets not written because the disk was full (or below `min_free_bytes`).
    public let diskFullDrops = Atomic<Int>(0)
    /// Times recording stopped for a full disk.
    public let diskFullEvents = Atomic<Int>(0)
    /// 1 while recording is stopped for a full disk.
    public let diskFull = Atomic<Int>(0)
    /// Other write errors (a file abandoned).
    public let writeErrors = Atomic<Int>(0)
    /// Files deleted by retention.
    public let filesDeleted = Atomic<Int>(0)

    public init() {}
}
