import Config
import Detection
import Foundation
import Media
import Motion
import Ring
import Rules
import Sinks
import Synchronization
import VigilCore

/// One replay with its own hub around `record` (the alert log or standard output): runs it, then lets any
/// sinks added to the hub drain. The convenience for tests and tools with no other sink.
extension ReplayPipeline {
    public static func run(_ options: ReplayOptions, sink record: any AlertSink,
                           progress: ((ReplayProgress) -> Void)? = nil) throws -> RunStats {
        let hub = AlertHub(record: record)
        defer { hub.close(timeout: 10) }
        return try run(options, hub: hub, progress: progress)
    }
}

/// What to replay and how.
public struct ReplayOptions: Sendable {
    public var input: String
    public var camera: CameraID
    /// Motion, tamper, detector filters, zones, lines and snapshots of this camera.
    public var analysis: AnalysisSettings = .init()
    public var decoderThreads: Int = 0
    /// `ts` of media time 0, seconds since the epoch; nil: the file's creation_time, else the epoch.
    public var startTime: Double? = nil
    /// Frames in flight between the ingest thread and analysis.
    public var ringCapacity: Int = 8
    /// Object detectors (nil: motion and tamper only), with the `track:` settings their tracker runs under.
    public var detectors: DetectorBank? = nil
    public var track: TrackConfig = .init()
    /// One-line problems that do not stop the replay (snapshots that cannot be written).
    public var report: @Sendable (String) -> Void = { _ in }
    /// Height of the RGB picture handed to the detector (never above the source's).
    public var detectHeight: Int = 480

    public init(input: String, camera: CameraID) { self.input = input; self.camera = camera }
}

/// Progress of a replay, reported a few times a second.
public struct ReplayProgress: Sendable {
    public var frame: Int
    public var mediaTime: Double
    public var duration: Double?
    public var framesPerSecond: Double
}

/// Analyses a recorded file start to end without dropping a frame: an ingest thread decodes and scales into
/// pooled buffers and pushes them through a blocking SPSC ring; the calling thread runs the camera's
/// `CameraAnalyzer` (motion, tamper, detector and tracker, rules, snapshots) and publishes alerts (and frame
/// summaries, for sinks that want them) through `hub`. Output depends only on the input and the options, never
/// on timing. The caller closes the hub (draining its sinks) when it is done with it.
public enum ReplayPipeline {
    public static func run(_ options: ReplayOptions, hub: AlertHub,
                           progress: ((ReplayProgress) -> Void)? = nil) throws -> RunStats {
        let started = monotonicSeconds()
        var sourceOptions = SourceOptions()
        sourceOptions.threads = options.decoderThreads
        sourceOptions.analysisHeight = options.analysis.motion.frameHeight
        let source = try VideoSource(url: options.input, options: sourceOptions)
        let clock = AlertClock.media(start: options.startTime ?? source.info.creationTime ?? 0)

        let ring = SPSCRing<Frame>(capacity: options.ringCapacity, policy: .block)
        let pool = BufferPool(count: ring.capacity + 2, width: source.analysisWidth, height: source.analysisHeight,
                              format: .gray8)
        let rgbPool = options.detectors.map { _ -> BufferPool in
            let (w, h) = VideoSource.analysisSize(width: source.info.width, height: source.info.height,
                                                  targetHeight: options.detectHeight)
            return BufferPool(count: ring.capacity + 2, width: w, height: h, format: .rgb24)
        }
        let ingest = IngestThread(source: source, ring: ring, pool: pool, rgbPool: rgbPool, camera: options.camera)
        ingest.start()

        let detection = options.detectors.map {
            DetectionStage(detectors: $0, camera: options.camera, clock: clock, detect: options.analysis.detect,
                           track: options.track)
        }
        let analyzer = CameraAnalyzer(camera: options.camera, clock: clock, settings: options.analysis,
                                      detection: detection, report: options.report)
        var stats = RunStats()
        var lastProgress = started
        var sinkError: (any Error)? = nil
        var detectError: (any Error)? = nil

        func emit(_ alerts: [Alert]) {
            guard sinkError == nil else { return }
            do { stats.alerts += try hub.publish(alerts) } catch { sinkError = error }
        }

        while let frame = ring.pop() {
            let alerts = analyzer.analyze(frame)
            emit(alerts)
            if hub.wantsFrames { hub.publish(frame: analyzer.summary(of: frame, alerts: alerts.count)) }
            if let e = analyzer.detectorError { detectError = e }
            stats.framesAnalyzed += 1
            let t = frame.mediaTime, index = frame.index
            pool.recycle(frame.gray)
            if let rgb = frame.rgb { rgbPool?.recycle(rgb) }
            if sinkError != nil || detectError != nil {  // nowhere to write or no detector: stop reading
                source.interrupt.cancel()
                pool.close()
                rgbPool?.close()
                while let f = ring.pop() {
                    pool.recycle(f.gray)
                    if let rgb = f.rgb { rgbPool?.recycle(rgb) }
                }
                break
            }
            if let progress {
                let now = monotonicSeconds()
                if now - lastProgress >= 0.25 {
                    lastProgress = now
                    progress(ReplayProgress(frame: index, mediaTime: t, duration: source.info.duration,
                                            framesPerSecond: Double(stats.framesAnalyzed) / (now - started)))
                }
            }
        }
        emit(analyzer.finish())
        let ingestResult = ingest.join()
        if let sinkError { throw sinkError }
        if let detectError { throw ReplayError(cause: detectError, stats: stats) }
        try hub.flush()
        stats.alertsDropped = hub.droppedTotal
        stats.framesDecoded = ingestResult.stats.framesDecoded
        stats.source = ingestResult.stats
        stats.wallSeconds = monotonicSeconds() - started
        if let error = ingestResult.error { throw ReplayError(cause: error, stats: stats) }
        if stats.framesDecoded == 0 {
            throw FFmpegError(code: 0, operation: "decode", input: options.input,
                              reason: "no video frame could be decoded")
        }
        return stats
    }
}

/// A replay that ended with an error after some frames were analysed (their alerts are written).
public struct ReplayError: UserFacingError {
    public var cause: any Error
    public var stats: RunStats
    public var exitStatus: ExitStatus { (cause as? any UserFacingError)?.exitStatus ?? .failure }
    public var description: String { "\(cause) (after \(stats.framesDecoded) frames)" }
}

/// The ingest side of a replay: decode + scale into pooled buffers, push into the ring, close it at the end.
///
/// Thread safety: `start` and `join` from the owning thread; the body runs on its own thread and touches the
/// source, the pool's producer side and the ring's producer side only.
final class IngestThread: @unchecked Sendable {  // unchecked: the source and producer roles are used by the thread alone; results cross through `done`
    struct Result: Sendable {
        var stats: SourceStats
        var error: (any Error)?
    }

    let source: VideoSource
    let ring: SPSCRing<Frame>
    let pool: BufferPool
    /// RGB pictures for the detector (nil: no detector).
    let rgbPool: BufferPool?
    let camera: CameraID
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Result?>(nil)

    init(source: VideoSource, ring: SPSCRing<Frame>, pool: BufferPool, rgbPool: BufferPool? = nil, camera: CameraID) {
        self.source = source; self.ring = ring; self.pool = pool; self.rgbPool = rgbPool; self.camera = camera
    }

    func start() {
        let t = Thread { [self] in body() }
        t.name = "vigil-ingest-\(camera.name)"
        t.start()
    }

    private func body() {
        var error: (any Error)? = nil
        do {
            while let buffer = pool.takeWaiting() {
                var rgb: PixelBuffer? = nil
                if let rgbPool {
                    guard let b = rgbPool.takeWaiting() else { pool.reuse(buffer); break }
                    rgb = b
                }
                guard let d = try source.next(into: buffer, rgb: rgb) else {
                    pool.reuse(buffer)
                    if let rgb { rgbPool?.reuse(rgb) }
                    break
                }
                var frame = Frame(camera: camera, index: d.index, mediaTime: d.mediaTime,
                                  sourceWidth: d.sourceWidth, sourceHeight: d.sourceHeight, gray: buffer)
                frame.rgb = rgb
                if case .closed(let f) = ring.push(frame) {
                    pool.reuse(f.gray)
                    if let rgb = f.rgb { rgbPool?.reuse(rgb) }
                    break
                }
            }
        } catch let e {
            error = source.interrupt.isCancelled ? nil : e
        }
        ring.close()
        let stats = source.stats
        result.withLock { $0 = Result(stats: stats, error: error) }
        done.signal()
    }

    func join() -> Result {
        done.wait()
        return result.withLock { $0! }
    }
}
