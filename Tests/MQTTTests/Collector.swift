import Foundation
import MQTT
import Synchronization
import TestSupport
import VigilCore

/// A test subscriber over the MQTT target: records every message of its filters, in arrival order.
final class Collector: Sendable {
    let client: MQTTClient
    private let messages = Shared<[(topic: String, payload: [UInt8], time: UInt64)]>([])
    let logLines = Shared<[String]>([])

    init(port: Int, filters: [String], user: String? = nil, password: String? = nil) throws {
        var o = MQTTClientOptions(url: MQTTURL(tls: false, host: "127.0.0.1", port: port), clientID: "test-\(UUID().uuidString.prefix(8))")
        o.username = user; o.password = password
        o.reconnectInitialSeconds = 0.05; o.reconnectMaxSeconds = 0.2
        let lines = logLines
        client = try MQTTClient(o, log: { _, m in lines.withLock { $0.append(m) } })
        let box = messages
        client.onMessage { t, p in box.withLock { $0.append((t, p, DispatchTime.now().uptimeNanoseconds)) } }
        for f in filters { client.subscribe(f) }
        client.subscribe("probe/#")
        client.start()
    }

    deinit { client.stop() }

    /// Waits until the subscriptions are live: a probe it publishes comes back to it.
    func awaitSubscribed(timeout: Double = 10) -> Bool {
        let id = "probe/\(UUID().uuidString.prefix(8))"
        client.publish(MQTTMessage(topic: id, text: "x", qos: 1))
        return waitUntil(timeout: timeout, poll: 0.01) { self.messages.withLock { $0.contains { $0.topic == id } } }
    }

    var all: [(topic: String, payload: [UInt8], time: UInt64)] {
        messages.withLock { $0.filter { !$0.topic.hasPrefix("probe/") } }
    }

    func texts(_ topic: String) -> [String] { all.filter { $0.topic == topic }.map { String(decoding: $0.payload, as: UTF8.self) } }

    func last(_ topic: String) -> String? { texts(topic).last }

    func waitFor(_ topic: String, count: Int, timeout: Double = 20) -> Bool {
        waitUntil(timeout: timeout, poll: 0.01) { self.texts(topic).count >= count }
    }
}

/// A value behind a lock, shareable with closures.
final class Shared<T>: @unchecked Sendable {  // unchecked: `value` is only touched under `lock`
    private let lock = NSLock()
    private var value: T
    init(_ v: T) { value = v }
    func withLock<R>(_ f: (inout T) -> R) -> R { lock.lock(); defer { lock.unlock() }; return f(&value) }
}

/// Log lines of a client under test.
final class LogLines: Sendable {
    private let lines = Shared<[(MQTTLogLevel, String)]>([])
    var sink: @Sendable (MQTTLogLevel, String) -> Void { { l, m in self.lines.withLock { $0.append((l, m)) } } }
    var warnings: [String] { lines.withLock { $0.filter { $0.0 == .warning || $0.0 == .error }.map(\.1) } }
    var all: [String] { lines.withLock { $0.map(\.1) } }
}
