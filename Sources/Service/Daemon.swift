import Analysis
import Config
import Detection
import Foundation
import Logging
import Pipeline
import Recording
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
/// Thread safety: `start`, `reload`, `stopCameras` and `stop` from any thread (the service group's parts, the
/// signal thread); they serialise on `control`, and a reload after a stop began is refused; `renderMetrics` and `statusLine` from any thread. The camera table is behind
/// `lock`.
public final class Daemon: @unchecked Sendable {  // unchecked: mutable state is behind `lock`/`control`, see above
    public static let daemonCamera = CameraID("*")

    public let configPath: String
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let makeSink: @Sendable (AlertsConfig) throws -> any AlertSink
    private let control = NSLock()
    let lock = NSLock()
    private var config: VigilConfig
    var cameras: [String: LiveCamera] = [:]
    var fps: [String: (decoded: Double, analyzed: Double)] = [:]
    /// Where every alert goes: the alert log, then each registered sink on its own queue (`addSink`).
    public let hub: AlertHub
    let reloadsOK = Atomic<Int>(0)
    let reloadsFailed = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let supervisorDone = DispatchSemaphore(value: 0)
    private var supervisorStarted = false  // under `control`
    /// The one inference pool of every camera's detectors (`detect.max_in_flight` at start), and the detector
    /// banks by model set: cameras with the same models share one bank (changed under `control` and `lock`,
    /// read under `lock`).
    let inference: InferencePool
    var banks: [String: DetectorBank] = [:]
    /// Every camera's run-time switches (MQTT), by name: they outlive reloads and camera restarts.
    public let switchBoard: SwitchBoard
    /// Only these cameras of the config run (`vigil run --cameras a,b`); nil: every enabled camera. Also on reload.
    public let onlyCameras: Set<String>?
    /// Adds families of other parts (MQTT) to `GET /metrics`.
    public var extraMetrics: (@Sendable (inout PrometheusText) -> Void)? = nil
    /// Called after a reload applied a new config, with the old and the new one (the cameras already filtered by
    /// `onlyCameras`): MQTT re-publishes discovery, the API restarts its listeners when their addresses changed.
    public var onReload: (@Sendable (VigilConfig, VigilConfig) -> Void)? = nil
    /// Extra per-frame analysis time for every camera (`vigil bench pipeline`, tests); 0 in production.
    public var simulatedAnalysisSeconds: Double = 0
    /// The supervisor's ticks and every camera's heartbeats, watchdog and backoff run on it (tests: virtual time).
    let clock: any TickingClock

    /// Opens the alert sink of `config` (throws when it cannot).
    public init(configPath: String, config: VigilConfig, logger: Logger,
                notifier: SystemdNotifier = SystemdNotifier(),
                makeSink: (@Sendable (AlertsConfig) throws -> any AlertSink)? = nil,
                onlyCameras: Set<String>? = nil, switchBoard: SwitchBoard = SwitchBoard(),
                clock: any TickingClock = SystemClock()) throws {
        self.configPath = configPath
        self.clock = clock
        self.switchBoard = switchBoard
        self.onlyCameras = onlyCameras
        self.config = Daemon.subset(config, onlyCameras)
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

    /// `config` with only the cameras of `only` (nil: all).
    public static func subset(_ config: VigilConfig, _ only: Set<String>?) -> VigilConfig {
        guard let only else { return config }
        var c = config
        c.cameras = c.cameras.filter { only.contains($0.name) }
        return c
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

    /// Alerts lost so far (the log could not write them).
    public var alertsDropped: Int { hub.droppedTotal }

    /// The config running now (the last one a reload applied).
    public var runningConfig: VigilConfig { lock.withLock { config } }

    /// Each running camera with its decoded and analysed frames per second over the last second, by name.
    public func cameraStates() -> [(camera: LiveCamera, decodeFPS: Double, analysisFPS: Double)] {
        let (cams, rates) = lock.withLock { (cameras, fps) }
        return cams.keys.sorted().map { n in (cams[n]!, rates[n]?.decoded ?? 0, rates[n]?.analyzed ?? 0) }
    }

    /// The running camera called `name`.
    public func camera(named name: String) -> LiveCamera? { lock.withLock { cameras[name] } }

    /// Starts the metrics endpoint and every enabled camera, then tells systemd READY=1.
    public func start() throws {
        control.lock(); defer { control.unlock() }
        guard !stopping.load(ordering: .relaxed) else { return }
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
        let b = try ModelLocator.detectors(for: DetectionSettings(detect), pool: inference)
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
                              logger: logger, detectors: detectors, switches: switchBoard.switches(for: cam.name),
                              clock: clock)
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
    /// path switched to (and MQTT's and the API's settings, by `onReload`). An invalid one is refused with a
    /// `config_error` alert; the old config keeps running. Returns whether it applied, and what changed or why not.
    @discardableResult
    public func reload() -> (ok: Bool, message: String) {
        control.lock(); defer { control.unlock() }
        guard !stopping.load(ordering: .relaxed) else { return (false, "stopping") }
        notifier.notify("RELOADING=1")
        defer { notifier.notify("READY=1") }
        let new: VigilConfig
        do {
            new = Daemon.subset(try ConfigLoader.load(path: configPath), onlyCameras)
            try new.validateForDaemon(file: configPath)
        } catch {
            return (false, refuse("\(error)"))
        }
        let old = config
        // Plan first, without side effects: which cameras stop, start, restart or take new settings.
        let simulated = simulatedAnalysisSeconds
        let plan = ReloadPlan(new: new, running: lock.withLock { cameras }) { cam in
            var options = LiveCameraOptions(cam, config: new)
            options.simulatedAnalysisSeconds = simulated
            return options
        }
        // Models of the cameras to (re)start load before anything changes: a bad one refuses the whole reload.
        var loaded = banks
        let detectors: [DetectorBank?]
        do { detectors = try plan.toStart.map { try bank(for: $0.detect, loaded: &loaded) } } catch {
            return (false, refuse("\(error)"))
        }
        if new.alerts != old.alerts {
            do {
                hub.replace(record: try makeSink(new.alerts))
            } catch {
                return (false, refuse("\(error)"))
            }
        }
        for (live, settings) in plan.toUpdate { live.updateSettings(settings) }
        lock.withLock { for c in plan.toStop { cameras[c.options.name] = nil } }
        _ = stopCameras(plan.toStop, timeout: 4)
        lock.withLock { config = new }
        for (cam, detectors) in zip(plan.toStart, detectors) { startCamera(cam, config: new, detectors: detectors) }
        // Banks no camera uses any more are let go (their sessions freed when the last camera holding one stops).
        let used = Set(new.cameras.filter(\.enabled).map { Daemon.bankKey($0.detect) })
        lock.withLock { banks = loaded.filter { used.contains($0.key) } }
        reloadsOK.wrappingAdd(1, ordering: .relaxed)
        onReload?(old, new)
        return (true, announce(plan))
    }

    /// The `config_reloaded` alert and log line of an applied reload; returns the one-line summary.
    private func announce(_ plan: ReloadPlan) -> String {
        let groups = [("added", plan.added), ("removed", plan.removed), ("restarted", plan.restarted),
                      ("updated", plan.updated)]
        hub.send(daemonAlert("config_reloaded", .info, groups.map { ($0.0, .array($0.1.sorted().map { .string($0) })) }))
        logger.info("config reloaded", metadata: Logger.Metadata(uniqueKeysWithValues: groups.map {
            ($0.0, .string($0.1.sorted().joined(separator: ",")))
        }))
        let changes = groups.filter { !$0.1.isEmpty }.map { "\($0.0): \($0.1.sorted().joined(separator: ", "))" }
        return changes.isEmpty ? "config reloaded, nothing changed" : "config reloaded; " + changes.joined(separator: "; ")
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

    /// Stops reading every camera, drains the rings (their frames are analysed), ends open events, then closes
    /// every sink and flushes the record (`stopCameras`, then `closeSinks`). Bounded: cameras get `timeout`
    /// seconds in all. True when everything stopped in time.
    @discardableResult
    public func stop(timeout: Double = 4) -> Bool {
        let all = stopCameras(timeout: timeout)
        closeSinks()
        return all
    }

    /// The cameras' part of a stop (the first part `vigil run`'s service group stops): the supervisor ends, every
    /// camera stops reading, analyses what its ring holds and ends its open events and recordings; their last
    /// alerts reach the hub. Later reloads are refused. Bounded by `timeout` seconds in all; true when every
    /// camera stopped in time.
    @discardableResult
    public func stopCameras(timeout: Double = 4) -> Bool {
        control.lock(); defer { control.unlock() }
        if stopping.exchange(true, ordering: .relaxed) { return true }
        notifier.notify("STOPPING=1\nSTATUS=stopping")
        logger.info("stopping")
        if supervisorStarted { supervisorDone.wait() }
        let list = lock.withLock { Array(cameras.values) }
        return stopCameras(list, timeout: timeout)
    }

    /// The last part of a stop: every sink still registered delivers what it holds and finishes, then the record
    /// (the JSON-lines alert log) is flushed, last.
    public func closeSinks() {
        if !hub.close(timeout: 2) { logger.warning("an alert sink did not finish in time") }
        do { try hub.flush() } catch { logger.error("flushing alerts: \(error)") }
        logger.info("stopped")
    }

    // MARK: - Supervisor

    /// Every 100 ms on the daemon's clock: the cameras' no-frames watchdogs, then what `Supervisor` says is due.
    private func supervise() {
        var supervisor = Supervisor(now: clock.nanoseconds(), watchdogInterval: notifier.watchdogInterval)
        while !stopping.load(ordering: .relaxed) {
            clock.sleep(nanoseconds: 100_000_000)
            let cams = lock.withLock { cameras }
            for c in cams.values { c.checkWatchdog() }
            let counts = cams.mapValues { c in
                (decoded: c.metrics.framesDecoded.load(ordering: .relaxed),
                 analyzed: c.metrics.framesAnalyzed.load(ordering: .relaxed))
            }
            let due = supervisor.tick(now: clock.nanoseconds(), counts: counts) { healthProblems(cams) }
            if let rates = due.rates { lock.withLock { fps = rates.mapValues { (decoded: $0.decoded, analyzed: $0.analyzed) } } }
            if due.sendStatus { notifier.notify("STATUS=" + statusLine()) }
            if due.pingWatchdog { notifier.notify("WATCHDOG=1") }
            if let problems = due.withheld {
                logger.error("not petting the watchdog: \(problems.joined(separator: "; "))")
            }
            if due.logStatus { logger.info("status: \(statusLine())") }
        }
    }

    /// The stages that stopped making progress: each camera's threads, and the alert hub.
    private func healthProblems(_ cams: [String: LiveCamera]) -> [String] {
        var problems = cams.values.compactMap { $0.health() }
        let busy = hub.busySince.load(ordering: .relaxed)
        if busy != 0, MonotonicClock.seconds(since: busy) > 10 { problems.append("alert sink stuck") }
        return problems
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
}
