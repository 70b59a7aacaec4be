/// Pixel layouts Vigil analyses.
public enum PixelFormat: Sendable, Hashable {
    /// 8-bit luma, one plane.
    case gray8
    /// 8-bit R, G, B interleaved, one plane.
    case rgb24

    public var bytesPerPixel: Int {
        switch self {
        case .gray8: 1
        case .rgb24: 3
        }
    }
}

/// A fixed-size image buffer, allocated once and reused through a pool (no per-frame allocation).
/// Rows are `stride` bytes apart; `stride` is a multiple of 64 so SIMD code and swscale can use aligned rows.
///
/// Thread safety: a buffer has one owner at a time. The ingest thread writes it, hands it over through a
/// ring (whose release/acquire pair publishes the pixels), and the analysis thread reads it and returns it to
/// its pool. Nobody touches a buffer they have handed on.
public final class PixelBuffer: @unchecked Sendable {  // unchecked: ownership is passed by hand-off, see above
    public let width: Int
    public let height: Int
    public let stride: Int
    public let format: PixelFormat
    public let data: UnsafeMutablePointer<UInt8>
    public var byteCount: Int { stride * height }

    public init(width: Int, height: Int, format: PixelFormat) {
        precondition(width > 0 && height > 0, "PixelBuffer needs a positive size")
        self.width = width
        self.height = height
        self.format = format
        let row = width * format.bytesPerPixel
        self.stride = (row + 63) & ~63
        // Tail slack: swscale's SIMD converters (e.g. yuvj420p → rgb24) write whole blocks of pixels, past
        // the last row's end when the width is not a multiple of their block.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: stride * height + PixelBuffer.tailSlack, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: stride * height + PixelBuffer.tailSlack)
        self.data = raw.assumingMemoryBound(to: UInt8.self)
    }

    deinit { UnsafeMutableRawPointer(data).deallocate() }

    /// Bytes allocated after the last row.
    static let tailSlack = 256

    /// Row `y` as a buffer of `width * bytesPerPixel` bytes.
    @inlinable
    public func row(_ y: Int) -> UnsafeMutableBufferPointer<UInt8> {
        UnsafeMutableBufferPointer(start: data + y * stride, count: width * format.bytesPerPixel)
    }
}

/// One decoded video frame as the analysis stages see it.
public struct Frame: Sendable {
    public var camera: CameraID
    /// Decoded-frame index, 0-based, counting every frame the decoder produced.
    public var index: Int
    /// Seconds from stream start, from the frame's pts (or a monotonic estimate when it has none).
    public var mediaTime: Double
    /// Size of the decoded picture in source pixels.
    public var sourceWidth: Int
    public var sourceHeight: Int
    /// The picture at the analysis size, 8-bit gray (motion).
    public var gray: PixelBuffer
    /// The picture as RGB24 for detectors (source aspect, at most `detect` height), when a detector runs.
    public var rgb: PixelBuffer? = nil

    public init(camera: CameraID, index: Int, mediaTime: Double, sourceWidth: Int, sourceHeight: Int,
                gray: PixelBuffer) {
        self.camera = camera; self.index = index; self.mediaTime = mediaTime
        self.sourceWidth = sourceWidth; self.sourceHeight = sourceHeight; self.gray = gray
    }
}
