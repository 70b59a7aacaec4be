import CFFmpeg
import VigilCore

/// How a source is opened and decoded.
public struct SourceOptions: Sendable {
    /// Decoder threads; 0 = FFmpeg's choice.
    public var threads: Int = 0
    /// Height of the analysis frames (width follows the aspect ratio, rounded to even).
    public var analysisHeight: Int = 120
    /// Bounds `open` (and probing), seconds; nil = no bound (files).
    public var openTimeout: Double? = nil
    /// Bounds each packet read, seconds; nil = no bound (files). A live stream that stays connected but sends
    /// nothing fails after this long.
    public var readTimeout: Double? = nil
    /// Extra libavformat options (`rtsp_transport`, …).
    public var formatOptions: [String: String] = [:]
    /// Consecutive unreadable packets after which a file is taken as ended (a corrupt tail).
    public var maxConsecutiveReadErrors: Int = 64
    /// Also demux the audio stream, for `packetObserver` (recording); it is never decoded.
    public var keepAudio = false
    /// Live inputs: the receiver's monotonic clock, seconds, which dates a frame that has no pts (see
    /// `MediaTimeline`). Nil for files, whose frames without pts follow the declared frame rate.
    public var arrivalClock: (@Sendable () -> Double)? = nil

    public init() {}
}

/// One decoded frame's facts (its pixels went into the caller's buffer).
public struct DecodedFrame: Sendable, Equatable {
    public var index: Int
    public var mediaTime: Double
    public var sourceWidth: Int
    public var sourceHeight: Int
    /// The decoder flagged the picture as damaged (concealed errors).
    public var corrupt: Bool
    /// The picture was scaled into the caller's buffer (false: decimated, decoded only).
    public var scaled: Bool = true
    /// When the sender captured (sent) the frame by its own wall clock, seconds since the Unix epoch: the
    /// input's wall-clock mapping (libavformat's `start_time_realtime`, which RTSP sets from the first RTCP
    /// sender report) plus the frame's pts (for a frame without one, its estimated `mediaTime`), so it advances
    /// exactly like `mediaTime`. Nil when the input has no such mapping: files, HTTP, and an RTSP stream until its
    /// first sender report (GStreamer's server sends one within about a second). Compare with the receiver's
    /// `CLOCK_REALTIME` for glass-to-alert latency; the difference includes any offset between the sender's and
    /// the receiver's clocks (NTP-synchronised cameras: a few ms) and the decoder's own delay.
    public var captureWallTime: Double? = nil
}

/// Counters of one source, for `--stats` and metrics.
public struct SourceStats: Sendable, Equatable {
    public var packetsRead = 0
    public var framesDecoded = 0
    /// Packets or frames the decoder rejected as invalid data (skipped).
    public var decodeErrors = 0
    /// Frames decoded with concealed damage.
    public var corruptFrames = 0
    /// Unreadable packets (container damage) skipped.
    public var readErrors = 0
    /// Frames the decoder was told not to decode (`next(…, discard:)`): sent while `skip_frame` was on and never
    /// output (non-reference frames). Counted once a later frame comes out (or at the end of the input); the
    /// frame indices count them, so an index is the frame's place in the stream whether or not frames were
    /// discarded.
    public var framesNotDecoded = 0
    /// CPU time this thread spent converting frames into the caller's buffers (grey and RGB), nanoseconds.
    public var scaleCPUNanoseconds: UInt64 = 0
    public init() {}
}

/// Demux + decode + scale: hands out every decoded frame of a file or stream, scaled into a buffer the
/// caller owns (pooled), with its media time. EAGAIN and EOF are ordinary states of the loop; damaged data is
/// counted and skipped, so a file that goes corrupt midway is decoded as far as it can be.
///
/// Thread safety: not thread-safe; one ingest thread owns a source. `interrupt` may be used from any thread.
public final class VideoSource: @unchecked Sendable {  // unchecked: created on one thread, then used by one ingest thread only
    public let demuxer: Demuxer
    let decoder: Decoder
    let scaler = Scaler()
    /// Bilinear: the RGB picture for detectors is a moderate downscale that the detector letterboxes again.
    let rgbScaler = Scaler(flags: SWS_BILINEAR)
    let packet = Packet()
    let frame: UnsafeMutablePointer<AVFrame>
    let options: SourceOptions
    public let interrupt: InterruptGuard
    public var info: StreamInfo { demuxer.info }
    public let analysisWidth: Int
    public let analysisHeight: Int
    public private(set) var stats = SourceStats()
    /// Called on the ingest thread with every demuxed packet of the video stream (and of the audio stream with
    /// `keepAudio`), a reference-counted copy, before the video packet goes to the decoder. Recording's hook.
    public var packetObserver: ((MediaPacket) -> Void)? = nil
    /// Added to the observed packets' times (the live camera's timeline across reconnects).
    public var packetTimeOffset = 0.0
    /// The streams' codec parameters, for a muxer (copied once per source).
    public private(set) lazy var parameters = StreamParameters(video: demuxer.stream, audio: demuxer.audioStream)

    private var flushing = false
    /// The pts of packets sent with `skip_frame` on that have not come out of the decoder yet (bounded).
    private var sentSkipping: [Int64] = []
    private var finished = false
    /// What the packet stamps are: the largest packet pts so far, whether a packet came stamped before an earlier
    /// one (stamps in presentation order, reordered in decode order), and whether the decoder put out a frame
    /// stamped before the frame it put out before (stamps in decode order). See `stampsFollowPresentation`.
    private var largestPacketPTS: Int64? = nil
    private var packetStampsReordered = false
    private var lastOutputPTS: Int64? = nil
    private var outputStampsReordered = false
    private var timeline: MediaTimeline
    private let timeBase: Double
    private let startTicks: Int64?

    public init(url: String, options: SourceOptions = SourceOptions(), interrupt: InterruptGuard = InterruptGuard())
        throws {
        self.options = options
        self.interrupt = interrupt
        demuxer = try Demuxer(url: url, options: options.formatOptions, interrupt: interrupt,
                              openTimeout: options.openTimeout, keepAudio: options.keepAudio)
        decoder = try Decoder(demuxer: demuxer, threads: options.threads)
        guard let f = av_frame_alloc() else {
            throw FFmpegError(code: vigil_averror(ENOMEM), operation: "allocate a frame", input: url)
        }
        frame = f
        let w = demuxer.info.width, h = demuxer.info.height
        guard w > 0, h > 0 else {
            av_frame_free_wrapper(f)
            throw FFmpegError(code: vigil_averror_invaliddata(), operation: "read stream info", input: url,
                              reason: "the video stream has no frame size")
        }
        (analysisWidth, analysisHeight) = VideoSource.analysisSize(width: w, height: h, targetHeight: options.analysisHeight)
        let fps = demuxer.info.framesPerSecond
        timeline = MediaTimeline(fileInterval: fps > 0 && fps < 1000 ? 1 / fps : 0.04)
        timeBase = demuxer.timeBase
        startTicks = demuxer.startTime
    }

    deinit { av_frame_free_wrapper(frame) }

    /// The analysis size for a `width`×`height` source: `targetHeight` tall (never upscaled), width by aspect,
    /// both even (what swscale and chroma subsampling like).
    public static func analysisSize(width: Int, height: Int, targetHeight: Int) -> (Int, Int) {
        let h = max(2, min(targetHeight, height)) & ~1
        let w = max(2, Int((Double(width) * Double(h) / Double(height)).rounded())) & ~1
        return (w, h)
    }

    /// Decodes the next frame and scales it into `buffer` (nil: decode only, for benchmarks).
    /// Returns nil at the end of the input. Throws on errors that end the stream (I/O, timeouts, memory).
    public func next(into buffer: PixelBuffer?) throws -> DecodedFrame? {
        try next(into: buffer, scaling: { _ in true })
    }

    /// Decodes the next frame and scales it into `buffer` only when `wanted(mediaTime)` returns true (live
    /// decimation: a skipped frame costs its decode, not its scaling); `DecodedFrame.scaled` says which.
    public func next(into buffer: PixelBuffer?, scaling wanted: (Double) -> Bool) throws -> DecodedFrame? {
        try next(into: buffer, rgb: nil, scaling: wanted)
    }

    /// Decodes the next frame and scales it into `buffer` and, when given, also into `rgb` (an RGB24 buffer of
    /// any size, for detectors), each with its own cached swscale context.
    ///
    /// `discard` (live decimation) is asked, before a packet is decoded, about the media time its frame will
    /// get; true means that frame will certainly not be wanted, and the packet is decoded with
    /// `skip_frame = AVDISCARD_NONREF`: a non-reference frame is then not decoded at all (and never returned),
    /// a reference frame is decoded as always. Packets without a pts, or whose time the timeline would change
    /// (reordered, a new epoch), are always decoded.
    public func next(into buffer: PixelBuffer?, rgb: PixelBuffer?, scaling wanted: (Double) -> Bool = { _ in true },
                     discard: (Double) -> Bool = { _ in false }) throws -> DecodedFrame? {
        if finished { return nil }
        var consecutiveErrors = 0
        while true {
            let status: AVStatus
            do {
                status = try decoder.receive(frame)
            } catch let e as FFmpegError where e.exitStatus == .dataError {
                stats.decodeErrors += 1
                consecutiveErrors += 1
                if consecutiveErrors > 1000 { throw e }
                continue
            }
            switch status {
            case .ok:
                defer { av_frame_unref(frame) }
                return try deliver(into: buffer, rgb: rgb, wanted: wanted)
            case .endOfFile:
                finish()
                return nil
            case .again:
                if flushing {  // a decoder that has nothing left but does not say EOF
                    finish()
                    return nil
                }
                try feed(discard: discard)
            }
        }
    }

    /// Reads one packet (video, or audio with `keepAudio`) and hands it to `packetObserver` without decoding it:
    /// a recorder that needs no pictures (`vigil bench record`). False at the end of the input.
    public func readPacket() throws -> Bool {
        while true {
            switch try demuxer.read(into: packet, readTimeout: options.readTimeout) {
            case .endOfFile: return false
            case .again: continue
            case .ok:
                let isVideo = packet.pointer.pointee.stream_index == demuxer.streamIndex
                if isVideo { stats.packetsRead += 1 }
                if let packetObserver { observe(packetObserver, isVideo: isVideo) }
                return true
            }
        }
    }

    private func finish() {
        finished = true
        stats.framesNotDecoded += sentSkipping.count
        sentSkipping.removeAll()
    }

    /// Reads one packet and sends it to the decoder; at the end of input starts the flush.
    private func feed(discard: (Double) -> Bool) throws {
        var readErrors = 0
        while true {
            let st: AVStatus
            do {
                st = try demuxer.read(into: packet, readTimeout: options.readTimeout)
            } catch let e as FFmpegError where e.exitStatus == .dataError && !interrupt.didTimeOut {
                stats.readErrors += 1
                readErrors += 1
                if readErrors >= options.maxConsecutiveReadErrors { st2Flush(); return }
                continue
            }
            switch st {
            case .endOfFile:
                st2Flush()
                return
            case .again:
                continue
            case .ok:
                let isVideo = packet.pointer.pointee.stream_index == demuxer.streamIndex
                if let packetObserver { observe(packetObserver, isVideo: isVideo) }
                if !isVideo { continue }
                stats.packetsRead += 1
                let pts = packet.pointer.pointee.pts
                notePacketStamp(pts)
                decoder.skipNonReference = willDiscard(pts, discard)
                do {
                    _ = try decoder.send(packet.pointer)
                } catch let e as FFmpegError where e.exitStatus == .dataError {
                    stats.decodeErrors += 1  // a damaged packet: skip it, the next key frame recovers
                }
                return
            }
        }
    }

    private func observe(_ observer: (MediaPacket) -> Void, isVideo: Bool) {
        let zero = Double(startTicks ?? 0) * timeBase
        observer(MediaPacket(copying: packet.pointer, kind: isVideo ? .video : .audio, parameters: parameters,
                             zeroSeconds: zero, offset: packetTimeOffset))
    }

    private func st2Flush() {
        flushing = true
        decoder.skipNonReference = false
        _ = try? decoder.send(nil)
    }

    private func notePacketStamp(_ pts: Int64) {
        guard pts != vigil_nopts_value() else { return }
        if let largest = largestPacketPTS, pts < largest { packetStampsReordered = true }
        largestPacketPTS = max(largestPacketPTS ?? pts, pts)
    }

    /// Whether a frame's place among the decoder's output can be told from its packet's stamp: true when the
    /// decoder puts frames out in the order it gets them (no reordering: its reorder depth is 0 and no output
    /// came stamped out of order), or when the stamps are presentation times (a packet came stamped before an
    /// earlier one, as B-frames are). A stream with B-frames stamped in decode order (raw H.264 relayed as it
    /// was read, for example) gives neither: its stamps say nothing of where a frame not decoded would have come
    /// out, so its frame numbers would drift; such a stream is decoded whole (no frame is skipped).
    private var stampsFollowPresentation: Bool {
        packetStampsReordered || (decoder.reorderDepth == 0 && !outputStampsReordered)
    }

    /// Whether the packet with `pts` goes to the decoder with `skip_frame` on (see `next`); remembers it then.
    private func willDiscard(_ pts: Int64, _ discard: (Double) -> Bool) -> Bool {
        guard pts != vigil_nopts_value(), stampsFollowPresentation,
              let t = timeline.predictedTime(pts: Double(pts - (startTicks ?? 0)) * timeBase), discard(t) else { return false }
        if sentSkipping.count >= 64 {  // pts that never come back (a sender's odd stamps): taken as not decoded
            sentSkipping.removeFirst()
            stats.framesNotDecoded += 1
        }
        sentSkipping.append(pts)
        return true
    }

    /// A frame with `pts` came out: packets sent with `skip_frame` on before it in presentation order that did not
    /// come out were not decoded.
    private func settleSkipped(before pts: Int64?) {
        guard !sentSkipping.isEmpty, let pts else { return }
        if let i = sentSkipping.firstIndex(of: pts) { sentSkipping.remove(at: i) }
        let before = sentSkipping.count
        sentSkipping.removeAll { $0 < pts }
        stats.framesNotDecoded += before - sentSkipping.count
    }

    private func deliver(into buffer: PixelBuffer?, rgb: PixelBuffer?, wanted: (Double) -> Bool) throws -> DecodedFrame {
        let f = frame.pointee
        let pts = f.best_effort_timestamp
        let ptsTicks = pts == vigil_nopts_value() ? nil : pts
        if f.pts != vigil_nopts_value() {
            if let last = lastOutputPTS, f.pts < last { outputStampsReordered = true }
            lastOutputPTS = f.pts
        }
        let t = timeline.time(pts: ptsTicks.map { Double($0 - (startTicks ?? 0)) * timeBase },
                              arrival: options.arrivalClock?())
        settleSkipped(before: ptsTicks)
        let scale = wanted(t)
        if scale, buffer != nil || rgb != nil {
            let c0 = ThreadCPUClock.nanoseconds()
            defer { stats.scaleCPUNanoseconds &+= ThreadCPUClock.nanoseconds() &- c0 }
            if let buffer { try scaler.scale(frame, into: buffer, input: demuxer.url) }
            if let rgb { try rgbScaler.scale(frame, into: rgb, input: demuxer.url) }
        }
        let corrupt = (f.flags & AV_FRAME_FLAG_CORRUPT) != 0 || f.decode_error_flags != 0
        if corrupt { stats.corruptFrames += 1 }
        // The wall clock at pts 0, plus the frame's own pts; a frame without one gets the wall clock of its
        // estimated media time (plus the stream's start), like the media time itself.
        let wall = demuxer.startTimeRealtime.map { origin in
            ptsTicks.map { origin + Double($0) * timeBase } ?? origin + Double(startTicks ?? 0) * timeBase + t
        }
        let d = DecodedFrame(index: stats.framesDecoded + stats.framesNotDecoded, mediaTime: t, sourceWidth: Int(f.width),
                             sourceHeight: Int(f.height), corrupt: corrupt, scaled: scale, captureWallTime: wall)
        stats.framesDecoded += 1
        return d
    }
}

private func av_frame_free_wrapper(_ f: UnsafeMutablePointer<AVFrame>) {
    var p: UnsafeMutablePointer<AVFrame>? = f
    av_frame_free(&p)
}
