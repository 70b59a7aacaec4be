import Config
import Detection
import Foundation
import Logging
import Sinks
import Synchronization
import VigilCore

/// `vigil run`: every enabled camera of the config as a `LiveCamera`, one shared alert sink, the Prometheus
/// text (served by the API), sd_notify, and a supervisor thread (no-frames watchdog, `STATUS=`, `WATCHDOG=1` while every
/// stage makes progress, a log line a minute). `reload` applies a new config file in place; `stop` drains and
/// flushes.
///
/// Alerts about the daemon itself (`config_reloaded`, `config_error`) carry the camera `*`, which no camera
/// can be named.
///
/// Thread safety: `start`, `reload` and `stop` from one control thread at a time (the signal queue), they
/// serialise on `control`; `renderMetrics`, `statusLine`, `cameraStates` and `runningConfig` from any thread.
/// The camera table and the running config are behind `lock`.
public final class Daemon: @unchecked Sendable {  // unchecked: mutable state is behind `lock`/`control`, see above
    public static let daemonCamera = CameraID("*")

    public let configPath: String
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let makeSink: @Sendable (AlertsConfig) throws -> any AlertSink
    private let control = NSLock()
    private let lock = NSLock()
    private var config: VigilConfig
    private var cameras: [String: LiveCamera] = [:]
    private var fps: [String: (decoded: Double, analyzed: Double)] = [:]
    /// Where every alert goes: the alert log, then each registered sink on its own queue (`addSink`).
    public let hub: AlertHub
    private let reloadsOK = Atomic<Int>(0)
    private let reloadsFailed = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let supervisorDone = DispatchSemaphore(value: 0)
    private var supervisorStarted = false  // under `control`
    /// The one inference pool of every camera's detectors (`detect.max_in_flight` at start), and the detector
    /// banks by model set: cameras with the same models share one bank (changed under `control` and `lock`,
    /// read under `lock`).
    private let inference: InferencePool
    private var banks: [String: DetectorBank] = [:]
    /// Called after a reload applied a new config, with the old and the new one (the API restarts its listeners
    /// when their addresses changed). Set before `start`.
    public var onReload: (@Sendable (VigilConfig, VigilConfig) -> Void)? = nil
    /// Extra per-frame analysis time for every camera (`vigil bench pipeline`, tests); 0 in production.
    public var simulatedAnalysisSeconds: Double = 0

    /// Opens the alert sink of `config` (throws when it cannot).
    public init(configPath: String, config: VigilConfig, logger: Logger,
                notifier: SystemdNotifier = SystemdNotifier(),
                makeSink: (@Sendable (AlertsConfig) throws -> any AlertSink)? = nil) throws {
        self.configPath = configPath
        self.config = config
        self.logger = logger
        self.notifier = notifier
        inference = InferencePool(maxInFlight: config.detect.maxInFlight)
        let log = logger
        let make = makeSink ?? { c in try Daemon.alertLog(c, logger: log) }
        self.makeSink = make
        hub = AlertHub(record: try make(config.alerts)) { error in
            log.error("alert not written: \(error)")
        }
    }

    /// The alert log `alerts:` describes: the rotating, synced `AlertLog` (drops on a full disk or read-only
    /// directory are counted and logged, writing resumes by itself), or standard output for `-`.
    public static func alertLog(_ c: AlertsConfig, logger: Logger) throws -> any AlertSink {
        if c.path == "-" { return try JSONLinesSink(path: "-") }
        return try AlertLog(path: c.path, options: AlertLogOptions(c), report: { logger.error("\($0)") })
    }

    /// Registers one more consumer of every camera's alerts (and frame summaries, if it subscribes): an MQTT
    /// publisher, the event recorder, the HTTP API. It gets its own bounded queue and thread (see `AlertHub`).
    public func addSink(_ sink: any EventSink, name: String, subscription: SinkSubscription = .init()) {
        hub.add(sink, name: name, subscription: subscription)
    }

    /// Each running camera's counters, by name (benchmarks, tests).
    public var cameraMetrics: [String: CameraMetrics] { lock.withLock { cameras.mapValues(\.metrics) } }

    /// The config running now (the last one a reload applied).
    public var runningConfig: VigilConfig { lock.withLock { config } }

    /// Each running camera with its decoded and analysed frames per second over the last second, by name.
    public func cameraStates() -> [(camera: LiveCamera, decodeFPS: Double, analysisFPS: Double)] {
        let (cams, rates) = lock.withLock { (cameras, fps) }
        return cams.keys.sorted().map { n in (cams[n]!, rates[n]?.decoded ?? 0, rates[n]?.analyzed ?? 0) }
    }

    /// The running camera called `name`.
    public func camera(named name: String) -> LiveCamera? { lock.withLock { cameras[name] } }

    /// Starts every enabled camera, then tells systemd READY=1 (the caller starts the API before).
    public func start() throws {
        control.lock(); defer { control.unlock() }
        // Every camera's detectors are loaded before anything starts: a bad model is a config error (exit 78).
        let enabled = config.cameras.filter(\.enabled)
        var loaded = banks
        let detectors = try enabled.map { try bank(for: $0.detect, loaded: &loaded) }
        lock.withLock { banks = loaded }
        for (cam, detectors) in zip(enabled, detectors) { startCamera(cam, config: config, detectors: detectors) }
        let t = Thread { [self] in supervise(); supervisorDone.signal() }
        t.name = "vigil-supervisor"
        t.start()
        supervisorStarted = true
        let n = lock.withLock { cameras.count }
        logger.info("running", metadata: ["cameras": .stringConvertible(n), "alerts": .string(config.alerts.path),
                                          "config": .string(configPath)])
        notifier.notify("READY=1\nSTATUS=started \(n) camera\(n == 1 ? "" : "s")")
    }

    /// The bank of `detect`'s models (nil: none configured), shared with the cameras of the same model set:
    /// taken from `loaded` or loaded into it (throws `DetectorError` for a model that does not load).
    private func bank(for detect: DetectConfig, loaded: inout [String: DetectorBank]) throws -> DetectorBank? {
        guard !detect.modelNames.isEmpty else { return nil }
        let key = Daemon.bankKey(detect)
        if let b = loaded[key] { return b }
        let b = try ModelLocator.detectors(for: detect, pool: inference)
        loaded[key] = b
        return b
    }

    /// What makes two cameras' detectors interchangeable: the models, their label names and score threshold.
    static func bankKey(_ d: DetectConfig) -> String {
        "\(d.modelNames)|\(d.labelNames ?? [])|\(d.minScore.map { "\($0)" } ?? "-")"
    }

    private func startCamera(_ cam: CameraConfig, config: VigilConfig, detectors: DetectorBank?) {
        var options = LiveCameraOptions(cam, config: config)
        options.simulatedAnalysisSeconds = simulatedAnalysisSeconds
        let live = LiveCamera(options: options, settings: CameraSettings(cam, config: config), hub: hub,
                              logger: logger, detectors: detectors)
        lock.withLock { cameras[cam.name] = live }
        logger.info("camera started", metadata: ["camera": .string(cam.name),
                                                 "url": .string(URLRedaction.redact(cam.url))])
        live.start()
    }

    private func stopCameras(_ list: [LiveCamera], timeout: Double) -> Bool {
        for c in list { c.stop() }
        let deadline = MonotonicClock.nanoseconds() + UInt64(timeout * 1e9)
        var all = true
        for c in list {
            let left = Double(Int64(bitPattern: deadline &- MonotonicClock.nanoseconds())) / 1e9
            if !c.join(timeout: max(0, left)) {
                all = false
                logger.warning("camera did not stop in time", metadata: ["camera": .string(c.options.name)])
            }
        }
        return all
    }

    /// Reads the config file again. A valid config applies: thresholds and rates in place (from the next
    /// frame), cameras added, removed or changed in how they are opened started/stopped alone, a new alert
    /// path switched to (and the API's addresses, by `onReload`). An invalid one is refused with a `config_error`
    /// alert; the old config keeps running. Returns whether it applied, and what changed or why not.
    @discardableResult
    public func reload() -> (ok: Bool, message: String) {
        control.lock(); defer { control.unlock() }
        guard !stopping.load(ordering: .relaxed) else { return (false, "stopping") }
        notifier.notify("RELOADING=1")
        defer { notifier.notify("READY=1") }
        let new: VigilConfig
        do {
            new = try ConfigLoader.load(path: configPath)
            try new.validateForDaemon(file: configPath)
        } catch {
            return (false, refuse("\(error)"))
        }
        let old = config
        // Plan first, without side effects: which cameras stop, start, restart or take new settings.
        var added: [String] = [], removed: [String] = [], restarted: [String] = [], updated: [String] = []
        let wanted = Dictionary(uniqueKeysWithValues: new.cameras.filter(\.enabled).map { ($0.name, $0) })
        let running = lock.withLock { cameras }
        var toStop: [LiveCamera] = []
        for (name, live) in running where wanted[name] == nil {
            toStop.append(live)
            removed.append(name)
        }
        var toStart: [CameraConfig] = []
        var toUpdate: [(LiveCamera, CameraSettings)] = []
        for (name, cam) in wanted {
            guard let live = running[name] else { toStart.append(cam); added.append(name); continue }
            var options = LiveCameraOptions(cam, config: new)
            options.simulatedAnalysisSeconds = simulatedAnalysisSeconds
            let settings = CameraSettings(cam, config: new)
            if options != live.options {
                toStop.append(live)
                toStart.append(cam)
                restarted.append(name)
            } else if settings != live.currentSettings {
                toUpdate.append((live, settings))
                updated.append(name)
            }
        }
        // Models of the cameras to (re)start load before anything changes: a bad one refuses the whole reload.
        toStart.sort { $0.name < $1.name }
        var loaded = banks
        let detectors: [DetectorBank?]
        do { detectors = try toStart.map { try bank(for: $0.detect, loaded: &loaded) } } catch {
            return (false, refuse("\(error)"))
        }
        if new.alerts != old.alerts {
            do {
                hub.replace(record: try makeSink(new.alerts))
            } catch {
                return (false, refuse("\(error)"))
            }
        }
        for (live, settings) in toUpdate { live.updateSettings(settings) }
        lock.withLock { for c in toStop { cameras[c.options.name] = nil } }
        _ = stopCameras(toStop, timeout: 4)
        lock.withLock { config = new }
        onReload?(old, new)
        for (cam, detectors) in zip(toStart, detectors) { startCamera(cam, config: new, detectors: detectors) }
        // Banks no camera uses any more are let go (their sessions freed when the last camera holding one stops).
        let used = Set(new.cameras.filter(\.enabled).map { Daemon.bankKey($0.detect) })
        lock.withLock { banks = loaded.filter { used.contains($0.key) } }
        reloadsOK.wrappingAdd(1, ordering: .relaxed)
        func list(_ a: [String]) -> JSONValue { .array(a.sorted().map { .string($0) }) }
        hub.send(daemonAlert("config_reloaded", .info, [
            ("added", list(added)), ("removed", list(removed)), ("restarted", list(restarted)),
            ("updated", list(updated)),
        ]))
        logger.info("config reloaded", metadata: [
            "added": .string(added.sorted().joined(separator: ",")),
            "removed": .string(removed.sorted().joined(separator: ",")),
            "restarted": .string(restarted.sorted().joined(separator: ",")),
            "updated": .string(updated.sorted().joined(separator: ",")),
        ])
        let changes = [("added", added), ("removed", removed), ("restarted", restarted), ("updated", updated)]
            .filter { !$0.1.isEmpty }.map { "\($0.0): \($0.1.sorted().joined(separator: ", "))" }
        return (true, changes.isEmpty ? "config reloaded, nothing changed" : "config reloaded; " + changes.joined(separator: "; "))
    }

    @discardableResult
    private func refuse(_ reason: String) -> String {
        let r = URLRedaction.redact(reason)
        reloadsFailed.wrappingAdd(1, ordering: .relaxed)
        hub.send(daemonAlert("config_error", .critical, [("reason", .string(r)), ("kept", .string("previous config"))]))
        logger.error("config refused, the previous one keeps running: \(r)")
        return "config refused, the previous one keeps running: \(r)"
    }

    private func daemonAlert(_ event: String, _ severity: Severity, _ details: [(String, JSONValue)]) -> Alert {
        Alert(timestamp: AlertClock.wall.timestamp(mediaTime: 0), mediaTime: 0, frame: 0,
              camera: Daemon.daemonCamera, event: event, severity: severity, details: details)
    }

    /// Stops reading every camera, drains the rings (their frames are analysed), ends open events, flushes the
    /// sink. Bounded: cameras get `timeout` seconds in all. True when everything stopped in time.
    @discardableResult
    public func stop(timeout: Double = 4) -> Bool {
        control.lock(); defer { control.unlock() }
        if stopping.exchange(true, ordering: .relaxed) { return true }
        notifier.notify("STOPPING=1\nSTATUS=stopping")
        logger.info("stopping")
        if supervisorStarted { supervisorDone.wait() }
        let list = lock.withLock { Array(cameras.values) }
        let all = stopCameras(list, timeout: timeout)
        do { try hub.flush() } catch { logger.error("flushing alerts: \(error)") }
        if !hub.close(timeout: 2) { logger.warning("an alert sink did not finish in time") }
        logger.info("stopped")
        return all
    }

    // MARK: - Supervisor

    private func supervise() {
        var last = MonotonicClock.nanoseconds()
        var lastCounts: [String: (Int, Int)] = [:]
        var lastStatus: UInt64 = 0, lastPing: UInt64 = 0, lastLog = last
        var unhealthyReported = false
        let pingEvery = notifier.watchdogInterval.map { UInt64($0 / 2 * 1e9) }
        while !stopping.load(ordering: .relaxed) {
            usleep(100_000)
            let now = MonotonicClock.nanoseconds()
            let cams = lock.withLock { cameras }
            for c in cams.values { c.checkWatchdog() }
            if now - last >= 1_000_000_000 {
                let dt = Double(now - last) / 1e9
                var rates: [String: (Double, Double)] = [:]
                for (name, c) in cams {
                    let d = c.metrics.framesDecoded.load(ordering: .relaxed)
                    let a = c.metrics.framesAnalyzed.load(ordering: .relaxed)
                    let (pd, pa) = lastCounts[name] ?? (d, a)
                    rates[name] = (Double(d - pd) / dt, Double(a - pa) / dt)
                    lastCounts[name] = (d, a)
                }
                lastCounts = lastCounts.filter { cams[$0.key] != nil }
                lock.withLock { fps = rates.mapValues { (decoded: $0.0, analyzed: $0.1) } }
                last = now
            }
            if now - lastStatus >= 2_000_000_000 {
                notifier.notify("STATUS=" + statusLine())
                lastStatus = now
            }
            if let pingEvery, now - lastPing >= pingEvery {
                var problems = cams.values.compactMap { $0.health() }
                let busy = hub.busySince.load(ordering: .relaxed)
                if busy != 0, MonotonicClock.seconds(since: busy) > 10 { problems.append("alert sink stuck") }
                if problems.isEmpty {
                    notifier.notify("WATCHDOG=1")
                    lastPing = now
                    unhealthyReported = false
                } else if !unhealthyReported {
                    logger.error("not petting the watchdog: \(problems.joined(separator: "; "))")
                    unhealthyReported = true
                }
            }
            if now - lastLog >= 60_000_000_000 {
                logger.info("status: \(statusLine())")
                lastLog = now
            }
        }
    }

    /// One line per daemon: each camera's decode/analysis fps, drops and reconnects, or `down`.
    public func statusLine() -> String {
        let (cams, rates) = lock.withLock { (cameras, fps) }
        if cams.isEmpty { return "no cameras" }
        return cams.keys.sorted().map { name in
            let c = cams[name]!
            let r = rates[name] ?? (0, 0)
            let m = c.metrics
            let state = c.isUp ? String(format: "%.1f/%.1f fps", r.decoded, r.analyzed) : "down"
            return "\(name) \(state) dropped \(m.framesDropped.load(ordering: .relaxed)) reconnects \(m.reconnects.load(ordering: .relaxed))"
        }.joined(separator: ", ")
    }

    // MARK: - Metrics

    /// The Prometheus text of every camera and the daemon.
    public func renderMetrics() -> String {
        let (cams, rates) = lock.withLock { (cameras, fps) }
        let names = cams.keys.sorted()
        var p = PrometheusText()
        func perCamera(_ name: String, _ type: String, _ help: String, _ value: (LiveCamera, String) -> Double) {
            p.family(name, type, help: help)
            for n in names { p.sample(name, [("camera", n)], value(cams[n]!, n)) }
        }
        func load(_ a: borrowing Atomic<Int>) -> Double { Double(a.load(ordering: .relaxed)) }
        perCamera("vigil_frames_decoded_total", "counter", "Frames decoded.") { c, _ in load(c.metrics.framesDecoded) }
        perCamera("vigil_frames_analyzed_total", "counter", "Frames analysed.") { c, _ in load(c.metrics.framesAnalyzed) }
        perCamera("vigil_frames_skipped_total", "counter", "Frames decoded but not analysed (detect.fps decimation).") { c, _ in
            load(c.metrics.framesSkipped)
        }
        perCamera("vigil_frames_dropped_total", "counter", "Frames dropped because analysis fell behind (ring full).") { c, _ in
            load(c.metrics.framesDropped)
        }
        perCamera("vigil_stream_reconnects_total", "counter", "Connection attempts after the first.") { c, _ in
            load(c.metrics.reconnects)
        }
        perCamera("vigil_stream_up", "gauge", "1 while the stream delivers frames.") { c, _ in load(c.metrics.up) }
        perCamera("vigil_decode_frames_per_second", "gauge", "Decoded frames per second over the last second.") { _, n in
            rates[n]?.decoded ?? 0
        }
        perCamera("vigil_analysis_frames_per_second", "gauge", "Analysed frames per second over the last second.") { _, n in
            rates[n]?.analyzed ?? 0
        }
        perCamera("vigil_ring_frames", "gauge", "Frames waiting for analysis in the camera's ring.") { c, _ in
            load(c.metrics.ringOccupancy)
        }
        perCamera("vigil_detector_frames_total", "counter", "Frames the object detector ran on.") { c, _ in
            load(c.metrics.detectorFrames)
        }
        perCamera("vigil_snapshots_written_total", "counter", "Alert snapshots written.") { c, _ in
            load(c.metrics.snapshotsWritten)
        }
        perCamera("vigil_snapshot_errors_total", "counter", "Alert snapshots that could not be written.") { c, _ in
            load(c.metrics.snapshotErrors)
        }
        perCamera("vigil_ring_capacity_frames", "gauge", "Capacity of the camera's ring.") { c, _ in load(c.metrics.ringCapacity) }
        p.family("vigil_detect_passes_total", "counter",
                 help: "Analysed frames by where the detector looked (full_frame, regions, or no_motion: gated, no inference).")
        for n in names {
            guard let s = cams[n]!.detectionStats else { continue }
            p.sample("vigil_detect_passes_total", [("camera", n), ("kind", "full_frame")], s.fullFramePasses)
            p.sample("vigil_detect_passes_total", [("camera", n), ("kind", "regions")], s.regionPasses)
            p.sample("vigil_detect_passes_total", [("camera", n), ("kind", "no_motion")], s.noMotionFrames)
        }
        p.family("vigil_detect_regions_total", "counter", help: "Motion regions the detector searched.")
        for n in names { if let s = cams[n]!.detectionStats { p.sample("vigil_detect_regions_total", [("camera", n)], s.regionsSearched) } }
        let pool = inference.stats
        p.family("vigil_inference_slots", "gauge", help: "Inferences the shared pool runs at once at most (detect.max_in_flight).")
        p.sample("vigil_inference_slots", [], pool.capacity)
        p.family("vigil_inference_in_flight", "gauge", help: "Inferences running now.")
        p.sample("vigil_inference_in_flight", [], pool.inFlight)
        p.family("vigil_inference_in_flight_peak", "gauge", help: "Most inferences that ran at once.")
        p.sample("vigil_inference_in_flight_peak", [], pool.peakInFlight)
        p.family("vigil_inferences_total", "counter", help: "Inferences run by the shared pool.")
        p.sample("vigil_inferences_total", [], pool.inferences)
        p.family("vigil_inference_waits_total", "counter", help: "Inferences that waited for a free slot.")
        p.sample("vigil_inference_waits_total", [], pool.waits)
        p.family("vigil_inference_seconds", "histogram", help: "One inference: letterbox, model, decoding, NMS.")
        p.histogram("vigil_inference_seconds", [], pool.latency)
        let modelBanks = lock.withLock { banks }
        p.family("vigil_detector_inference_seconds", "histogram", help: "One inference, by model.")
        for key in modelBanks.keys.sorted() {
            let b = modelBanks[key]!
            for (m, h) in zip(b.models, b.latency) { p.histogram("vigil_detector_inference_seconds", [("model", m.name)], h) }
        }
        p.family("vigil_analysis_duration_seconds", "histogram", help: "Time to analyse one frame.")
        for n in names { p.histogram("vigil_analysis_duration_seconds", [("camera", n)], cams[n]!.metrics.analysisSeconds) }
        p.family("vigil_frame_latency_seconds", "histogram",
                 help: "From a frame leaving the decoder to its analysis done and alerts written.")
        for n in names { p.histogram("vigil_frame_latency_seconds", [("camera", n)], cams[n]!.metrics.frameLatencySeconds) }
        p.family("vigil_glass_to_analysed_seconds", "histogram",
                 help: "From the sender's wall clock of a frame (RTCP) to its analysis done and alerts written.")
        for n in names { p.histogram("vigil_glass_to_analysed_seconds", [("camera", n)], cams[n]!.metrics.glassToAnalysedSeconds) }
        p.family("vigil_glass_to_alert_seconds", "histogram",
                 help: "From the sender's wall clock of a frame (RTCP) to the alerts it caused written.")
        for n in names { p.histogram("vigil_glass_to_alert_seconds", [("camera", n)], cams[n]!.metrics.glassToAlertSeconds) }
        p.family("vigil_alerts_total", "counter", help: "Alerts written, by event.")
        for (event, count) in hub.alertsByEvent.sorted(by: { $0.key < $1.key }) {
            p.sample("vigil_alerts_total", [("event", event)], count)
        }
        p.family("vigil_alerts_dropped_total", "counter", help: "Alerts the sink could not write.")
        p.sample("vigil_alerts_dropped_total", [], hub.droppedTotal)
        let sinks = hub.sinkStats
        p.family("vigil_sink_queue_depth", "gauge", help: "Events waiting in an alert sink's queue.")
        for s in sinks { p.sample("vigil_sink_queue_depth", [("sink", s.name)], s.queued) }
        p.family("vigil_sink_queue_capacity", "gauge", help: "Capacity of an alert sink's queue.")
        for s in sinks { p.sample("vigil_sink_queue_capacity", [("sink", s.name)], s.capacity) }
        p.family("vigil_sink_delivered_total", "counter", help: "Events handed to an alert sink.")
        for s in sinks { p.sample("vigil_sink_delivered_total", [("sink", s.name)], s.delivered) }
        p.family("vigil_sink_dropped_total", "counter", help: "Events an alert sink's full queue let go.")
        for s in sinks { p.sample("vigil_sink_dropped_total", [("sink", s.name)], s.dropped) }
        p.family("vigil_config_reloads_total", "counter", help: "Config reloads (SIGHUP), by result.")
        p.sample("vigil_config_reloads_total", [("result", "ok")], reloadsOK.load(ordering: .relaxed))
        p.sample("vigil_config_reloads_total", [("result", "error")], reloadsFailed.load(ordering: .relaxed))
        p.family("vigil_cameras", "gauge", help: "Cameras running.")
        p.sample("vigil_cameras", [], names.count)
        p.family("process_resident_memory_bytes", "gauge", help: "Resident memory of the process.")
        p.sample("process_resident_memory_bytes", [], Daemon.residentBytes())
        return p.text
    }

    /// Current resident set size, from /proc/self/statm.
    public static func residentBytes() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = s.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE)))
    }
}
