import CFFmpeg

/// Writes a fragmented MP4 by remuxing a camera's packets (no decode, no encode): libavformat's `mp4` muxer
/// with `movflags=frag_keyframe+empty_moov+default_base_moof`, so the file is a header followed by one
/// self-contained fragment per key frame; a writer killed mid-file leaves a file that plays up to its last
/// complete fragment. The first packet written must be a video key frame; its decode time is the file's zero.
/// The audio stream is copied when MP4 can carry it (`StreamParameters.mp4CarriesAudio`), else left out.
///
/// Thread safety: not thread-safe; one thread (the recording writer) owns a file.
public final class MP4Writer {
    public let path: String
    public let parameters: StreamParameters
    /// Whether the file has an audio track.
    public let hasAudio: Bool
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private let scratch: UnsafeMutablePointer<AVPacket>
    /// The first key frame's decode time on the camera's timeline, and in the stream's own seconds.
    private var zero: Double? = nil
    private var zeroRaw = 0.0
    private var lastDTS: [Int64] = [Int64.min, Int64.min]
    /// Payload bytes handed to the muxer.
    public private(set) var bytesWritten = 0
    public private(set) var packetsWritten = 0

    /// Creates (truncates) `path` and writes the MP4 header.
    public init(path: String, parameters: StreamParameters, audio: Bool = true) throws {
        self.path = path
        self.parameters = parameters
        hasAudio = audio && parameters.mp4CarriesAudio
        guard let p = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        scratch = p
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        let rc = avformat_alloc_output_context2(&ctx, nil, "mp4", path)
        guard rc >= 0, let ctx else { throw FFmpegError(code: rc, operation: "create an MP4", input: path) }
        context = ctx
        do { try open(ctx) } catch {
            closeFile(writeTrailer: false)
            throw error
        }
    }

    private func open(_ ctx: UnsafeMutablePointer<AVFormatContext>) throws {
        try addStream(ctx, parameters.video, parameters.videoTimeBase)
        if hasAudio, let audio = parameters.audio { try addStream(ctx, audio, parameters.audioTimeBase) }
        var rc = avio_open(&ctx.pointee.pb, path, AVIO_FLAG_WRITE)
        if rc < 0 { throw FFmpegError(code: rc, operation: "open for writing", input: path) }
        var opts: OpaquePointer? = nil
        av_dict_set(&opts, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0)
        defer { av_dict_free(&opts) }
        rc = avformat_write_header(ctx, &opts)
        if rc < 0 { throw FFmpegError(code: rc, operation: "write the MP4 header", input: path) }
        avio_flush(ctx.pointee.pb)
    }

    private func addStream(_ ctx: UnsafeMutablePointer<AVFormatContext>, _ par: UnsafeMutablePointer<AVCodecParameters>,
                           _ tb: AVRational) throws {
        guard let st = avformat_new_stream(ctx, nil) else {
            throw FFmpegError(code: vigil_averror(ENOMEM), operation: "add a stream", input: path)
        }
        let rc = avcodec_parameters_copy(st.pointee.codecpar, par)
        if rc < 0 { throw FFmpegError(code: rc, operation: "copy codec parameters", input: path) }
        st.pointee.codecpar.pointee.codec_tag = 0
        st.pointee.time_base = tb
    }

    deinit {
        closeFile(writeTrailer: false)
        var p: UnsafeMutablePointer<AVPacket>? = scratch
        av_packet_free(&p)
    }

    /// Whether `packet` can go into this file (its stream exists here and it belongs to the same session).
    public func accepts(_ packet: MediaPacket) -> Bool {
        packet.parameters === parameters && (packet.kind == .video || hasAudio)
    }

    /// Seconds of the file so far (from its first packet to the last written decode time).
    public private(set) var duration = 0.0

    /// Writes one packet (times shifted so that the first video key frame decodes at 0). Packets the file
    /// cannot take (audio without an audio track, before the first key frame, or not increasing) are skipped.
    /// Throws on I/O errors (a full disk: `FFmpegError.isDiskFull`).
    public func write(_ packet: MediaPacket) throws {
        guard let ctx = context, accepts(packet) else { return }
        let nopts = vigil_nopts_value()
        if zero == nil {
            guard packet.isKeyframe else { return }
            zero = packet.decodeTime
            let raw = packet.pointer.pointee.dts != nopts ? packet.pointer.pointee.dts : packet.pointer.pointee.pts
            zeroRaw = raw == nopts ? 0 : Double(raw) * av_q2d(parameters.videoTimeBase)
        }
        let index = packet.kind == .video ? 0 : 1
        let tb = packet.kind == .video ? parameters.videoTimeBase : parameters.audioTimeBase
        av_packet_unref(scratch)
        if av_packet_ref(scratch, packet.pointer) < 0 { fatalError("av_packet_ref: out of memory") }
        let shift = Int64((zeroRaw / av_q2d(tb)).rounded())
        if scratch.pointee.dts != nopts { scratch.pointee.dts -= shift }
        if scratch.pointee.pts != nopts { scratch.pointee.pts -= shift }
        if scratch.pointee.dts != nopts {
            if scratch.pointee.dts < 0 || scratch.pointee.dts <= lastDTS[index] { return }  // before zero, or out of order
            lastDTS[index] = scratch.pointee.dts
        }
        scratch.pointee.stream_index = Int32(index)
        guard let st = ctx.pointee.streams[index] else { return }
        av_packet_rescale_ts(scratch, tb, st.pointee.time_base)
        var rc = av_interleaved_write_frame(ctx, scratch)
        // The muxer holds a fragment in memory and writes it whole at the next key frame; flushing the I/O
        // buffer here puts that fragment in the file at once (not its first 32 KiB chunks only), so the file on
        // disk always ends with a complete fragment. Nothing to do (no system call) between fragments.
        if rc >= 0, let pb = ctx.pointee.pb {
            avio_flush(pb)
            if pb.pointee.error < 0 { rc = pb.pointee.error }
        }
        if rc < 0 { throw FFmpegError(code: rc, operation: "write", input: path) }
        bytesWritten += packet.size
        packetsWritten += 1
        duration = max(duration, packet.decodeTime - zero!)
    }

    /// Writes the last fragment and the trailer, closes the file. Throws on I/O errors (the file is closed
    /// either way and plays up to its last complete fragment).
    public func finish() throws {
        guard let ctx = context else { return }
        var rc = av_write_trailer(ctx)
        if rc >= 0, let pb = ctx.pointee.pb, pb.pointee.error < 0 { rc = pb.pointee.error }
        closeFile(writeTrailer: false)
        if rc < 0 { throw FFmpegError(code: rc, operation: "finish", input: path) }
    }

    /// Closes without the trailer (after a write error).
    public func abandon() { closeFile(writeTrailer: false) }

    private func closeFile(writeTrailer: Bool) {
        guard let ctx = context else { return }
        context = nil
        if ctx.pointee.pb != nil { avio_closep(&ctx.pointee.pb) }
        avformat_free_context(ctx)
    }
}

extension FFmpegError {
    /// The device has no space left (ENOSPC) or the quota is exhausted (EDQUOT).
    public var isDiskFull: Bool { code == vigil_averror(ENOSPC) || code == vigil_averror(EDQUOT) }
}
