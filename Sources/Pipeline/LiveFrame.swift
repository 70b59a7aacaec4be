import Ring
import VigilCore

/// What a live camera's ring carries: the frame, the pool its buffer goes back to (a reconnect with another
/// picture size makes a new pool; frames of the old one still find their way home) and the session it came
/// from (a new session means a reconnect: the motion background is re-learnt), and when it was decoded.
public struct LiveFrame: Sendable {
    public var frame: Frame
    public let pool: BufferPool
    /// The pool of `frame.rgb` (nil without a detector).
    public let rgbPool: BufferPool?
    public var session: Int
    /// Monotonic nanoseconds when the frame left the decoder (for `vigil_frame_latency_seconds`).
    public var decodedAt: UInt64
    /// The sender's wall clock of the frame (seconds since the epoch), when the source maps pts to it (RTSP).
    public var captureWallTime: Double? = nil
}
