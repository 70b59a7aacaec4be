import Ring
import VigilCore

/// A decoded frame on its way from ingest to analysis, holding pooled buffers: `release()` gives them back to
/// the pools they came from (a reconnect with another picture size makes new pools; frames of the old ones
/// still find their way home). Release each frame exactly once, after the analysis is done with its pictures.
///
/// Thread safety: a value; released by the thread that popped it (the pools' consumer side).
public struct IngestFrame: Sendable {
    /// What analysis sees: index, media time, source size, the grey and (with a detector) RGB pictures.
    public var frame: Frame
    /// The connection the frame came from, from 1 (a new one means a reconnect: the motion background is re-learnt).
    public let session: Int
    /// Monotonic nanoseconds when the frame left the decoder (for `vigil_frame_latency_seconds`).
    public let decodedAt: UInt64
    /// The sender's wall clock of the frame (seconds since the epoch), when the source maps pts to it (RTSP).
    public let captureWallTime: Double?
    let pools: FramePools

    /// Gives the frame's buffers back to their pools; the frame's pictures must not be touched afterwards.
    public func release() { pools.recycle(frame.gray, frame.rgb) }
}
