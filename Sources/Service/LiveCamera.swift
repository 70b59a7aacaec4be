import Analysis
import Config
import Detection
import Foundation
import Ingest
import Logging
import Media
import Recording
import Ring
import Sinks
import Synchronization
import VigilCore

/// Options of one live camera that only a restart changes (see `CameraSettings` for what a reload applies in
/// place).
public struct LiveCameraOptions: Sendable, Equatable {
    public var name: String
    public var url: String
    public var rtspTransport: RTSPTransport = .tcp
    public var stream: StreamConfig = .init()
    public var analysisHeight: Int = 120
    public var decoderThreads: Int = 1
    /// The object detectors (`detect.model`/`detect.models`, label names, score threshold): a change restarts
    /// the camera.
    public var models: [String] = []
    public var labelNames: [String]? = nil
    public var minScore: Float? = nil
    /// The tracker behind the detector.
    public var track: TrackConfig = .init()
    /// Height of the RGB picture handed to the detector (never above the source's).
    public var detectHeight: Int = 480
    /// Extra time spent on every analysed frame, seconds: stands in for a slow detector in tests and in
    /// `vigil bench pipeline` (0 in the daemon).
    public var simulatedAnalysisSeconds: Double = 0

    public init(name: String, url: String) { self.name = name; self.url = url }

    /// The options of a configured camera.
    public init(_ camera: CameraConfig, config: VigilConfig) {
        self.init(name: camera.name, url: camera.url)
        rtspTransport = camera.rtspTransport
        stream = config.stream
        analysisHeight = camera.motion.frameHeight
        // One decoder thread per stream by default: cameras run in parallel, frame threading adds latency.
        decoderThreads = config.decoder.threads == 0 ? 1 : config.decoder.threads
        models = camera.detect.modelNames
        labelNames = camera.detect.labelNames
        minScore = camera.detect.minScore
        track = config.track
    }

    /// libavformat options: transport and socket timeouts (microseconds) by scheme; the interrupt callback
    /// bounds everything else.
    public var formatOptions: [String: String] {
        let readMicros = String(Int(stream.readTimeoutSeconds * 1e6))
        let lower = url.lowercased()
        if lower.hasPrefix("rtsp://") || lower.hasPrefix("rtsps://") {
            return ["rtsp_transport": rtspTransport.rawValue, "timeout": readMicros]
        }
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            return ["rw_timeout": readMicros]
        }
        return [:]
    }
}

/// Where a live camera's ingest thread is: waiting out a backoff, opening the stream, or streaming (the
/// no-frames watchdog only looks at a streaming camera).
public enum CameraPhase: Int, Sendable {
    case waiting, opening, streaming
}

/// One live camera: an ingest thread (connect, decode, decimate to `detect.fps`, scale into pooled buffers,
/// push into a drop-oldest ring; on any failure report it and reconnect with capped exponential backoff and
/// jitter) and an analysis thread (the camera's `CameraAnalyzer`: motion, tamper, detector and tracker, rules,
/// snapshots; alerts and frame summaries to the daemon's `AlertHub`). A camera never waits for another:
/// its threads, ring, pool and source are its own; the hub is the only meeting point.
///
/// A stream that ends (EOF), fails, or delivers no frame for `no_frames_timeout_s` (the watchdog, run by the
/// daemon's supervisor through `checkWatchdog`) is a disconnect: `stream_down` once per outage, `stream_error`
/// for every failed reconnect, `stream_up` at the first frame of each session.
///
/// Thread safety: `start`, `stop`, `join`, `updateSettings`, `checkWatchdog`, `health`, `metrics` from any
/// thread (the daemon's). The ingest-side state below is touched by the ingest thread only, the analysis
/// state by the analysis thread only; they meet in the ring, the settings box and atomics.
public final class LiveCamera: @unchecked Sendable {  // unchecked: thread-confined state, as documented above
    public let options: LiveCameraOptions
    public let camera: CameraID
    public let metrics = CameraMetrics()
    /// Recording's counters (clips, bytes, drops, disk full).
    public let recording = RecordingCounters()
    /// The camera's pre-roll: filled by the ingest thread, taken by the recorder on the analysis thread.
    let preRoll: PreRollBuffer
    let settings: CameraSettingsBox
    let hub: AlertHub
    let logger: Logger
    /// The camera's ring and frame pools (drop-oldest: live never falls behind).
    let ingest: FrameIngest
    /// The camera's detectors (nil: motion and tamper only), shared with the cameras using the same models and
    /// run on the daemon's one inference pool.
    public let detectors: DetectorBank?
    /// The camera's detection stage: made here, then used by the analysis thread alone (handed over at start).
    private let detection: DetectionStage?
    /// Where the detector looked, for metrics (nil without detectors).
    public var detectionStats: DetectionStats? { detection?.stats }

    private let stopping = Atomic<Bool>(false)
    /// The guard of the connection in progress; replaced per attempt (a cancelled guard stays cancelled).
    private let currentGuard = Mutex<InterruptGuard?>(nil)
    private let watchdogFired = Atomic<Bool>(false)
    /// A `CameraPhase`'s raw value.
    private let phase = Atomic<Int>(CameraPhase.waiting.rawValue)
    private let phaseSince = Atomic<UInt64>(0)
    private let lastFrame = Atomic<UInt64>(0)
    private let ingestHeartbeat = Atomic<UInt64>(0)
    private let analysisBusySince = Atomic<UInt64>(0)
    private let finished = DispatchGroup()
    /// Run-time switches (MQTT), kept by the daemon across restarts of this camera.
    private let switches: CameraSwitches?
    /// Heartbeats, the watchdog, backoff sleeps and latencies run on it (tests: a virtual clock).
    let clock: any TickingClock
    /// The latest picture, copied while someone watches (the API).
    public let picture = PictureSlot()
    /// Why the stream is down (nil while up or before the first attempt), and the source size once up (w, h).
    private let downReason = Mutex<String?>(nil)
    private let sourceSize = Mutex<(Int, Int)?>(nil)

    public init(options: LiveCameraOptions, settings: CameraSettings, hub: AlertHub, logger: Logger,
                detectors: DetectorBank? = nil, switches: CameraSwitches? = nil, clock: any TickingClock = SystemClock()) {
        self.options = options
        self.switches = switches
        self.clock = clock
        self.detectors = detectors
        detection = detectors.map {
            DetectionStage(detectors: $0, camera: CameraID(options.name), clock: .wall,
                           detect: settings.analysis.detect, track: options.track)
        }
        self.camera = CameraID(options.name)
        self.settings = CameraSettingsBox(settings)
        self.hub = hub
        var l = logger
        l[metadataKey: "camera"] = .string(options.name)
        self.logger = l
        var ingestOptions = IngestOptions(camera: camera)
        ingestOptions.ringCapacity = options.stream.ringCapacity
        ingestOptions.policy = .dropOldest
        ingestOptions.spareBuffers = 3
        ingestOptions.detectHeight = detectors == nil ? nil : options.detectHeight
        ingest = FrameIngest(ingestOptions)
        let record = settings.record
        preRoll = PreRollBuffer(preRollSeconds: record.preRollSeconds, maxBytes: record.preRollMaxBytes)
        preRoll.configure(preRollSeconds: record.preRollSeconds, maxBytes: record.preRollMaxBytes,
                          enabled: record.enabled)
        metrics.ringCapacity.store(ingest.ring.capacity, ordering: .relaxed)
    }

    public func start() {
        let now = clock.nanoseconds()
        ingestHeartbeat.store(now, ordering: .relaxed)
        phaseSince.store(now, ordering: .relaxed)
        finished.enter()
        finished.enter()
        let ingest = Thread { [self] in ingestBody(); finished.leave() }
        ingest.name = "vigil-in-\(options.name)"
        let analysis = Thread { [self] in analysisBody(); finished.leave() }
        analysis.name = "vigil-an-\(options.name)"
        ingest.start()
        analysis.start()
    }

    /// Stops reading (interrupting any blocking I/O); the analysis thread drains the ring and ends open events.
    public func stop() {
        stopping.store(true, ordering: .relaxed)  // relaxed: polled; the guard's cancel interrupts I/O at once
        currentGuard.withLock { $0?.cancel() }
    }

    /// Waits until both threads have ended, at most `timeout` seconds. True when they did.
    public func join(timeout: Double) -> Bool {
        finished.wait(timeout: .now() + timeout) == .success
    }

    public func updateSettings(_ s: CameraSettings) { settings.update(s) }
    public var currentSettings: CameraSettings { settings.current }

    /// The no-frames watchdog: a streaming session without a frame for `no_frames_timeout_s` is interrupted
    /// (the ingest thread then reconnects). Called periodically by the daemon.
    public func checkWatchdog() {
        guard phase.load(ordering: .relaxed) == CameraPhase.streaming.rawValue else { return }
        let since = max(lastFrame.load(ordering: .relaxed), phaseSince.load(ordering: .relaxed))
        if clock.seconds(since: since) > options.stream.noFramesTimeoutSeconds {
            // The flag is set before the cancel, so the ingest thread that sees the interruption sees the flag.
            watchdogFired.store(true, ordering: .sequentiallyConsistent)
            currentGuard.withLock { $0?.cancel() }
        }
    }

    /// A stage that stopped making progress, or nil when both threads are alive (the sd watchdog's test).
    public func health() -> String? {
        let s = options.stream
        let ingestBound = max(s.openTimeoutSeconds, s.readTimeoutSeconds, s.noFramesTimeoutSeconds) + 5
        let hb = clock.seconds(since: ingestHeartbeat.load(ordering: .relaxed))
        if hb > ingestBound { return "\(options.name): ingest stuck for \(Int(hb)) s" }
        let busy = analysisBusySince.load(ordering: .relaxed)
        if busy != 0, clock.seconds(since: busy) > 10 {
            return "\(options.name): analysis stuck for \(Int(clock.seconds(since: busy))) s"
        }
        return nil
    }

    public var isUp: Bool { metrics.up.load(ordering: .relaxed) == 1 }

    /// `up`, `reconnecting` (opening a connection) or `down` (waiting to retry).
    public var streamState: String {
        isUp ? "up" : phase.load(ordering: .relaxed) == CameraPhase.opening.rawValue ? "reconnecting" : "down"
    }
    /// Why the stream went down, while it is.
    public var lastError: String? { isUp ? nil : downReason.withLock { $0 } }
    /// The source picture size, once the stream was up.
    public var sourcePictureSize: (width: Int, height: Int)? { sourceSize.withLock { $0 }.map { ($0.0, $0.1) } }
    /// Wall-clock time of the last decoded frame (seconds since the epoch), nil before the first.
    public var lastFrameWallTime: Double? {
        let t = lastFrame.load(ordering: .relaxed)
        guard t != 0 else { return nil }
        return Date().timeIntervalSince1970 - MonotonicClock.seconds(since: t)
    }

    // MARK: - Ingest thread

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    private func setPhase(_ p: CameraPhase) {
        let now = clock.nanoseconds()
        phaseSince.store(now, ordering: .relaxed)
        phase.store(p.rawValue, ordering: .relaxed)
        ingestHeartbeat.store(now, ordering: .relaxed)
    }

    private func streamAlert(_ event: String, _ severity: Severity, frame: Int, mediaTime: Double,
                             _ details: [(String, JSONValue)]) -> Alert {
        Alert(timestamp: AlertClock.wall.timestamp(mediaTime: mediaTime), mediaTime: mediaTime, frame: frame,
              camera: camera, event: event, severity: severity, details: details)
    }

    /// The ingest thread's memory across connections.
    private struct IngestState {
        var backoff: Backoff
        var decimator: FrameDecimator
        var seenGeneration: Int
        var up = false, downReported = false
        var downSince: UInt64 = 0
        var attempts = 0, everAttempted = false
        /// Frame numbers and media time keep increasing across reconnects.
        var frameCounter = 0
        /// The session's frames not decoded (`skip_frame`) already counted into `frameCounter`.
        var notDecodedCounted = 0
        var mediaOffset = 0.0, lastMediaTime = 0.0
        var lastFrameWall: UInt64 = 0
    }

    private var sourceOptions: SourceOptions {
        var o = SourceOptions()
        o.threads = options.decoderThreads
        o.analysisHeight = options.analysisHeight
        o.openTimeout = options.stream.openTimeoutSeconds
        o.readTimeout = options.stream.readTimeoutSeconds
        o.formatOptions = options.formatOptions
        // A live frame without a pts is dated by its arrival, never by the frame rate the stream declares.
        o.arrivalClock = { Double(MonotonicClock.nanoseconds()) / 1e9 }
        o.keepAudio = settings.current.record.enabled && settings.current.record.audio
        return o
    }

    /// Connect, stream, and on any failure report it and reconnect after a backoff, until `stop`.
    private func ingestBody() {
        let s = options.stream
        var state = IngestState(backoff: Backoff(initial: s.reconnectInitialSeconds, maximum: s.reconnectMaxSeconds,
                                                 jitter: s.reconnectJitter),
                                decimator: FrameDecimator(fps: settings.current.detectFPS),
                                seenGeneration: settings.generation)
        state.downSince = clock.nanoseconds()
        while !isStopping {
            let interrupt = InterruptGuard()
            currentGuard.withLock { $0 = interrupt }
            if isStopping { break }  // stop() may have cancelled the previous guard only
            watchdogFired.store(false, ordering: .sequentiallyConsistent)
            if state.everAttempted { metrics.reconnects.wrappingAdd(1, ordering: .relaxed) }
            state.everAttempted = true
            state.attempts += 1
            setPhase(.opening)
            logger.debug("connecting", metadata: ["url": .string(URLRedaction.redact(options.url)),
                                                  "attempt": .stringConvertible(state.attempts)])
            var reason = "end of stream"
            do {
                try stream(VideoSource(url: options.url, options: sourceOptions, interrupt: interrupt), &state)
            } catch {
                reason = URLRedaction.redact("\(error)")
            }
            if watchdogFired.load(ordering: .sequentiallyConsistent) {
                reason = "no frames for \(JSONValue.format(s.noFramesTimeoutSeconds)) s"
            }
            setPhase(.waiting)
            downReason.withLock { $0 = reason }
            if isStopping { break }
            waitBeforeReconnect(reason: reason, &state)
        }
        metrics.up.store(0, ordering: .relaxed)
        ingest.finish()
    }

    /// One session: frames of `source` into the ring until it ends, fails or the camera stops.
    private func stream(_ source: VideoSource, _ state: inout IngestState) throws {
        ingest.begin(source)
        state.decimator.reset()
        state.notDecodedCounted = 0
        if state.lastFrameWall != 0 {
            state.mediaOffset = state.lastMediaTime + clock.seconds(since: state.lastFrameWall)
        }
        source.packetTimeOffset = state.mediaOffset
        observePackets(source)
        setPhase(.streaming)
        logger.debug("opened", metadata: ["codec": .string(source.info.codec),
                                          "size": .string("\(source.info.width)x\(source.info.height)")])
        while !isStopping {
            let g = settings.generation
            if g != state.seenGeneration {
                state.seenGeneration = g
                state.decimator.setFPS(settings.current.detectFPS)
                observePackets(source)
            }
            let cpu0 = ThreadCPUClock.nanoseconds()
            let before = source.stats
            let step = try ingest.step(source, now: { clock.nanoseconds() }, admit: { state.decimator.admit($0) },
                                       discard: { state.decimator.certainlyDrops($0) },
                                       stamp: { decoded($0, source, &state) })
            chargeIngest(since: cpu0, before: before, after: source.stats)
            switch step {
            case .pushed: break
            case .pushedDroppingOldest, .noBuffer: metrics.framesDropped.wrappingAdd(1, ordering: .relaxed)
            case .skipped: metrics.framesSkipped.wrappingAdd(1, ordering: .relaxed)
            case .end, .closed: return
            }
            metrics.ringOccupancy.store(ingest.ring.count, ordering: .relaxed)
        }
    }

    /// The ingest thread's CPU time of one step: scaling as the source measured it, the rest decoding; frames
    /// the decoder was told to skip count as skipped.
    private func chargeIngest(since cpu0: UInt64, before: SourceStats, after: SourceStats) {
        let scale = after.scaleCPUNanoseconds &- before.scaleCPUNanoseconds
        let total = ThreadCPUClock.nanoseconds() &- cpu0
        metrics.stages.add(.scale, scale)
        metrics.stages.add(.decode, total > scale ? total - scale : 0)
        let notDecoded = after.framesNotDecoded - before.framesNotDecoded
        if notDecoded > 0 {
            metrics.framesNotDecoded.wrappingAdd(notDecoded, ordering: .relaxed)
            metrics.framesSkipped.wrappingAdd(notDecoded, ordering: .relaxed)
        }
    }

    /// Hands the source's packets to the pre-roll while recording is on (no packet copies while it is off).
    private func observePackets(_ source: VideoSource) {
        let buffer = preRoll
        source.packetObserver = settings.current.record.enabled ? { buffer.append($0) } : nil
    }

    /// Every decoded frame: its number and media time on the camera's running clock, the liveness stamps, and
    /// `stream_up` at the first frame of a session.
    private func decoded(_ d: DecodedFrame, _ source: VideoSource, _ state: inout IngestState) -> (index: Int, mediaTime: Double) {
        let now = clock.nanoseconds()
        lastFrame.store(now, ordering: .relaxed)
        ingestHeartbeat.store(now, ordering: .relaxed)
        metrics.framesDecoded.wrappingAdd(1, ordering: .relaxed)
        let mediaTime = state.mediaOffset + d.mediaTime
        state.lastMediaTime = mediaTime
        state.lastFrameWall = now
        // Frames the decoder skipped keep their numbers: an index is a frame's place in the stream.
        state.frameCounter += source.stats.framesNotDecoded - state.notDecodedCounted
        state.notDecodedCounted = source.stats.framesNotDecoded
        let index = state.frameCounter
        state.frameCounter += 1
        if !state.up {
            state.up = true
            metrics.up.store(1, ordering: .relaxed)
            var details: [(String, JSONValue)] = [("attempts", .int(state.attempts))]
            if state.downReported {
                details.append(("down_s", .double(JSONValue.rounded(Double(now &- state.downSince) / 1e9, places: 3))))
            }
            details.append(("codec", .string(source.info.codec)))
            details.append(("width", .int(source.info.width)))
            details.append(("height", .int(source.info.height)))
            sourceSize.withLock { $0 = (source.info.width, source.info.height) }
            hub.send(streamAlert("stream_up", .info, frame: index, mediaTime: mediaTime, details))
            logger.info("stream up", metadata: ["attempts": .stringConvertible(state.attempts)])
            state.downReported = false
            state.attempts = 0
            state.backoff.reset()
        }
        return (index, mediaTime)
    }

    /// `stream_down` once per outage (then `stream_error` per failed attempt), then the backoff delay, slept in
    /// slices so that `stop` is noticed within 50 ms and the heartbeat shows the thread alive.
    private func waitBeforeReconnect(reason: String, _ state: inout IngestState) {
        let now = clock.nanoseconds()
        let delay = state.backoff.nextDelay(random: Double.random(in: 0..<1))
        let details: [(String, JSONValue)] = [("reason", .string(reason)), ("attempts", .int(state.attempts)),
                                              ("retry_in_s", .double(JSONValue.rounded(delay, places: 3)))]
        let retry: Logger.Metadata = ["retry_in_s": .string(String(format: "%.2f", delay))]
        if state.up || !state.downReported {
            state.up = false
            state.downReported = true
            state.downSince = now
            metrics.up.store(0, ordering: .relaxed)
            hub.send(streamAlert("stream_down", .critical, frame: state.frameCounter, mediaTime: state.lastMediaTime, details))
            logger.warning("stream down: \(reason)", metadata: retry)
        } else {
            hub.send(streamAlert("stream_error", .warning, frame: state.frameCounter, mediaTime: state.lastMediaTime, details))
            logger.notice("reconnect failed: \(reason)", metadata: retry)
        }
        let until = now + UInt64(delay * 1e9)
        while !isStopping, clock.nanoseconds() < until {
            ingestHeartbeat.store(clock.nanoseconds(), ordering: .relaxed)
            clock.sleep(nanoseconds: min(50_000_000, until &- min(until, clock.nanoseconds())))
        }
    }

    // MARK: - Analysis thread

    private func analysisBody() {
        let logger = self.logger
        let analyzer = CameraAnalyzer(camera: camera, clock: .wall, settings: settings.current.analysis,
                                      detection: detection, report: { logger.warning("\($0)") })
        analyzer.switches = switches
        analyzer.stageTimes = metrics.stages
        let record = settings.current.record
        let recorder = Recorder(
            camera: camera, config: record, clock: .wall, buffer: preRoll,
            writer: RecordWriter(cameraDirectory: Recorder.cameraDirectory(record, camera: camera),
                                 capacity: record.queuePackets, policy: .drop, minFreeBytes: record.minFreeBytes,
                                 idleClose: 3, counters: recording, report: { logger.warning("recording: \($0)") }))
        var seenGeneration = settings.generation
        var session = 0
        let cost = options.simulatedAnalysisSeconds
        while let lf = ingest.ring.pop() {
            let t0 = clock.nanoseconds()
            analysisBusySince.store(t0, ordering: .relaxed)
            let g = settings.generation
            if g != seenGeneration {
                seenGeneration = g
                analyzer.apply(settings.current.analysis)
                recorder.apply(settings.current.record)
                logger.debug("settings applied")
            }
            if lf.session != session {
                if session != 0 { analyzer.resetAfterReconnect() }
                session = lf.session
            }
            let result = analyzer.analyze(lf.frame)
            let sinks0 = ThreadCPUClock.nanoseconds()
            picture.offer(lf.frame)
            var alerts = result.alerts
            if let error = result.detectorError {
                // The detector failed on a frame it accepted at load time: motion, tamper and stream health go
                // on for this camera; detection stays off until the camera restarts. Said once.
                alerts.append(Alert(timestamp: AlertClock.wall.timestamp(mediaTime: lf.frame.mediaTime),
                                    mediaTime: lf.frame.mediaTime, frame: lf.frame.index, camera: camera,
                                    event: "detector_error", severity: .critical,
                                    details: [("reason", .string("\(error)"))]))
                logger.error("detector failed, detection off for this camera: \(error)")
            }
            recorder.process(&alerts, mediaTime: lf.frame.mediaTime)
            if cost > 0 { usleep(UInt32(cost * 1e6)) }
            metrics.analysisSeconds.observe(clock.seconds(since: t0))
            // Counters first: whoever sees an alert (its snapshot) sees it counted.
            let c = analyzer.counters
            metrics.detectorFrames.store(c.detectorFrames, ordering: .relaxed)
            metrics.snapshotsWritten.store(c.snapshotsWritten, ordering: .relaxed)
            metrics.snapshotErrors.store(c.snapshotErrors, ordering: .relaxed)
            hub.send(alerts)
            if hub.wantsFrames { hub.publish(frame: analyzer.summary(of: lf.frame, alerts: alerts.count)) }
            metrics.stages.charge(.sinks, since: sinks0)
            metrics.frameLatencySeconds.observe(clock.seconds(since: lf.decodedAt))
            if let captured = lf.captureWallTime {
                metrics.observeGlass(captured: captured, now: AlertClock.wall.timestamp(mediaTime: 0), alerts: !alerts.isEmpty)
            }
            metrics.framesAnalyzed.wrappingAdd(1, ordering: .relaxed)
            lf.release()
            metrics.ringOccupancy.store(ingest.ring.count, ordering: .relaxed)
            analysisBusySince.store(0, ordering: .relaxed)
        }
        var last = analyzer.finish()
        recorder.finish(&last)
        metrics.snapshotsWritten.store(analyzer.counters.snapshotsWritten, ordering: .relaxed)
        metrics.snapshotErrors.store(analyzer.counters.snapshotErrors, ordering: .relaxed)
        hub.send(last)
    }
}
