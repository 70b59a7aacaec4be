import Foundation
import Synchronization
import VigilCore

/// A camera's latest analysed picture for people to look at (the API's `latest.jpg` and MJPEG). Copying costs a
/// buffer per picture, so the analysis thread copies only while someone asked in the last few seconds, and at
/// most `maxRate` times a second: an unwatched camera allocates nothing.
///
/// Thread safety: `offer` from the camera's analysis thread; `request` and `latest` from any thread.
public final class PictureSlot: Sendable {
    public struct Picture: Sendable {
        /// RGB24 at analysis resolution (the detector's when the camera has one, else the motion picture's).
        public let rgb: PixelBuffer
        /// Wall-clock time of the frame (seconds since the epoch), and the source picture's size.
        public let time: Double
        public let sourceWidth: Int
        public let sourceHeight: Int
    }

    private let wantedUntil = Atomic<UInt64>(0)
    private let lastCopy = Atomic<UInt64>(0)
    private let slot = Mutex<Picture?>(nil)
    private let minInterval: UInt64

    public init(maxRate: Double = 10) { minInterval = UInt64(1e9 / maxRate) }

    /// Someone wants pictures for the next `seconds`.
    public func request(for seconds: Double = 5) {
        wantedUntil.store(MonotonicClock.nanoseconds() + UInt64(seconds * 1e9), ordering: .relaxed)
    }

    /// The latest copy, if any.
    public var latest: Picture? { slot.withLock { $0 } }

    /// Copies `frame` when wanted and due.
    func offer(_ frame: Frame) {
        let now = MonotonicClock.nanoseconds()
        guard now < wantedUntil.load(ordering: .relaxed), now &- lastCopy.load(ordering: .relaxed) >= minInterval else { return }
        lastCopy.store(now, ordering: .relaxed)
        let copy = PictureSlot.rgbCopy(frame.rgb ?? frame.gray)
        let p = Picture(rgb: copy, time: Date().timeIntervalSince1970, sourceWidth: frame.sourceWidth,
                        sourceHeight: frame.sourceHeight)
        slot.withLock { $0 = p }
    }

    /// An RGB24 copy of an RGB24 or gray picture.
    static func rgbCopy(_ src: PixelBuffer) -> PixelBuffer {
        let out = PixelBuffer(width: src.width, height: src.height, format: .rgb24)
        for y in 0..<src.height {
            let s = src.row(y), d = out.row(y)
            if src.format == .rgb24 {
                d.baseAddress!.update(from: s.baseAddress!, count: src.width * 3)
            } else {
                for x in 0..<src.width { let v = s[x]; d[3 * x] = v; d[3 * x + 1] = v; d[3 * x + 2] = v }
            }
        }
        return out
    }
}
