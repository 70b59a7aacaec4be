/// Picks the frames a live camera analyses: about `fps` per second of stream time, evenly spread. The others
/// are decoded (the codec needs them) but neither scaled nor analysed. Pure: the decision depends only on the
/// media times it is given.
///
/// Thread safety: a value type; the ingest thread owns its copy.
public struct FrameDecimator: Sendable, Equatable {
    /// Seconds between analysed frames.
    public var interval: Double
    private var due: Double? = nil

    public init(fps: Double) { interval = fps > 0 ? 1 / fps : 0 }

    /// Changes the rate from the next frame on.
    public mutating func setFPS(_ fps: Double) {
        let newInterval = fps > 0 ? 1 / fps : 0
        guard newInterval != interval else { return }
        interval = newInterval
        due = nil
    }

    /// Forgets the schedule (a new session's media times start again).
    public mutating func reset() { due = nil }

    /// True when the frame at `mediaTime` is to be analysed.
    public mutating func admit(_ mediaTime: Double) -> Bool {
        // Tolerance: pts rounding (25 fps in a 90 kHz time base) must not push a frame to the next slot.
        let tolerance = 0.001
        guard let d = due, mediaTime > d - 2 * interval - tolerance else {
            due = mediaTime + interval  // first frame, or time went backwards: start a new schedule
            return true
        }
        guard mediaTime >= d - tolerance else { return false }
        var next = d + interval
        if next <= mediaTime { next = mediaTime + interval }  // a gap in the stream: do not catch up in a burst
        due = next
        return true
    }
}
