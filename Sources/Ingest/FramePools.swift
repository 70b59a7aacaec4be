import Media
import Ring
import VigilCore

/// The buffers of one picture size: grey frames for motion and tamper and, with a detector, RGB pictures; taken
/// in pairs (both or neither) by the ingest thread and given back by whoever holds the frame.
///
/// Thread safety: `take` and `reuse` from the producer (ingest) thread; `recycle` from the consumer (analysis)
/// thread; `close` and the geometry from any thread (see `BufferPool`).
public final class FramePools: Sendable {
    public let gray: BufferPool
    /// RGB pictures for the detector (nil: no detector).
    public let rgb: BufferPool?

    /// Pools of `count` buffers each for `source`'s analysis size and, when `detectHeight` is set, its RGB size
    /// (the source's aspect, at most `detectHeight` high).
    public init(count: Int, source: VideoSource, detectHeight: Int?) {
        gray = BufferPool(count: count, width: source.analysisWidth, height: source.analysisHeight, format: .gray8)
        rgb = detectHeight.map { h in
            let (w, rh) = VideoSource.analysisSize(width: source.info.width, height: source.info.height, targetHeight: h)
            return BufferPool(count: count, width: w, height: rh, format: .rgb24)
        }
    }

    /// Whether these pools have the sizes `source` needs (a reconnect to the same stream keeps them).
    public func fit(_ source: VideoSource, detectHeight: Int?) -> Bool {
        guard gray.width == source.analysisWidth, gray.height == source.analysisHeight else { return false }
        guard let h = detectHeight else { return rgb == nil }
        let (w, rh) = VideoSource.analysisSize(width: source.info.width, height: source.info.height, targetHeight: h)
        return rgb?.width == w && rgb?.height == rh
    }

    /// A grey buffer and, with a detector, an RGB one; nil when either is out. `waiting`: wait for the consumer to
    /// give buffers back (replay; nil only after `close`); otherwise nil at once (live: the frame is dropped).
    func take(waiting: Bool) -> (gray: PixelBuffer, rgb: PixelBuffer?)? {
        guard let g = waiting ? gray.takeWaiting() : gray.take() else { return nil }
        guard let rgb else { return (g, nil) }
        guard let r = waiting ? rgb.takeWaiting() : rgb.take() else { gray.reuse(g); return nil }
        return (g, r)
    }

    /// Producer side: buffers taken and not sent (or handed back by a drop-oldest ring).
    func reuse(_ g: PixelBuffer?, _ r: PixelBuffer?) {
        if let g { gray.reuse(g) }
        if let r { rgb?.reuse(r) }
    }

    /// Consumer side: a frame's buffers, done with.
    func recycle(_ g: PixelBuffer, _ r: PixelBuffer?) {
        gray.recycle(g)
        if let r { rgb?.recycle(r) }
    }

    /// Wakes a producer waiting for buffers (it gets nil).
    public func close() {
        gray.close()
        rgb?.close()
    }
}
