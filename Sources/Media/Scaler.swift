import CFFmpeg
import VigilCore

/// Converts decoded frames to the analysis format and size with libswscale, straight into a pooled buffer.
/// The swscale context is cached and only rebuilt when the source size or pixel format changes.
///
/// Thread safety: not thread-safe; owned by the ingest thread.
public final class Scaler {
    private var context: OpaquePointer? = nil
    private var srcW: Int32 = 0, srcH: Int32 = 0, srcFormat: Int32 = -1
    private var dstW: Int32 = 0, dstH: Int32 = 0, dstFormat: AVPixelFormat = AV_PIX_FMT_GRAY8
    /// swscale algorithm: area averaging is the best for large downscales (it also averages sensor noise).
    let flags: Int32

    public init(flags: Int32 = SWS_AREA) { self.flags = flags }

    deinit { sws_freeContext(context) }

    /// Scales `frame` into `buffer` (its size and format). Throws when swscale cannot convert the format.
    func scale(_ frame: UnsafePointer<AVFrame>, into buffer: PixelBuffer, input: String) throws {
        let f = frame.pointee
        let fmt: AVPixelFormat = buffer.format == .gray8 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24
        if context == nil || f.width != srcW || f.height != srcH || f.format != srcFormat
            || Int32(buffer.width) != dstW || Int32(buffer.height) != dstH || fmt != dstFormat {
            context = sws_getCachedContext(context, f.width, f.height, AVPixelFormat(rawValue: f.format),
                                           Int32(buffer.width), Int32(buffer.height), fmt, flags, nil, nil, nil)
            guard context != nil else {
                let name = av_get_pix_fmt_name(AVPixelFormat(rawValue: f.format)).map { String(cString: $0) } ?? "?"
                throw FFmpegError(code: vigil_averror(EINVAL), operation: "convert frames", input: input,
                                  reason: "unsupported pixel format \(name) or size \(f.width)x\(f.height)")
            }
            srcW = f.width; srcH = f.height; srcFormat = f.format
            dstW = Int32(buffer.width); dstH = Int32(buffer.height); dstFormat = fmt
        }
        let rc = vigil_sws_scale_to(context, frame, buffer.data, Int32(buffer.stride))
        if rc < 0 { _ = try avCheck(rc, "convert frames", input: input) }
    }
}
