import CFFmpeg
import Foundation
import VigilCore

/// Writes an RGB24 frame as a JPEG file with libavcodec's MJPEG encoder (annotated frames for people to look at).
///
/// Thread safety: stateless; each call owns its codec context.
public enum ImageWriter {
    public static func writeJPEG(_ rgb: PixelBuffer, to path: String, quality: Int32 = 3) throws {
        precondition(rgb.format == .rgb24)
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else {
            throw FFmpegError(code: vigil_averror(ENOSYS), operation: "find the JPEG encoder", input: path)
        }
        var ctx = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&ctx) }
        guard let c = ctx else { throw FFmpegError(code: vigil_averror(ENOMEM), operation: "encode JPEG", input: path) }
        let w = Int32(rgb.width) & ~1, h = Int32(rgb.height) & ~1
        c.pointee.width = w
        c.pointee.height = h
        c.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        c.pointee.time_base = AVRational(num: 1, den: 25)
        c.pointee.flags |= Int32(AV_CODEC_FLAG_QSCALE)
        c.pointee.global_quality = Int32(FF_QP2LAMBDA) * quality
        _ = try avCheck(avcodec_open2(c, codec, nil), "open the JPEG encoder", input: path)
        var frame = av_frame_alloc()
        defer { av_frame_free(&frame) }
        guard let f = frame else { throw FFmpegError(code: vigil_averror(ENOMEM), operation: "encode JPEG", input: path) }
        f.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        f.pointee.width = w
        f.pointee.height = h
        f.pointee.quality = c.pointee.global_quality
        _ = try avCheck(av_frame_get_buffer(f, 0), "allocate a frame", input: path)
        let sws = sws_getContext(w, h, AV_PIX_FMT_RGB24, w, h, AV_PIX_FMT_YUVJ420P, SWS_BICUBIC, nil, nil, nil)
        defer { sws_freeContext(sws) }
        _ = try avCheck(vigil_sws_scale_into_frame(sws, rgb.data, Int32(rgb.stride), h, f), "convert frames", input: path)
        _ = try avCheck(avcodec_send_frame(c, f), "encode JPEG", input: path)
        _ = try avCheck(avcodec_send_frame(c, nil), "encode JPEG", input: path)
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let p = packet else { throw FFmpegError(code: vigil_averror(ENOMEM), operation: "encode JPEG", input: path) }
        _ = try avCheck(avcodec_receive_packet(c, p), "encode JPEG", input: path)
        let data = Data(bytes: p.pointee.data, count: Int(p.pointee.size))
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw FFmpegError(code: vigil_averror(EIO), operation: "write", input: path, reason: "\(error)")
        }
    }
}
