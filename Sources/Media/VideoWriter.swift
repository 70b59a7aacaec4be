import CFFmpeg
import VigilCore

/// Writes RGB24 pictures as a video file (the container from the file name: `.mp4`, `.mkv`, …) with
/// libavcodec: H.264 by libx264 when FFmpeg has it, else the first encoder of `encoders` that opens
/// (MPEG-4 Part 2 as the fallback every FFmpeg build carries). Pictures are converted to YUV 4:2:0 by
/// swscale; each gets its own presentation time (media seconds), so the video keeps the source's timing.
///
/// Thread safety: not thread-safe; one thread owns a writer.
public final class VideoWriter {
    public let path: String
    public let width: Int
    public let height: Int
    /// The encoder in use (`libx264`, `mpeg4`, …).
    public let encoderName: String
    public private(set) var framesWritten = 0

    /// Encoders tried in order by default.
    public static let defaultEncoders = ["libx264", "mpeg4"]
    /// Time base of the presentation times: milliseconds (MPEG-4 Part 2 admits denominators up to 65535 only).
    static let ticksPerSecond: Int64 = 1000

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private let stream: UnsafeMutablePointer<AVStream>
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private let sws: OpaquePointer
    private var lastPTS: Int64 = -1
    private var finished = false

    /// Opens `path` for `width`×`height` pictures (even sizes; an odd last row or column is left out) at about
    /// `framesPerSecond` (the encoder's rate control; the times come with each picture).
    public init(path: String, width: Int, height: Int, framesPerSecond: Double,
                encoders: [String] = VideoWriter.defaultEncoders) throws {
        let w = width & ~1, h = height & ~1
        guard w >= 2, h >= 2 else {
            throw FFmpegError(code: vigil_averror(EINVAL), operation: "open a video writer", input: path,
                              reason: "picture too small")
        }
        var fmt: UnsafeMutablePointer<AVFormatContext>? = nil
        var ctx: UnsafeMutablePointer<AVCodecContext>? = nil
        var frame: UnsafeMutablePointer<AVFrame>? = av_frame_alloc()
        var packet: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
        var ok = false
        defer {
            if !ok {
                if let f = fmt, f.pointee.pb != nil { avio_closep(&f.pointee.pb) }
                VideoWriter.release(format: &fmt, codec: &ctx, frame: &frame, packet: &packet)
            }
        }
        _ = try avCheck(avformat_alloc_output_context2(&fmt, nil, nil, path), "choose a container", input: path)
        guard let out = fmt, let f = frame, packet != nil else {
            throw FFmpegError(code: vigil_averror(ENOMEM), operation: "allocate a video writer", input: path)
        }
        let fps = framesPerSecond.isFinite && framesPerSecond > 0 ? min(framesPerSecond, 240) : 25
        let globalHeader = out.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0
        let (c, name) = try VideoWriter.openEncoder(encoders, width: w, height: h, fps: fps, globalHeader: globalHeader,
                                                    path: path)
        ctx = c
        guard let st = avformat_new_stream(out, nil) else {
            throw FFmpegError(code: vigil_averror(ENOMEM), operation: "add a video stream", input: path)
        }
        st.pointee.time_base = c.pointee.time_base
        st.pointee.avg_frame_rate = c.pointee.framerate
        _ = try avCheck(avcodec_parameters_from_context(st.pointee.codecpar, c), "set the stream's codec", input: path)
        if out.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            _ = try avCheck(avio_open(&out.pointee.pb, path, AVIO_FLAG_WRITE), "create", input: path)
        }
        _ = try avCheck(avformat_write_header(out, nil), "write the header", input: path)
        f.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        f.pointee.width = Int32(w)
        f.pointee.height = Int32(h)
        _ = try avCheck(av_frame_get_buffer(f, 0), "allocate a frame", input: path)
        guard let s = sws_getContext(Int32(w), Int32(h), AV_PIX_FMT_RGB24, Int32(w), Int32(h), AV_PIX_FMT_YUV420P,
                                     SWS_BILINEAR, nil, nil, nil) else {
            throw FFmpegError(code: vigil_averror(EINVAL), operation: "convert pictures", input: path)
        }
        ok = true
        self.path = path
        self.width = w
        self.height = h
        self.encoderName = name
        self.format = out
        self.codec = c
        self.stream = st
        self.frame = f
        self.packet = packet
        self.sws = s
    }

    deinit {
        sws_freeContext(sws)
        if !finished, let fmt = format, fmt.pointee.pb != nil { avio_closep(&fmt.pointee.pb) }
        VideoWriter.release(format: &format, codec: &codec, frame: &frame, packet: &packet)
    }

    /// The first encoder of `names` that exists and opens, set up for `width`×`height` YUV 4:2:0.
    static func openEncoder(_ names: [String], width: Int, height: Int, fps: Double, globalHeader: Bool,
                            path: String) throws -> (UnsafeMutablePointer<AVCodecContext>, String) {
        var tried: [String] = []
        for name in names {
            guard let enc = avcodec_find_encoder_by_name(name), enc.pointee.type == AVMEDIA_TYPE_VIDEO else {
                tried.append("\(name): not in this FFmpeg")
                continue
            }
            var ctx = avcodec_alloc_context3(enc)
            guard let c = ctx else { continue }
            c.pointee.width = Int32(width)
            c.pointee.height = Int32(height)
            c.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            c.pointee.time_base = AVRational(num: 1, den: Int32(ticksPerSecond))
            c.pointee.framerate = av_d2q(fps, 100_000)
            c.pointee.gop_size = Int32(max(1, min(250, Int(fps.rounded()) * 2)))
            c.pointee.max_b_frames = 0
            if globalHeader { c.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER) }
            var opts: OpaquePointer? = nil
            if name == "libx264" {
                av_dict_set(&opts, "preset", "veryfast", 0)
                av_dict_set(&opts, "crf", "23", 0)
            } else {
                c.pointee.flags |= Int32(AV_CODEC_FLAG_QSCALE)
                c.pointee.global_quality = 4 * Int32(FF_QP2LAMBDA)
            }
            let rc = avcodec_open2(c, enc, &opts)
            av_dict_free(&opts)
            if rc >= 0 { return (c, name) }
            tried.append("\(name): \(FFmpegError(code: rc, operation: "open", input: name).reason)")
            avcodec_free_context(&ctx)
        }
        throw FFmpegError(code: vigil_averror(ENOSYS), operation: "open a video encoder", input: path,
                          reason: "no usable encoder (" + tried.joined(separator: "; ") + ")")
    }

    /// Encodes one picture (RGB24, at least `width`×`height`) shown at `mediaTime` seconds. Times that do not
    /// increase are moved just past the previous picture's.
    public func write(_ rgb: PixelBuffer, mediaTime: Double) throws {
        precondition(rgb.format == .rgb24 && rgb.width >= width && rgb.height >= height, "picture does not fit the video")
        precondition(!finished, "the video is finished")
        guard let f = frame else { return }
        _ = try avCheck(av_frame_make_writable(f), "encode", input: path)
        let rc = vigil_sws_scale_into_frame(sws, rgb.data, Int32(rgb.stride), Int32(height), f)
        if rc < 0 { _ = try avCheck(rc, "convert a picture", input: path) }
        var pts = Int64((max(0, mediaTime) * Double(VideoWriter.ticksPerSecond)).rounded())
        if pts <= lastPTS { pts = lastPTS + 1 }
        lastPTS = pts
        f.pointee.pts = pts
        try encode(f)
        framesWritten += 1
    }

    /// Flushes the encoder, writes the trailer and closes the file. Call once, after the last picture.
    public func finish() throws {
        guard !finished, let fmt = format else { return }
        finished = true
        try encode(nil)
        _ = try avCheck(av_write_trailer(fmt), "write the trailer", input: path)
        if fmt.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            _ = try avCheck(avio_closep(&fmt.pointee.pb), "close", input: path)
        }
    }

    /// Sends `frame` (nil: end of stream) and writes every packet the encoder has ready.
    private func encode(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        guard let c = codec, let p = packet, let fmt = format else { return }
        _ = try avCheck(avcodec_send_frame(c, frame), "encode", input: path)
        while try avCheck(avcodec_receive_packet(c, p), "encode", input: path) == .ok {
            av_packet_rescale_ts(p, c.pointee.time_base, stream.pointee.time_base)
            p.pointee.stream_index = stream.pointee.index
            let rc = av_interleaved_write_frame(fmt, p)  // takes the packet's reference
            _ = try avCheck(rc, "write a packet", input: path)
        }
    }

    private static func release(format: inout UnsafeMutablePointer<AVFormatContext>?,
                                codec: inout UnsafeMutablePointer<AVCodecContext>?,
                                frame: inout UnsafeMutablePointer<AVFrame>?, packet: inout UnsafeMutablePointer<AVPacket>?) {
        avcodec_free_context(&codec)
        av_frame_free(&frame)
        av_packet_free(&packet)
        if let f = format { avformat_free_context(f); format = nil }
    }
}
