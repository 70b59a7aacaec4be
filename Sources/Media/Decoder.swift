import CFFmpeg
import VigilCore

/// Decodes the packets of one video stream with libavcodec.
///
/// Thread safety: not thread-safe; owned by the ingest thread (libavcodec runs its own worker threads inside).
public final class Decoder {
    let context: UnsafeMutablePointer<AVCodecContext>
    let input: String

    /// `threads`: 0 lets FFmpeg pick (one per core); frame and slice threading where the codec has them.
    init(demuxer: Demuxer, threads: Int) throws {
        input = demuxer.url
        guard let ctx = avcodec_alloc_context3(demuxer.codec) else {
            throw FFmpegError(code: vigil_averror(ENOMEM), operation: "allocate a decoder", input: input)
        }
        var c: UnsafeMutablePointer<AVCodecContext>? = ctx
        let rc = avcodec_parameters_to_context(ctx, demuxer.stream.pointee.codecpar)
        if rc < 0 {
            avcodec_free_context(&c)
            throw FFmpegError(code: rc, operation: "configure the decoder", input: input)
        }
        ctx.pointee.thread_count = Int32(threads)
        ctx.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        ctx.pointee.pkt_timebase = demuxer.stream.pointee.time_base
        let orc = avcodec_open2(ctx, demuxer.codec, nil)
        if orc < 0 {
            avcodec_free_context(&c)
            throw FFmpegError(code: orc, operation: "open the \(String(cString: demuxer.codec.pointee.name)) decoder",
                              input: input)
        }
        context = ctx
    }

    deinit {
        var c: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&c)
    }

    /// Whether the packets sent from now on are decoded only when other frames refer to them
    /// (`skip_frame = AVDISCARD_NONREF`): a non-reference frame sent meanwhile is discarded, never output.
    /// Reference frames are always decoded, so the frames after them decode exactly as without.
    var skipNonReference = false {
        didSet {
            if skipNonReference != oldValue { context.pointee.skip_frame = skipNonReference ? AVDISCARD_NONREF : AVDISCARD_DEFAULT }
        }
    }

    /// How many frames the decoder may hold back to put them out in presentation order (0: it puts frames out in
    /// the order it gets them). Known from the stream's headers; FFmpeg raises it when it meets deeper reordering.
    var reorderDepth: Int { Int(context.pointee.has_b_frames) }

    /// Sends a packet (nil = flush at end of stream). `.again` means: receive frames first, then resend.
    func send(_ packet: UnsafeMutablePointer<AVPacket>?) throws -> AVStatus {
        try avCheck(avcodec_send_packet(context, packet), "decode", input: input)
    }

    /// Receives a decoded frame into `frame`. `.again`: needs more input; `.endOfFile`: fully flushed.
    func receive(_ frame: UnsafeMutablePointer<AVFrame>) throws -> AVStatus {
        try avCheck(avcodec_receive_frame(context, frame), "decode", input: input)
    }
}
