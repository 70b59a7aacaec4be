import CFFmpeg

/// Which elementary stream a packet belongs to.
public enum PacketKind: Sendable, Equatable {
    case video, audio
}

/// The codec parameters of a source's video stream (and its audio stream, when one is demuxed), as a muxer
/// needs them to copy the streams without decoding. One object per opened source: packets of the same session
/// point at the same parameters, so a reconnect that changed the stream is seen by identity.
///
/// Thread safety: immutable after init (the C structs are never written again), so any thread may read it.
public final class StreamParameters: @unchecked Sendable {  // unchecked: owns C copies that are only read after init
    let video: UnsafeMutablePointer<AVCodecParameters>
    let videoTimeBase: AVRational
    let audio: UnsafeMutablePointer<AVCodecParameters>?
    let audioTimeBase: AVRational
    /// Codec names, for logs (`h264`, `aac`, …).
    public let videoCodec: String
    public let audioCodec: String?

    init(video vs: UnsafeMutablePointer<AVStream>, audio as_: UnsafeMutablePointer<AVStream>?) {
        video = StreamParameters.copy(vs.pointee.codecpar)
        videoTimeBase = vs.pointee.time_base
        videoCodec = String(cString: avcodec_get_name(vs.pointee.codecpar.pointee.codec_id))
        if let as_ {
            audio = StreamParameters.copy(as_.pointee.codecpar)
            audioTimeBase = as_.pointee.time_base
            audioCodec = String(cString: avcodec_get_name(as_.pointee.codecpar.pointee.codec_id))
        } else {
            audio = nil
            audioTimeBase = AVRational(num: 1, den: 1)
            audioCodec = nil
        }
    }

    deinit {
        var v: UnsafeMutablePointer<AVCodecParameters>? = video
        avcodec_parameters_free(&v)
        if let audio {
            var a: UnsafeMutablePointer<AVCodecParameters>? = audio
            avcodec_parameters_free(&a)
        }
    }

    private static func copy(_ src: UnsafeMutablePointer<AVCodecParameters>) -> UnsafeMutablePointer<AVCodecParameters> {
        guard let p = avcodec_parameters_alloc(), avcodec_parameters_copy(p, src) >= 0 else {
            fatalError("avcodec_parameters_copy: out of memory")
        }
        return p
    }

    /// Whether an MP4 file can carry the audio stream (AAC, MP3, Opus, AC-3, …; not G.711 or PCM).
    public var mp4CarriesAudio: Bool {
        guard let audio, let mp4 = av_guess_format("mp4", nil, nil) else { return false }
        return avformat_query_codec(mp4, audio.pointee.codec_id, 0 /* FF_COMPLIANCE_NORMAL */) == 1
    }
}

/// One compressed packet of a camera (video or audio), a reference-counted copy of the demuxed AVPacket: the
/// payload is shared with libavformat's buffer, never copied. `time` and `decodeTime` are seconds on the
/// camera's media timeline (the same one as `DecodedFrame.mediaTime`, plus the caller's offset).
///
/// Thread safety: immutable after init; may be handed between threads (the packet is only read, and the
/// payload's reference count is atomic in libavutil).
public final class MediaPacket: @unchecked Sendable {  // unchecked: an owned AVPacket reference that is never written after init
    let pointer: UnsafeMutablePointer<AVPacket>
    public let kind: PacketKind
    /// Presentation time (seconds).
    public let time: Double
    /// Decode time (seconds); packets arrive in decode order.
    public let decodeTime: Double
    public let isKeyframe: Bool
    /// Payload bytes.
    public let size: Int
    public let parameters: StreamParameters

    init(copying src: UnsafeMutablePointer<AVPacket>, kind: PacketKind, parameters: StreamParameters,
         zeroSeconds: Double, offset: Double) {
        guard let p = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        if av_packet_ref(p, src) < 0 { fatalError("av_packet_ref: out of memory") }
        pointer = p
        self.kind = kind
        self.parameters = parameters
        let tb = av_q2d(kind == .video ? parameters.videoTimeBase : parameters.audioTimeBase)
        let nopts = vigil_nopts_value()
        let pts = p.pointee.pts != nopts ? p.pointee.pts : p.pointee.dts
        let dts = p.pointee.dts != nopts ? p.pointee.dts : pts
        time = (pts == nopts ? 0 : Double(pts) * tb) - zeroSeconds + offset
        decodeTime = (dts == nopts ? 0 : Double(dts) * tb) - zeroSeconds + offset
        isKeyframe = kind == .video && (p.pointee.flags & AV_PKT_FLAG_KEY) != 0
        size = Int(p.pointee.size)
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&p)
    }
}
