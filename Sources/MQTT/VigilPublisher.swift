import Config
import Foundation
import Synchronization
import VigilCore

/// Vigil on an MQTT broker. From the alerts alone (a pure alert consumer, so it plugs into any alert fan-out):
/// `PREFIX/events` gets each alert's JSON line (QoS 1, in order); per camera `PREFIX/CAMERA/motion` (`ON`/`OFF`,
/// from `motion_start`/`motion_end`), `PREFIX/CAMERA/LABEL` (objects in view, from `object_enter`/`object_exit`)
/// and `PREFIX/CAMERA/LABEL/snapshot` (the JPEG of the latest alert with a snapshot), all retained. Besides:
/// `PREFIX/available` (`online`, `offline` by last will or at stop), `PREFIX/stats` every `stats_interval_s`
/// (what `stats` returns plus the node and the MQTT counters), the switches `PREFIX/CAMERA/detect/set` and
/// `…/motion/set` (echoed on `…/state`, retained) and Home Assistant discovery.
///
/// Thread safety: `consume`, `setCameras`, `publishStats` and `stop` from any thread; state is behind `lock`.
public final class VigilPublisher: @unchecked Sendable {  // unchecked: mutable state is behind `lock`
    public let config: MQTTConfig
    public let node: String
    public let client: MQTTClient
    private let switchBoard: SwitchBoard
    private let discovery: HomeAssistantDiscovery
    private let log: @Sendable (MQTTLogLevel, String) -> Void
    private let lock = NSLock()
    /// Per camera of this node: labels announced to Home Assistant, and tracks in view by label.
    private var cameras: [String: CameraState] = [:]
    private var stats: (@Sendable () -> [(String, JSONValue)])? = nil
    private let stopping = Atomic<Bool>(false)
    private let wake = NSCondition()
    private let timerDone = DispatchSemaphore(value: 0)
    private var timerStarted = false

    struct CameraState {
        var labels: [String] = []
        var inView: [String: Set<Int>] = [:]
    }

    public var prefix: String { config.topicPrefix }

    public init(config: MQTTConfig, node: String, switchBoard: SwitchBoard,
                log: @escaping @Sendable (MQTTLogLevel, String) -> Void) throws {
        self.config = config
        self.node = node
        self.switchBoard = switchBoard
        self.log = log
        discovery = HomeAssistantDiscovery(prefix: config.topicPrefix, discoveryPrefix: config.discoveryPrefix)
        var o = MQTTClientOptions(url: config.url, clientID: config.clientID ?? "vigil-\(node)")
        o.caFile = config.caFile
        o.username = config.user
        o.password = config.password
        o.keepaliveSeconds = config.keepaliveSeconds
        o.queueMessages = config.queueMaxMessages
        o.queueBytes = config.queueMaxBytes
        o.reconnectInitialSeconds = config.reconnectInitialSeconds
        o.reconnectMaxSeconds = config.reconnectMaxSeconds
        let available = "\(config.topicPrefix)/available"
        o.will = MQTTMessage(topic: available, text: "offline", retain: true)
        o.birth = MQTTMessage(topic: available, text: "online", retain: true)
        o.farewell = o.will
        client = try MQTTClient(o, log: log)
        client.onMessage { [weak self] topic, payload in self?.control(topic, payload) }
        client.subscribe("\(config.topicPrefix)/+/detect/set")
        client.subscribe("\(config.topicPrefix)/+/motion/set")
    }

    /// Connects in the background and starts the stats timer. `stats`: the node's figures for `PREFIX/stats`.
    public func start(stats: (@Sendable () -> [(String, JSONValue)])? = nil) {
        lock.withLock { self.stats = stats; timerStarted = true }
        client.start()
        let t = Thread { [self] in
            statsLoop()
            timerDone.signal()
        }
        t.name = "vigil-mqtt-stats"
        t.start()
    }

    /// Publishes the farewell (`offline`) and what is queued, within `timeout`, and disconnects.
    public func stop(timeout: Double = 2) {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        wake.lock(); wake.broadcast(); wake.unlock()
        if lock.withLock({ timerStarted }) { timerDone.wait() }
        client.stop(timeout: timeout)
    }

    // MARK: - Alerts

    /// One alert, after it was written to the log: its line (`line`: the bytes the log got, if at hand) on
    /// `PREFIX/events`, and the camera's states.
    public func consume(_ alert: Alert, line: String? = nil) {
        client.publish(MQTTMessage(topic: "\(prefix)/events", text: line ?? alert.jsonLine(), qos: 1))
        guard alert.camera.name != "*" else { return }
        let cam = alert.camera.name
        switch alert.event {
        case "motion_start": client.retain("\(prefix)/\(cam)/motion", Array("ON".utf8))
        case "motion_end": client.retain("\(prefix)/\(cam)/motion", Array("OFF".utf8))
        case "object_enter", "object_exit":
            guard let label = alert.label, let track = alert.trackID else { break }
            let n = lock.withLock { () -> Int in
                var s = cameras[cam, default: CameraState()]
                if alert.event == "object_enter" { s.inView[label, default: []].insert(track) } else {
                    s.inView[label]?.remove(track)
                }
                cameras[cam] = s
                return s.inView[label]?.count ?? 0
            }
            announce(cam, label)
            client.retain("\(prefix)/\(cam)/\(label)", Array(String(n).utf8))
        default: break
        }
        if config.snapshots, let path = alert.snapshot, let label = alert.label {
            if let jpeg = FileManager.default.contents(atPath: path) {
                client.retain("\(prefix)/\(cam)/\(label)/snapshot", Array(jpeg))
            } else {
                log(.warning, "mqtt: snapshot \(path) could not be read; not published")
            }
        }
    }

    /// A label's discovery and zero count, the first time the camera reports it.
    private func announce(_ cam: String, _ label: String) {
        let new = lock.withLock { () -> Bool in
            guard cameras[cam] != nil, !cameras[cam]!.labels.contains(label) else { return false }
            cameras[cam]!.labels.append(label)
            return true
        }
        guard new else { return }
        if config.discovery { for m in discovery.label(cam, label) { client.retain(m.topic, m.payload) } }
    }

    // MARK: - Cameras

    /// The cameras of this node (at start and after each reload): new ones get their states, switches and
    /// discovery; ones that left get their retained topics and discovery cleared.
    public func setCameras(_ list: [CameraConfig]) {
        let (added, removed) = lock.withLock { () -> ([CameraConfig], [(String, CameraState)]) in
            let names = Set(list.map(\.name))
            let gone = cameras.filter { !names.contains($0.key) }.sorted { $0.key < $1.key }
            for (n, _) in gone { cameras[n] = nil }
            let new = list.filter { cameras[$0.name] == nil }
            for c in new { cameras[c.name] = CameraState() }
            return (new, gone.map { ($0.key, $0.value) })
        }
        for (cam, state) in removed { clear(cam, state) }
        for cam in added {
            let sw = switchBoard.switches(for: cam.name)
            client.retain("\(prefix)/\(cam.name)/motion", Array("OFF".utf8))
            client.retain("\(prefix)/\(cam.name)/detect/state", Array((sw.detect ? "ON" : "OFF").utf8))
            client.retain("\(prefix)/\(cam.name)/motion/state", Array((sw.motion ? "ON" : "OFF").utf8))
            if config.discovery { for m in discovery.camera(cam.name) { client.retain(m.topic, m.payload) } }
            for label in cam.detect.labels ?? [] {
                announce(cam.name, label)
                client.retain("\(prefix)/\(cam.name)/\(label)", Array("0".utf8))
            }
        }
    }

    private func clear(_ cam: String, _ state: CameraState) {
        var topics = ["\(prefix)/\(cam)/motion", "\(prefix)/\(cam)/detect/state", "\(prefix)/\(cam)/motion/state"]
        for l in state.labels { topics += ["\(prefix)/\(cam)/\(l)", "\(prefix)/\(cam)/\(l)/snapshot"] }
        if config.discovery {
            topics += discovery.camera(cam).map(\.topic)
            for l in state.labels { topics += discovery.label(cam, l).map(\.topic) }
        }
        for t in topics { client.retain(t, []) }
    }

    // MARK: - Switches

    /// `PREFIX/CAMERA/detect/set` or `…/motion/set` with `ON`/`OFF`, for a camera of this node.
    private func control(_ topic: String, _ payload: [UInt8]) {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let base = prefix.split(separator: "/").count
        guard levels.count == base + 3, levels[base + 2] == "set" else { return }
        let cam = levels[base], kind = levels[base + 1]
        guard lock.withLock({ cameras[cam] != nil }) else { return }  // another node's camera
        let value = String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespaces).uppercased()
        guard value == "ON" || value == "OFF" else {
            log(.warning, "mqtt: \(topic): '\(String(decoding: payload.prefix(32), as: UTF8.self))' is not ON or OFF; ignored")
            return
        }
        let sw = switchBoard.switches(for: cam)
        if kind == "detect" { sw.detect = value == "ON" } else { sw.motion = value == "ON" }
        client.retain("\(prefix)/\(cam)/\(kind)/state", Array(value.utf8))
        log(.info, "mqtt: camera \(cam): \(kind) \(value)")
    }

    // MARK: - Stats

    /// Publishes `PREFIX/stats` now: the node, the MQTT counters and the figures of the `stats` closure.
    public func publishStats() {
        var o: [(String, JSONValue)] = [("node", .string(node)), ("ts", .string(Timestamp.rfc3339(Date().timeIntervalSince1970)))]
        o += lock.withLock { stats }?() ?? []
        let q = client.queued
        o.append(("mqtt", .object([
            ("connected", .bool(client.connected)), ("delivered", .int(client.delivered.load(ordering: .relaxed))),
            ("queued", .int(q.messages)), ("queued_bytes", .int(q.bytes)), ("dropped", .int(client.dropped)),
            ("connection_failures", .int(client.failures.load(ordering: .relaxed))),
        ])))
        client.publish(MQTTMessage(topic: "\(prefix)/stats", text: JSONValue.object(o).serialized(), qos: 0))
    }

    private func statsLoop() {
        while !stopping.load(ordering: .relaxed) {
            wake.lock()
            if !stopping.load(ordering: .relaxed) { _ = wake.wait(until: Date(timeIntervalSinceNow: config.statsIntervalSeconds)) }
            wake.unlock()
            if !stopping.load(ordering: .relaxed) { publishStats() }
        }
    }
}
