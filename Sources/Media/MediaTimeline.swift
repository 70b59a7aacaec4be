/// Dates decoded frames: a strictly increasing media time that follows the frames' own timestamps (for RTSP,
/// the RTP timestamps as libavformat maps them), never the frame rate the stream declares.
///
/// - A pts that does not move forward (a sender that stamps B-frames in decode order, a repeated pts) moves the
///   time on by `nudge` only, and the next frames' pts take over again. (Moving on by the declared frame duration
///   let one repeated pts run the clock ahead at the declared rate for good: a stream declaring 10 fps and sent
///   at 25 was decimated as if it were 10 fps, and its frames were dated up to seconds in the future.)
/// - A pts more than `maxReorder` seconds behind (the sender restarted its clock) starts a new epoch: the time
///   goes on from the last frame's by the gap between their arrivals.
/// - A frame without a pts is dated by its arrival on live inputs (`arrival` given) and, in files, by the
///   container's declared frame duration, the only clue a file without timestamps has.
///
/// Thread safety: a value type, owned by the thread that decodes.
public struct MediaTimeline: Sendable, Equatable {
    /// Seconds a frame whose pts does not advance is placed after the previous one.
    public static let nudge = 0.001
    /// A pts further behind than this is a new epoch, not a reordered frame.
    public static let maxReorder = 1.0

    /// Seconds between frames without timestamps in a file (the declared frame duration).
    public let fileInterval: Double
    private var last: Double? = nil
    private var lastArrival: Double? = nil
    /// Added to the pts since the last new epoch.
    private var offset = 0.0

    public init(fileInterval: Double) { self.fileInterval = fileInterval }

    /// The media time a frame with `pts` (seconds from the stream's start) will get if it is the next one and its
    /// pts moves forward; nil when it would not (no pts yet, or a pts at or behind the last frame's, which
    /// `time` nudges or starts a new epoch with). What a decimation may judge a packet by before it is decoded.
    public func predictedTime(pts: Double) -> Double? {
        guard let last else { return nil }
        let t = pts + offset
        return t > last ? t : nil
    }

    /// The media time of the next frame: `pts` in seconds from the stream's start (nil: the frame has none),
    /// `arrival` the receiver's monotonic clock in seconds for live inputs (nil: a file).
    public mutating func time(pts: Double?, arrival: Double?) -> Double {
        defer { lastArrival = arrival }
        let gap: Double
        if let arrival, let lastArrival { gap = max(Self.nudge, arrival - lastArrival) } else { gap = fileInterval }
        guard let last else {
            let t = max(0, pts ?? 0)
            self.last = t
            return t
        }
        var t: Double
        if let pts {
            t = pts + offset
            if t <= last {
                if last - t <= Self.maxReorder {
                    t = last + Self.nudge
                } else {
                    offset += last + gap - t
                    t = last + gap
                }
            }
        } else {
            t = last + gap
        }
        self.last = t
        return t
    }
}
