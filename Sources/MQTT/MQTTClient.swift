import CMosquitto
import Foundation
import Synchronization
import VigilCore

/// An MQTT 3.1.1 client over libmosquitto with a network thread of its own. `publish` never blocks on the
/// network: with the broker up and fewer than `maxInflight` messages unacknowledged it hands the message to
/// libmosquitto (which wakes the network thread), else the message waits in a bounded `OutboundQueue`
/// (drop-oldest, counted). The network thread connects, reconnects after a failure with capped exponential
/// backoff and jitter (`Backoff`), and drains the queue in order once the broker is back; QoS 1 messages in flight
/// when the connection broke are sent again by libmosquitto first, so order is kept across a reconnect.
///
/// Retained state (`retain`) is kept apart from the queue: the latest payload per topic is sent when it changes
/// and again on every connect (a broker restarted without persistence has lost it), so a long outage never
/// fills the queue with stale states.
///
/// One log line per outage and reason (`log`), not one per attempt.
///
/// Thread safety: `publish`, `retain`, `subscribe`, `stop` and the counters from any thread; the mosquitto
/// handle is used under `lock` (publish, subscribe) or by the network thread (libmosquitto's threaded mode).
public final class MQTTClient: @unchecked Sendable {  // unchecked: mutable state is behind `lock`; `mosq` as said above
    public let options: MQTTClientOptions
    private let mosq: OpaquePointer
    private let lock = NSLock()
    private let wake = NSCondition()
    private var queue: OutboundQueue
    /// Messages handed to libmosquitto and not yet sent (QoS 0) or acknowledged (QoS 1): id → QoS.
    private var inflight: [Int32: Int32] = [:]
    private var retained: [String: MQTTMessage] = [:]
    private var retainedOrder: [String] = []
    private var subscriptions: [String] = []
    private var isConnected = false
    private var handler: (@Sendable (String, [UInt8]) -> Void)? = nil
    private let log: @Sendable (MQTTLogLevel, String) -> Void
    private let random: @Sendable () -> Double
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    /// Messages the broker acknowledged (QoS 1) or that were written (QoS 0).
    public let delivered = Atomic<Int>(0)
    /// Successful connections (the first one included).
    public let connections = Atomic<Int>(0)
    /// Failed connection attempts and lost connections.
    public let failures = Atomic<Int>(0)
    /// Dropped at stop or when a QoS 0 message was lost with its connection (the queue counts its own drops).
    private let lost = Atomic<Int>(0)
    /// The delay before the last retry (tests read the backoff from here).
    public let lastRetryDelayMicros = Atomic<Int>(0)

    private static let initialised: Bool = { mosquitto_lib_init(); return true }()

    /// `random`: uniform in 0..<1, for the backoff's jitter (tests pin it).
    public init(_ options: MQTTClientOptions, log: @escaping @Sendable (MQTTLogLevel, String) -> Void,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) throws {
        _ = MQTTClient.initialised
        self.options = options
        self.log = log
        self.random = random
        queue = OutboundQueue(maxMessages: options.queueMessages, maxBytes: options.queueBytes)
        guard let m = mosquitto_new(options.clientID, true, nil) else {
            throw MQTTError(message: "cannot create an MQTT client: \(String(cString: strerror(errno)))")
        }
        mosq = m
        mosquitto_threaded_set(m, true)
        try check(mosquitto_max_inflight_messages_set(m, UInt32(options.maxInflight + 4)), "max inflight")
        if let u = options.username { try check(mosquitto_username_pw_set(m, u, options.password), "user/password") }
        if let w = options.will {
            try check(w.payload.withUnsafeBytes {
                mosquitto_will_set(m, w.topic, Int32($0.count), $0.baseAddress, w.qos, w.retain)
            }, "last will")
        }
        if options.url.tls {
            let ca = options.caFile
            let dir = ca == nil ? "/etc/ssl/certs" : nil
            try check(mosquitto_tls_set(m, ca, dir, nil, nil, nil), "TLS (ca_file \(ca ?? "-"))")
        }
        installCallbacks()
    }

    deinit { mosquitto_destroy(mosq) }

    private func check(_ rc: Int32, _ what: String) throws {
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            throw MQTTError(message: "MQTT \(what): \(MQTTClient.describe(rc))")
        }
    }

    /// Starts the network thread (connects in the background; `publish` works from now on).
    public func start() {
        lock.withLock { started = true }
        let t = Thread { [self] in
            runNetwork()
            finished.signal()
        }
        t.name = "vigil-mqtt"
        t.start()
    }

    /// True while a connection is up (CONNACK accepted).
    public var connected: Bool { lock.withLock { isConnected } }

    /// Messages waiting in the queue and their bytes.
    public var queued: (messages: Int, bytes: Int) { lock.withLock { (queue.count, queue.bytes) } }

    /// Messages dropped: queue bounds reached, QoS 0 lost with a connection, or left unsent at stop.
    public var dropped: Int { lock.withLock { queue.dropped } + lost.load(ordering: .relaxed) }

    /// Sends `m` now if the broker is up and the in-flight window has room, else queues it. Never blocks on I/O.
    public func publish(_ m: MQTTMessage) {
        lock.withLock {
            if isConnected, queue.isEmpty, inflight.count < options.maxInflight, send(m) { return }
            queue.push(m)
        }
    }

    /// Sets the retained state of `topic` (an empty payload removes it from the broker): sent now if connected,
    /// and on every later connect.
    public func retain(_ topic: String, _ payload: [UInt8], qos: Int32 = 1) {
        let m = MQTTMessage(topic: topic, payload: payload, qos: qos, retain: true)
        lock.withLock {
            if retained.updateValue(m, forKey: topic) == nil { retainedOrder.append(topic) }
            guard isConnected else { return }
            if queue.isEmpty, inflight.count < options.maxInflight, send(m) { return }
            queue.push(m)
        }
    }

    /// Subscribes to `filter` (now if connected, and on every later connect). Messages go to the handler set by
    /// `onMessage`, on the network thread.
    public func subscribe(_ filter: String) {
        lock.withLock {
            subscriptions.append(filter)
            if isConnected { _ = mosquitto_subscribe(mosq, nil, filter, 1) }
        }
    }

    /// Receives every message of the subscriptions, on the network thread (keep it short).
    public func onMessage(_ h: @escaping @Sendable (String, [UInt8]) -> Void) { lock.withLock { handler = h } }

    /// Sends the farewell and what is queued (within `timeout` seconds), disconnects, stops the thread.
    /// Messages still unsent are counted as dropped.
    public func stop(timeout: Double = 2) {
        guard lock.withLock({ started }) else { return }
        if stopping.exchange(true, ordering: .relaxed) { return }
        wake.lock(); wake.broadcast(); wake.unlock()
        _ = finished.wait(timeout: .now() + timeout + 1)
    }

    // MARK: - Under `lock`

    /// Hands `m` to libmosquitto; false when it refused (no connection).
    private func send(_ m: MQTTMessage) -> Bool {
        var mid: Int32 = 0
        let rc = m.payload.withUnsafeBytes {
            mosquitto_publish(mosq, &mid, m.topic, Int32($0.count), $0.baseAddress, m.qos, m.retain)
        }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { return false }
        inflight[mid] = m.qos
        return true
    }

    private func drainLocked() {
        while isConnected, inflight.count < options.maxInflight, let m = queue.pop() {
            if !send(m) {
                queue.pushFront(m)
                return
            }
        }
    }

    // MARK: - Network thread

    private func runNetwork() {
        var backoff = Backoff(initial: options.reconnectInitialSeconds, maximum: options.reconnectMaxSeconds,
                              jitter: options.reconnectJitter)
        var session = false, firstAttempt = true
        var outage: String? = nil  // the reason logged for the current outage
        var lastConnections = 0
        while !stopping.load(ordering: .relaxed) {
            if !session {
                let rc = firstAttempt
                    ? mosquitto_connect(mosq, options.url.host, Int32(options.url.port), Int32(options.keepaliveSeconds))
                    : mosquitto_reconnect(mosq)
                firstAttempt = false
                if rc != MOSQ_ERR_SUCCESS.rawValue {
                    failed(MQTTClient.describe(rc), outage: &outage, backoff: &backoff)
                    continue
                }
                session = true
            }
            let rc = mosquitto_loop(mosq, 100, 1)
            let c = connections.load(ordering: .relaxed)
            if c != lastConnections {
                lastConnections = c
                backoff.reset()
                if let o = outage { log(.info, "mqtt: connected to \(options.url) (was: \(o))") } else {
                    log(.info, "mqtt: connected to \(options.url)")
                }
                outage = nil
            }
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                session = false
                disconnected()
                failed(refusal.withLock { $0.take() } ?? MQTTClient.describe(rc), outage: &outage, backoff: &backoff)
                continue
            }
            lock.withLock { drainLocked() }
        }
        if session { farewell() }
    }

    /// Logs the failure once per outage and reason, then waits out the backoff (or until `stop`).
    private func failed(_ reason: String, outage: inout String?, backoff: inout Backoff) {
        failures.wrappingAdd(1, ordering: .relaxed)
        let delay = backoff.nextDelay(random: random())
        lastRetryDelayMicros.store(Int(delay * 1e6), ordering: .relaxed)
        if outage != reason {
            log(.warning, "mqtt: \(options.url): \(reason); retrying with backoff (next in \(String(format: "%.1f", delay)) s, at most \(options.reconnectMaxSeconds) s); alerts keep going to the log")
            outage = reason
        } else {
            log(.debug, "mqtt: \(options.url): \(reason); next attempt in \(String(format: "%.1f", delay)) s")
        }
        wake.lock()
        if !stopping.load(ordering: .relaxed) { _ = wake.wait(until: Date(timeIntervalSinceNow: delay)) }
        wake.unlock()
    }

    private func disconnected() {
        lock.withLock {
            isConnected = false
            // QoS 0 messages not yet written are gone with the connection; QoS 1 ones are resent by libmosquitto.
            for (mid, qos) in inflight where qos == 0 {
                inflight[mid] = nil
                lost.wrappingAdd(1, ordering: .relaxed)
            }
            // Retained states wait in `retained`, not in the queue: they are all sent again on connect.
            queue.removeAll { $0.retain }
        }
    }

    /// On stop with a connection up: the farewell, then the queue until empty or the deadline, then DISCONNECT.
    private func farewell() {
        if let f = options.farewell { publish(f) }
        let deadline = Date(timeIntervalSinceNow: 2)
        while Date() < deadline {
            let busy = lock.withLock { () -> Bool in
                drainLocked()
                return !queue.isEmpty || inflight.values.contains(1)
            }
            guard busy, mosquitto_loop(mosq, 50, 1) == MOSQ_ERR_SUCCESS.rawValue else { break }
        }
        lock.withLock {
            lost.wrappingAdd(queue.count + inflight.count, ordering: .relaxed)
            while queue.pop() != nil {}
            inflight.removeAll()
            isConnected = false
        }
        mosquitto_disconnect(mosq)
        _ = mosquitto_loop(mosq, 50, 1)
    }

    /// The CONNACK's refusal, handed from the callback to the loop that then sees the connection close.
    private let refusal = Mutex<String?>(nil)

    fileprivate func connackReceived(_ rc: Int32) {
        guard rc == 0 else {
            refusal.withLock { $0 = "broker refused the connection: \(String(cString: mosquitto_connack_string(rc)))" }
            return
        }
        lock.withLock {
            isConnected = true
            for f in subscriptions { _ = mosquitto_subscribe(mosq, nil, f, 1) }
            if let b = options.birth { _ = send(b) }
            for t in retainedOrder.reversed() { if let m = retained[t] { queue.pushFront(m) } }
        }
        connections.wrappingAdd(1, ordering: .relaxed)
    }

    fileprivate func published(_ mid: Int32) {
        lock.withLock {
            if inflight.removeValue(forKey: mid) != nil { delivered.wrappingAdd(1, ordering: .relaxed) }
        }
    }

    fileprivate func received(_ topic: String, _ payload: [UInt8]) {
        let h = lock.withLock { handler }
        h?(topic, payload)
    }

    private func installCallbacks() {
        mosquitto_user_data_set(mosq, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_connect_callback_set(mosq) { _, obj, rc in
            Unmanaged<MQTTClient>.fromOpaque(obj!).takeUnretainedValue().connackReceived(rc)
        }
        mosquitto_publish_callback_set(mosq) { _, obj, mid in
            Unmanaged<MQTTClient>.fromOpaque(obj!).takeUnretainedValue().published(mid)
        }
        mosquitto_message_callback_set(mosq) { _, obj, msg in
            guard let msg else { return }
            let m = msg.pointee
            let topic = String(cString: m.topic)
            let bytes = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(m.payloadlen))) } ?? []
            Unmanaged<MQTTClient>.fromOpaque(obj!).takeUnretainedValue().received(topic, bytes)
        }
    }

    /// libmosquitto's reason for `rc`, with errno's text for system errors and a plainer word for lookups.
    static func describe(_ rc: Int32) -> String {
        if rc == MOSQ_ERR_ERRNO.rawValue { return String(cString: strerror(errno)) }
        if rc == MOSQ_ERR_EAI.rawValue { return "unknown host (name lookup failed)" }
        if rc == MOSQ_ERR_CONN_LOST.rawValue { return "connection lost" }
        if rc == MOSQ_ERR_TLS.rawValue { return "TLS handshake failed (is the port TLS? is ca_file the broker's CA?)" }
        return String(cString: mosquitto_strerror(rc))
    }
}

/// A client that could not be set up.
public struct MQTTError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
