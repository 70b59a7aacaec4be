import CFFmpeg
import VigilCore

/// Facts about the chosen video stream.
public struct StreamInfo: Sendable, Equatable {
    public var codec: String
    public var width: Int
    public var height: Int
    /// Average frame rate when the container knows it, else 0.
    public var framesPerSecond: Double
    /// Seconds, when the container knows it.
    public var duration: Double?
    /// The container's `creation_time` tag as seconds since the epoch, when present and valid.
    public var creationTime: Double?
    /// Frame count declared by the container (often absent).
    public var declaredFrames: Int?
}

/// Opens a file or URL with libavformat and reads packets of its best video stream.
///
/// Thread safety: not thread-safe; one thread owns a demuxer. Only its `InterruptGuard` may be used from
/// other threads.
public final class Demuxer {
    let context: UnsafeMutablePointer<AVFormatContext>
    public let streamIndex: Int32
    let stream: UnsafeMutablePointer<AVStream>
    let codec: UnsafePointer<AVCodec>
    public let info: StreamInfo
    public let url: String
    let interrupt: InterruptGuard
    /// The audio stream demuxed alongside the video (for recording), or -1.
    public let audioStreamIndex: Int32

    /// Opens `url`. `options` go to `avformat_open_input` (e.g. `rtsp_transport`, `timeout`);
    /// `openTimeout` bounds the open and probe through the interrupt guard.
    /// `keepAudio`: also demux the best audio stream (its packets are read too, for recording).
    public init(url: String, options: [String: String] = [:], interrupt: InterruptGuard = InterruptGuard(),
                openTimeout: Double? = nil, keepAudio: Bool = false) throws {
        self.url = url
        self.interrupt = interrupt
        guard let ctx = avformat_alloc_context() else {
            throw FFmpegError(code: vigil_averror(ENOMEM), operation: "open", input: url)
        }
        ctx.pointee.interrupt_callback = interrupt.callback
        var dict: OpaquePointer? = nil
        for (k, v) in options { av_dict_set(&dict, k, v, 0) }
        defer { av_dict_free(&dict) }
        if let openTimeout { interrupt.arm(seconds: openTimeout) }
        defer { interrupt.disarm() }
        var ctxOpt: UnsafeMutablePointer<AVFormatContext>? = ctx
        let rc = avformat_open_input(&ctxOpt, url, nil, &dict)  // frees the context itself on failure
        if rc < 0 {
            let reason = interrupt.didTimeOut ? "timed out" : nil
            throw FFmpegError(code: rc, operation: "open", input: url, reason: reason)
        }
        guard let opened = ctxOpt else {
            throw FFmpegError(code: vigil_averror_invaliddata(), operation: "open", input: url)
        }
        var ok = false
        defer { if !ok { var c: UnsafeMutablePointer<AVFormatContext>? = opened; avformat_close_input(&c) } }

        let si = avformat_find_stream_info(opened, nil)
        if si < 0 {
            throw FFmpegError(code: si, operation: "read stream info", input: url,
                              reason: interrupt.didTimeOut ? "timed out" : nil)
        }
        var decoder: UnsafePointer<AVCodec>? = nil
        let best = av_find_best_stream(opened, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
        if best < 0 {
            let reason = best == vigil_averror(EINVAL) || best == -1381258232 /* AVERROR_STREAM_NOT_FOUND */
                ? "no video stream" : (best == -1128613112 /* AVERROR_DECODER_NOT_FOUND */
                    ? "no decoder for the video codec" : nil)
            throw FFmpegError(code: best, operation: "find a video stream", input: url, reason: reason)
        }
        guard let decoder, let st = opened.pointee.streams[Int(best)] else {
            throw FFmpegError(code: vigil_averror_invaliddata(), operation: "find a video stream", input: url,
                              reason: "no decoder for the video codec")
        }
        let audio = keepAudio ? av_find_best_stream(opened, AVMEDIA_TYPE_AUDIO, -1, best, nil, 0) : -1
        // Only the chosen streams are demuxed: the others are discarded inside libavformat.
        for i in 0..<Int(opened.pointee.nb_streams) where i != Int(best) && i != Int(audio) {
            opened.pointee.streams[i]?.pointee.discard = AVDISCARD_ALL
        }
        let par = st.pointee.codecpar.pointee
        let fr = st.pointee.avg_frame_rate.den > 0 ? st.pointee.avg_frame_rate : st.pointee.r_frame_rate
        let fps = fr.den > 0 && fr.num > 0 ? Double(fr.num) / Double(fr.den) : 0
        var duration: Double? = nil
        if st.pointee.duration > 0, st.pointee.time_base.den > 0 {
            duration = Double(st.pointee.duration) * av_q2d(st.pointee.time_base)
        } else if opened.pointee.duration > 0 {
            duration = Double(opened.pointee.duration) / Double(AV_TIME_BASE)
        }
        var creation: Double? = nil
        if let e = av_dict_get(opened.pointee.metadata, "creation_time", nil, 0), let v = e.pointee.value {
            creation = Timestamp.parse(String(cString: v))
        }
        let name = String(cString: decoder.pointee.name)
        self.context = opened
        self.streamIndex = best
        self.audioStreamIndex = audio >= 0 ? audio : -1
        self.stream = st
        self.codec = decoder
        self.info = StreamInfo(codec: name, width: Int(par.width), height: Int(par.height), framesPerSecond: fps,
                               duration: duration, creationTime: creation,
                               declaredFrames: st.pointee.nb_frames > 0 ? Int(st.pointee.nb_frames) : nil)
        ok = true
    }

    deinit {
        var c: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&c)
    }

    /// The stream's time base as seconds per tick.
    var timeBase: Double { av_q2d(stream.pointee.time_base) }

    /// The stream's first timestamp in ticks, when known.
    var startTime: Int64? {
        let s = stream.pointee.start_time
        return s == vigil_nopts_value() ? nil : s
    }

    /// The sender's wall clock at pts 0 of the video stream, seconds since the Unix epoch (libavformat's
    /// `AVFormatContext.start_time_realtime`), when the input gives one: RTSP sets it from the first RTCP sender
    /// report (its NTP time less the report's RTP timestamp offset), so `value + pts × time base` is the
    /// sender's wall clock of a frame. Nil until then, and for inputs without such a mapping (files).
    var startTimeRealtime: Double? {
        let t = context.pointee.start_time_realtime
        return t == vigil_nopts_value() || t <= 0 ? nil : Double(t) / 1_000_000
    }

    /// The audio stream kept by `keepAudio`, if any.
    var audioStream: UnsafeMutablePointer<AVStream>? {
        audioStreamIndex < 0 ? nil : context.pointee.streams[Int(audioStreamIndex)]
    }

    /// Reads the next packet of the video stream (or of the kept audio stream) into `packet` (unreferencing
    /// what it held). Returns `.endOfFile` at the end; throws FFmpegError on read errors.
    func read(into packet: Packet, readTimeout: Double?) throws -> AVStatus {
        while true {
            av_packet_unref(packet.pointer)
            if let readTimeout { interrupt.arm(seconds: readTimeout) }
            let rc = av_read_frame(context, packet.pointer)
            if readTimeout != nil { interrupt.disarm() }
            if rc < 0, rc != vigil_averror_eof(), rc != vigil_averror_eagain(), interrupt.didTimeOut {
                throw FFmpegError(code: rc, operation: "read", input: url, reason: "no data for \(readTimeout ?? 0) s")
            }
            let status = try avCheck(rc, "read", input: url)
            if status != .ok { return status }
            let index = packet.pointer.pointee.stream_index
            if index == streamIndex || (index == audioStreamIndex && audioStreamIndex >= 0) { return .ok }
        }
    }
}

/// An owned AVPacket, reused for every read (no per-packet allocation).
///
/// Thread safety: not thread-safe; owned by the ingest thread.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>
    init() {
        guard let p = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        pointer = p
    }
    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&p)
    }
}
