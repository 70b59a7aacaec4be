import API
import ArgumentParser
import CommandSupport
import Config
import Dispatch
import Foundation
import Logging
import Media
import MQTT
import Pipeline
import Service
import ServiceLifecycle
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: RunsKernels {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "The daemon: every camera in the config, until SIGTERM; SIGHUP reloads the config.",
        discussion: """
            Logs go to standard error (journald-friendly; level from VIGIL_LOG_LEVEL), alerts to the config's \
            alerts.path. Under systemd (Type=notify) it sends READY=1 once the config is loaded and the alert \
            sink is open, STATUS= with per-camera fps, WATCHDOG=1 while every stage makes progress, STOPPING=1.
            SIGHUP: re-read the config; thresholds apply from the next frame without reopening streams; an \
            invalid config is refused (config_error alert) and the old one keeps running.
            SIGTERM/SIGINT: stop reading, drain, flush, exit 0 within 5 s.
            HTTP: the API and web page on api.listen (default 127.0.0.1:8971; the URL is logged at start), \
            /metrics there and on metrics.listen when set.
            Exit status: 0 stopped by a signal; 1 runtime failure (alert sink, HTTP address taken); 66 no such \
            config; 78 bad config (also: api.listen off loopback without api.token).
            """
    )

    @Option(help: "YAML config; see config/vigil.yaml.")
    var config: String

    @Option(help: "Run only these cameras of the config (comma-separated names): one node's share of a shared config.")
    var cameras: String?

    @Option(help: "This node's name in PREFIX/stats and in each alert's details.node with MQTT (default: the config's node, else the host name).")
    var node: String?

    func run() throws {
        FFmpegLog.configureFromEnvironment()
        JournalLogHandler.bootstrap()
        let logger = Logger(label: "vigil")
        let signals = StopSignals(logger: logger)  // before anything else: a stop during start-up is kept
        logger.info("starting", metadata: ["config": .string(config), "pid": .stringConvertible(getpid())])
        try reportingErrors {
            let cfg = try ConfigLoader.load(path: config)
            try cfg.validateForDaemon(file: config)
            let only = try cameraSubset(cfg)
            if let node, !MQTTConfig.validTopicLevel(node, slashes: false) {
                throw UsageError(message: "--node '\(node)' must be 1–64 characters without /, +, # or spaces")
            }
            let switchBoard = SwitchBoard()
            let bridge: MQTTBridge
            do {
                bridge = try MQTTBridge(config: cfg.mqtt, node: MQTTBridge.nodeName(node, cfg), switchBoard: switchBoard,
                                        logger: logger)
            } catch {
                throw ConfigError(file: config, keyPath: "mqtt", line: nil, message: "\(error)")
            }
            let daemon = try Daemon(configPath: config, config: cfg, logger: logger, onlyCameras: only,
                                    switchBoard: switchBoard)
            // The API first: its address is checked (exit 1 when taken) before any camera starts.
            let api = APIService(daemon: daemon, logger: logger)
            do { try api.start(cfg) } catch let e as APIServer.StartError {
                throw RunFailure(message: "HTTP API: \(e.description)")
            }
            bridge.attach(to: daemon.hub)  // idle until mqtt: is configured (also by a reload)
            daemon.onReload = { old, new in
                bridge.reload(new)
                api.apply(old: old, new: new)
            }
            daemon.extraMetrics = { bridge.metrics(&$0) }
            bridge.start(cameras: Daemon.subset(cfg, only).cameras.filter(\.enabled), daemon: daemon)
            let group = RunCommand.serviceGroup(daemon: daemon, api: api, signals: signals, logger: logger)
            signals.forward(to: group)
            try group.runBlocking()
        }
    }

    /// The daemon's parts, stopped in reverse order by SIGTERM/SIGINT: the cameras (stop reading, drain the
    /// analysis, end open events and recordings), MQTT (sends what is queued, says offline), the HTTP API and its
    /// index, and last the alert log (the other sinks delivered, the log flushed). SIGHUP reloads once the cameras
    /// run.
    static func serviceGroup(daemon: Daemon, api: APIService, signals: StopSignals, logger: Logger) -> ServiceGroup {
        let parts: [any Service] = [
            DaemonPart("alert log", stop: { daemon.closeSinks() }),
            DaemonPart("http api", stop: {
                daemon.hub.close(sink: APIService.sinkName, timeout: 2)
                api.stop()
            }),
            DaemonPart("mqtt", stop: { daemon.hub.close(sink: MQTTBridge.sinkName, timeout: 2) }),
            DaemonPart("cameras", start: {
                // A stop signal that came during start-up: the group stops every part at once; no camera starts.
                guard !signals.stopRequested else { return }
                try daemon.start()
                signals.onReload {
                    logger.info("SIGHUP: reloading \(daemon.configPath)")
                    daemon.reload()
                }
            }, stop: { daemon.stopCameras() }),
        ]
        // SIGTERM/SIGINT reach the group through `signals` (see StopSignals: none is lost during start-up).
        return ServiceGroup(configuration: ServiceGroupConfiguration(services: parts, logger: logger))
    }

    /// `--cameras a,b`: names the config must have (a usage error otherwise); nil without the option.
    private func cameraSubset(_ cfg: VigilConfig) throws -> Set<String>? {
        guard let cameras else { return nil }
        let names = cameras.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw UsageError(message: "--cameras needs at least one camera name") }
        let known = Set(cfg.cameras.map(\.name))
        let unknown = names.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw UsageError(message: "--cameras: no camera \(unknown.joined(separator: ", ")) in \(config) (known: \(known.sorted().joined(separator: ", ")))")
        }
        return Set(names)
    }
}
