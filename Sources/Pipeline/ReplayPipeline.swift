import Analysis
import Config
import Detection
import Foundation
import Ingest
import Media
import Motion
import Ring
import Recording
import Rules
import Sinks
import Synchronization
import VigilCore

/// One replay with its own hub around `record` (the alert log or standard output): runs it, then lets any
/// sinks added to the hub drain. The convenience for tests and tools with no other sink.
extension ReplayPipeline {
    public static func run(_ options: ReplayOptions, sink record: any AlertSink,
                           progress: ((ReplayProgress) -> Void)? = nil,
                           observer: (any ReplayObserver)? = nil) throws -> RunStats {
        let hub = AlertHub(record: record)
        defer { hub.close(timeout: 10) }
        return try run(options, hub: hub, progress: progress, observer: observer)
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
    /// Event clips and continuous segments (off by default): written like the daemon writes them, and the
    /// same input and config give the same files and the same `clip` in every alert.
    public var record: RecordConfig = .init()
    /// Make that RGB picture even without a detector (an observer draws on it).
    public var wantsPicture = false

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
    /// `observer`, when given, sees every analysed frame's report and picture (before the picture goes back to
    /// its pool); an error it throws ends the replay like a sink error.
    public static func run(_ options: ReplayOptions, hub: AlertHub,
                           progress: ((ReplayProgress) -> Void)? = nil,
                           observer: (any ReplayObserver)? = nil) throws -> RunStats {
        let started = MonotonicClock.seconds()
        let (source, clock, recorder) = try open(options)
        var ingestOptions = IngestOptions(camera: options.camera)
        ingestOptions.ringCapacity = options.ringCapacity
        ingestOptions.policy = .block
        ingestOptions.detectHeight = options.detectors == nil && !options.wantsPicture ? nil : options.detectHeight
        let ingest = FrameIngest(ingestOptions)
        let reader = IngestThread(source: source, ingest: ingest)
        reader.start()

        let analyzer = CameraAnalyzer(camera: options.camera, clock: clock, settings: options.analysis,
                                      detection: options.detectors.map {
                                          DetectionStage(detectors: $0, camera: options.camera, clock: clock,
                                                         detect: options.analysis.detect, track: options.track)
                                      }, report: options.report)
        var stats = RunStats()
        var lastProgress = started
        var sinkError: (any Error)? = nil
        var detectError: (any Error)? = nil

        func emit(_ alerts: [Alert]) {
            guard sinkError == nil else { return }
            do { stats.alerts += try hub.publish(alerts) } catch { sinkError = error }
        }

        func stopReading() {
            source.interrupt.cancel()
            ingest.stop()
        }
        do {
            let (w, h) = VideoSource.analysisSize(width: source.info.width, height: source.info.height,
                                                  targetHeight: options.detectHeight)
            try observer?.start(width: w, height: h, framesPerSecond: source.info.framesPerSecond)
        } catch {
            sinkError = error
            stopReading()
        }
        while sinkError == nil, let item = ingest.ring.pop() {
            let frame = item.frame
            let result = analyzer.analyze(frame)
            var alerts = result.alerts
            recorder?.process(&alerts, mediaTime: frame.mediaTime)
            emit(alerts)
            if hub.wantsFrames { hub.publish(frame: analyzer.summary(of: frame, alerts: alerts.count)) }
            if let observer, sinkError == nil {
                do { try observer.observe(analyzer.report(frame, alerts: alerts), picture: frame.rgb) } catch { sinkError = error }
            }
            if let e = result.detectorError { detectError = e }
            stats.framesAnalyzed += 1
            item.release()
            if sinkError != nil || detectError != nil {  // nowhere to write or no detector: stop reading
                stopReading()
                break
            }
            if let progress, MonotonicClock.seconds() - lastProgress >= 0.25 {
                lastProgress = MonotonicClock.seconds()
                progress(ReplayProgress(frame: frame.index, mediaTime: frame.mediaTime, duration: source.info.duration,
                                        framesPerSecond: Double(stats.framesAnalyzed) / (lastProgress - started)))
            }
        }
        let ingestResult = reader.join()
        var last = analyzer.finish()
        recorder?.finish(&last)
        emit(last)
        if let observer {
            do { try observer.finish() } catch { if sinkError == nil { sinkError = error } }
        }
        stats.recording = recorder?.statsJSON
        if let sinkError { throw sinkError }
        if let detectError { throw ReplayError(cause: detectError, stats: stats) }
        return try conclude(stats, ingest: ingestResult, hub: hub, input: options.input, started: started)
    }

    /// The input opened for `options` (decoder threads, analysis height, audio kept for recording), the clock of
    /// the alerts' `ts` (`--start-time`, else the file's creation time, plus media time) and the recorder
    /// (nil: recording off), fed with the source's packets.
    static func open(_ options: ReplayOptions) throws -> (VideoSource, AlertClock, Recorder?) {
        var sourceOptions = SourceOptions()
        sourceOptions.threads = options.decoderThreads
        sourceOptions.analysisHeight = options.analysis.motion.frameHeight
        sourceOptions.keepAudio = options.record.enabled && options.record.audio
        let source = try VideoSource(url: options.input, options: sourceOptions)
        let clock = AlertClock.media(start: options.startTime ?? source.info.creationTime ?? 0)
        let report = options.report
        let recorder = options.record.enabled
            ? Recorder(camera: options.camera, config: options.record, clock: clock, queuePolicy: .block,
                       report: { report("recording: \($0)") })
            : nil
        if let buffer = recorder?.buffer { source.packetObserver = { buffer.append($0) } }
        return (source, clock, recorder)
    }

    /// The run's figures once the ingest thread ended; its error, or a file without a decodable frame, throws.
    static func conclude(_ analysed: RunStats, ingest: IngestThread.Result, hub: AlertHub, input: String,
                         started: Double) throws -> RunStats {
        var stats = analysed
        try hub.flush()
        stats.alertsDropped = hub.droppedTotal
        stats.framesDecoded = ingest.stats.framesDecoded
        stats.source = ingest.stats
        stats.wallSeconds = MonotonicClock.seconds() - started
        if let error = ingest.error { throw ReplayError(cause: error, stats: stats) }
        if stats.framesDecoded == 0 {
            throw FFmpegError(code: 0, operation: "decode", input: input, reason: "no video frame could be decoded")
        }
        return stats
    }
}

/// Sees every analysed frame of a replay on the replay's thread: `start` once with the size of the pictures,
/// `observe` per frame (the picture is the pooled RGB one, valid during the call, nil unless the options want
/// pictures or a detector runs), `finish` after the last.
///
/// Thread safety: every call comes from the one thread that runs the replay.
public protocol ReplayObserver: AnyObject {
    func start(width: Int, height: Int, framesPerSecond: Double) throws
    func observe(_ report: FrameReport, picture: PixelBuffer?) throws
    func finish() throws
}

/// A replay that ended with an error after some frames were analysed (their alerts are written).
public struct ReplayError: UserFacingError {
    public var cause: any Error
    public var stats: RunStats
    public var exitStatus: ExitStatus { (cause as? any UserFacingError)?.exitStatus ?? .failure }
    public var description: String { "\(cause) (after \(stats.framesDecoded) frames)" }
}

/// The ingest side of a replay: `FrameIngest.readAll` on its own thread, then the ring closed.
///
/// Thread safety: `start` and `join` from the owning thread; the body runs on its own thread and is the ingest's
/// only producer.
final class IngestThread: @unchecked Sendable {  // unchecked: the source and the producer side are used by the thread alone; results cross through `done`
    struct Result: Sendable {
        var stats: SourceStats
        var error: (any Error)?
    }

    let source: VideoSource
    let ingest: FrameIngest
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Result?>(nil)

    init(source: VideoSource, ingest: FrameIngest) {
        self.source = source; self.ingest = ingest
    }

    func start() {
        let t = Thread { [self] in body() }
        t.name = "vigil-ingest-\(ingest.options.camera.name)"
        t.start()
    }

    private func body() {
        var error: (any Error)? = nil
        do {
            try ingest.readAll(source)
        } catch let e {
            error = source.interrupt.isCancelled ? nil : e
        }
        ingest.finish()
        let stats = source.stats
        result.withLock { $0 = Result(stats: stats, error: error) }
        done.signal()
    }

    func join() -> Result {
        done.wait()
        return result.withLock { $0! }
    }
}
