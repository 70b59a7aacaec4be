import VigilCore

/// What the rules know about the frame besides its tracks.
///
/// Thread safety: a plain value.
public struct FrameFacts: Hashable, Sendable {
    /// Decoded-frame index.
    public var frame: Int
    /// Seconds from stream start: every duration (dwell, loitering, cooldown) is measured on it.
    public var mediaTime: Double
    /// The alert's `ts` (seconds since the epoch, UTC): replay start + media time, or the wall clock.
    /// Schedules are evaluated on it.
    public var timestamp: Double

    public init(frame: Int, mediaTime: Double, timestamp: Double) {
        self.frame = frame; self.mediaTime = mediaTime; self.timestamp = timestamp
    }
}
