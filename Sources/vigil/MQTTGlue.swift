import Config
import Foundation
import Logging
import MQTT
import Pipeline
import Service
import Sinks
import VigilCore

/// MQTT on the alert fan-out: one `EventSink` of the `AlertHub` (replay and daemon alike), which has already
/// written each alert to the log (the record: a broker that is down never costs a file alert) and tagged it
/// with `details.node`. It owns the publisher of the current `mqtt:` config (replaced when a reload changes it)
/// and the stats of the daemon's cameras for `PREFIX/stats`. The publisher only queues, so `receive` never
/// waits on the network.
///
/// Thread safety: `receive`/`finish` on the hub's delivery thread, the rest from any thread; the publisher and
/// the stats baseline are behind `lock`.
final class MQTTBridge: EventSink, @unchecked Sendable {  // unchecked: mutable state is behind `lock`
    let node: String
    let switchBoard: SwitchBoard
    private let logger: Logger
    private let lock = NSLock()
    private var publisher: VigilPublisher?
    private var config: MQTTConfig?
    private weak var daemon: Daemon?
    private weak var hub: AlertHub?
    /// Its name among the hub's sinks (metrics label; `vigil run` closes it by name).
    static let sinkName = "mqtt"
    private var lastCounts: [String: (decoded: Int, analyzed: Int, at: Double)] = [:]

    init(config: MQTTConfig?, node: String, switchBoard: SwitchBoard, logger: Logger) throws {
        self.node = node
        self.switchBoard = switchBoard
        self.logger = logger
        self.config = config
        publisher = try config.map { try MQTTBridge.makePublisher($0, node: node, switchBoard: switchBoard, logger: logger) }
    }

    /// `--node`, else the config's `node:`, else the host name.
    static func nodeName(_ option: String?, _ config: VigilConfig) -> String {
        option ?? config.node ?? ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "vigil"
    }

    private static func makePublisher(_ c: MQTTConfig, node: String, switchBoard: SwitchBoard, logger: Logger) throws -> VigilPublisher {
        try VigilPublisher(config: c, node: node, switchBoard: switchBoard) { level, message in
            switch level {
            case .debug: logger.debug("\(message)")
            case .info: logger.info("\(message)")
            case .warning: logger.warning("\(message)")
            case .error: logger.error("\(message)")
            }
        }
    }

    func receive(_ event: SinkEvent) {
        guard case .alert(let a, let line) = event else { return }
        lock.withLock { publisher }?.consume(a, line: line)
    }

    func finish() { stop() }

    /// Registers with `hub` (alerts only; the camera states come from them) and, while MQTT is on, has it tag
    /// every alert with the node.
    func attach(to hub: AlertHub) {
        lock.withLock { self.hub = hub }
        hub.tag(node: lock.withLock { config } == nil ? nil : node)
        hub.add(self, name: MQTTBridge.sinkName)
    }

    /// Starts publishing for `cameras`; with a daemon, its cameras' figures go to `PREFIX/stats`.
    func start(cameras: [CameraConfig], daemon: Daemon? = nil) {
        let p = lock.withLock { () -> VigilPublisher? in self.daemon = daemon; return publisher }
        guard let p else { return }
        p.setCameras(cameras)
        var stats: (@Sendable () -> [(String, JSONValue)])? = nil
        if daemon != nil { stats = { [weak self] () -> [(String, JSONValue)] in self?.cameraStats() ?? [] } }
        p.start(stats: stats)
        logger.info("mqtt: publishing to \(p.config.url) under \(p.prefix)/ as node \(node)")
    }

    /// After a reload: a changed `mqtt:` section replaces the publisher (the old one says `offline` and goes);
    /// cameras added or removed get their states and discovery published or cleared.
    func reload(_ new: VigilConfig) {
        let old = lock.withLock { config }
        if new.mqtt != old {
            let previous = lock.withLock { () -> VigilPublisher? in defer { publisher = nil }; return publisher }
            previous?.setCameras([])
            previous?.stop()
            do {
                let p = try new.mqtt.map { try MQTTBridge.makePublisher($0, node: node, switchBoard: switchBoard, logger: logger) }
                lock.withLock { publisher = p; config = new.mqtt }
                lock.withLock { hub }?.tag(node: new.mqtt == nil ? nil : node)
            } catch {
                logger.error("mqtt: \(error); MQTT is off until the next reload")
                return
            }
            start(cameras: new.cameras.filter(\.enabled), daemon: lock.withLock { daemon })
        } else {
            lock.withLock { publisher }?.setCameras(new.cameras.filter(\.enabled))
        }
    }

    func stop() { lock.withLock { publisher }?.stop() }

    /// `vigil_mqtt_*` for `GET /metrics`: connection state, messages delivered, waiting, dropped, failures.
    func metrics(_ p: inout PrometheusText) {
        guard let c = lock.withLock({ publisher })?.client else { return }
        let q = c.queued
        p.single("vigil_mqtt_connected", "gauge", help: "1 while the MQTT broker connection is up.", c.connected ? 1 : 0)
        p.single("vigil_mqtt_messages_delivered_total", "counter",
                 help: "MQTT messages acknowledged (QoS 1) or written (QoS 0).", c.delivered.load(ordering: .relaxed))
        p.single("vigil_mqtt_queue_messages", "gauge", help: "MQTT messages waiting for the broker.", q.messages)
        p.single("vigil_mqtt_queue_bytes", "gauge", help: "Bytes of the MQTT messages waiting for the broker.", q.bytes)
        p.single("vigil_mqtt_messages_dropped_total", "counter",
                 help: "MQTT messages dropped (queue bound reached while the broker was away, or unsent at stop).", c.dropped)
        p.single("vigil_mqtt_connection_failures_total", "counter",
                 help: "Failed MQTT connection attempts and lost connections.", c.failures.load(ordering: .relaxed))
    }

    /// Per camera: decode and analysis fps since the last call, frames dropped, analysis time p50/p99 (motion,
    /// tamper, detectors, tracker and rules of a frame), and the alerts the log could not write.
    private func cameraStats() -> [(String, JSONValue)] {
        guard let d = lock.withLock({ daemon }) else { return [] }
        let now = Date().timeIntervalSince1970
        var cams: [(String, JSONValue)] = []
        for (name, m) in d.cameraMetrics.sorted(by: { $0.key < $1.key }) {
            let dec = m.framesDecoded.load(ordering: .relaxed), ana = m.framesAnalyzed.load(ordering: .relaxed)
            let last = lock.withLock { lastCounts.updateValue((dec, ana, now), forKey: name) }
            let dt = last.map { now - $0.at } ?? 0
            func rate(_ v: Int, _ p: Int?) -> JSONValue { .double(dt > 0 ? JSONValue.rounded(Double(v - (p ?? v)) / dt, places: 2) : 0) }
            func ms(_ q: Double) -> JSONValue { .double(JSONValue.rounded((m.analysisSeconds.quantile(q) ?? 0) * 1000, places: 3)) }
            cams.append((name, .object([
                ("decode_fps", rate(dec, last?.decoded)), ("analysis_fps", rate(ana, last?.analyzed)),
                ("frames_dropped", .int(m.framesDropped.load(ordering: .relaxed))),
                ("stream_up", .bool(m.up.load(ordering: .relaxed) == 1)),
                ("analysis_ms_p50", ms(0.5)), ("analysis_ms_p99", ms(0.99)),
                ("detector_frames", .int(m.detectorFrames.load(ordering: .relaxed))),
            ])))
        }
        return [("cameras", .object(cams)), ("alerts_dropped", .int(d.alertsDropped))]
    }
}
