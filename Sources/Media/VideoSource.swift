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

    private var flushing = false
    private var finished = false
    private var timeline: MediaTimeline
    private let timeBase: Double
    private let startTicks: Int64?

    public init(url: String, options: SourceOptions = SourceOptions(), interrupt: InterruptGuard = InterruptGuard())
        throws {
        self.options = options
        self.interrupt = interrupt
        demuxer = try Demuxer(url: url, options: options.formatOptions, interrupt: interrupt,
                              openTimeout: options.openTimeout)
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
    public func next(into buffer: PixelBuffer?, rgb: PixelBuffer?, scaling wanted: (Double) -> Bool = { _ in true })
        throws -> DecodedFrame? {
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
                finished = true
                return nil
            case .again:
                if flushing {  // a decoder that has nothing left but does not say EOF
                    finished = true
                    return nil
                }
                try feed()
            }
        }
    }

    /// Reads one packet and sends it to the decoder; at the end of input starts the flush.
    private func feed() throws {
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
                stats.packetsRead += 1
                do {
                    _ = try decoder.send(packet.pointer)
                } catch let e as FFmpegError where e.exitStatus == .dataError {
                    stats.decodeErrors += 1  // a damaged packet: skip it, the next key frame recovers
                }
                return
            }
        }
    }

    private func st2Flush() {
        flushing = true
        _ = try? decoder.send(nil)
    }

    private func deliver(into buffer: PixelBuffer?, rgb: PixelBuffer?, wanted: (Double) -> Bool) throws -> DecodedFrame {
        let f = frame.pointee
        let pts = f.best_effort_timestamp
        let ptsTicks = pts == vigil_nopts_value() ? nil : pts
        let t = timeline.time(pts: ptsTicks.map { Double($0 - (startTicks ?? 0)) * timeBase },
                              arrival: options.arrivalClock?())
        let scale = wanted(t)
        if scale, let buffer { try scaler.scale(frame, into: buffer, input: demuxer.url) }
        if scale, let rgb { try rgbScaler.scale(frame, into: rgb, input: demuxer.url) }
        let corrupt = (f.flags & AV_FRAME_FLAG_CORRUPT) != 0 || f.decode_error_flags != 0
        if corrupt { stats.corruptFrames += 1 }
        // The wall clock at pts 0, plus the frame's own pts; a frame without one gets the wall clock of its
        // estimated media time (plus the stream's start), like the media time itself.
        let wall = demuxer.startTimeRealtime.map { origin in
            ptsTicks.map { origin + Double($0) * timeBase } ?? origin + Double(startTicks ?? 0) * timeBase + t
        }
        let d = DecodedFrame(index: stats.framesDecoded, mediaTime: t, sourceWidth: Int(f.width),
                             sourceHeight: Int(f.height), corrupt: corrupt, scaled: scale, captureWallTime: wall)
        stats.framesDecoded += 1
        return d
    }
}

private func av_frame_free_wrapper(_ f: UnsafeMutablePointer<AVFrame>) {
    var p: UnsafeMutablePointer<AVFrame>? = f
    av_frame_free(&p)
}
