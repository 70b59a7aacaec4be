import Foundation
import MQTT
import Testing
import TestSupport
import VigilCore

/// The client against a real mosquitto on a free loopback port.
@Suite(.serialized) struct MQTTClientTests {
    static func options(_ port: Int, user: String? = nil, password: String? = nil) -> MQTTClientOptions {
        var o = MQTTClientOptions(url: MQTTURL(tls: false, host: "127.0.0.1", port: port), clientID: "pub-\(UUID().uuidString.prefix(6))")
        o.username = user; o.password = password
        o.reconnectInitialSeconds = 0.05; o.reconnectMaxSeconds = 0.2; o.reconnectJitter = 0
        return o
    }

    @Test func deliversQoS1InOrder() throws {
        let broker = try MosquittoBroker()
        let sub = try Collector(port: broker.port, filters: ["t/#"])
        #expect(sub.awaitSubscribed())
        let log = LogLines()
        let pub = try MQTTClient(Self.options(broker.port), log: log.sink)
        pub.start()
        for i in 0..<300 { pub.publish(MQTTMessage(topic: "t/events", text: "event \(i)")) }
        #expect(sub.waitFor("t/events", count: 300))
        #expect(sub.texts("t/events") == (0..<300).map { "event \($0)" })
        #expect(waitUntil(timeout: 10, poll: 0.01) { pub.delivered.load(ordering: .relaxed) == 300 })
        #expect(pub.dropped == 0)
        pub.stop()
    }

    /// The broker is killed; events published meanwhile wait in the queue and arrive, in order, after it is back.
    /// (The restarted broker refuses the publisher until the test's subscriber is listening again, so nothing
    /// can go out before anyone listens: the refusal is lifted by rewriting the password file and SIGHUP.)
    @Test func queuedEventsArriveInOrderAfterBrokerRestart() throws {
        let users = ["test": "t", "vigil": "v"]
        let broker = try MosquittoBroker(users: users)
        let log = LogLines()
        let pub = try MQTTClient(Self.options(broker.port, user: "vigil", password: "v"), log: log.sink)
        pub.start()
        #expect(waitUntil(timeout: 10, poll: 0.01) { pub.connected })
        for i in 0..<20 { pub.publish(MQTTMessage(topic: "t/events", text: "e\(i)")) }
        #expect(waitUntil(timeout: 10, poll: 0.01) { pub.delivered.load(ordering: .relaxed) == 20 })
        broker.stop(kill: true)
        #expect(waitUntil(timeout: 10, poll: 0.01) { !pub.connected })
        for i in 20..<70 { pub.publish(MQTTMessage(topic: "t/events", text: "e\(i)")) }
        #expect(pub.queued.messages == 50)
        try broker.setUsers(["test": "t"])
        try broker.start()
        let sub = try Collector(port: broker.port, filters: ["t/#"], user: "test", password: "t")
        #expect(sub.awaitSubscribed())
        #expect(waitUntil(timeout: 10, poll: 0.01) { log.all.contains { $0.contains("not authorised") } })
        try broker.setUsers(users)
        broker.reload()
        #expect(sub.waitFor("t/events", count: 50))
        #expect(sub.texts("t/events") == (20..<70).map { "e\($0)" })
        #expect(pub.dropped == 0)
        pub.stop()
    }

    @Test func boundedQueueDropsOldestAndCounts() throws {
        let broker = try MosquittoBroker(users: ["test": "t"])
        var o = Self.options(broker.port, user: "vigil", password: "v")
        o.queueMessages = 10
        let log = LogLines()
        let pub = try MQTTClient(o, log: log.sink)
        pub.start()
        for i in 0..<25 { pub.publish(MQTTMessage(topic: "t/events", text: "e\(i)")) }
        #expect(pub.dropped == 15)
        #expect(pub.queued.messages == 10)
        let sub = try Collector(port: broker.port, filters: ["t/#"], user: "test", password: "t")
        #expect(sub.awaitSubscribed())
        try broker.setUsers(["test": "t", "vigil": "v"])
        broker.reload()
        #expect(sub.waitFor("t/events", count: 10))
        #expect(sub.texts("t/events") == (15..<25).map { "e\($0)" })
        pub.stop()
    }

    /// A refused password: one warning naming the reason, retries with a doubling, capped delay.
    @Test func wrongPasswordLogsOnceAndBacksOff() throws {
        let broker = try MosquittoBroker(users: ["vigil": "right"])
        let log = LogLines()
        let pub = try MQTTClient(Self.options(broker.port, user: "vigil", password: "wrong"), log: log.sink,
                                 random: { 0.5 })
        pub.start()
        #expect(waitUntil(timeout: 20, poll: 0.01) { pub.failures.load(ordering: .relaxed) >= 5 })
        pub.stop()
        #expect(log.warnings.count == 1)
        #expect(log.warnings.first?.contains("not authorised") == true)
        #expect(pub.lastRetryDelayMicros.load(ordering: .relaxed) == 200_000)
        #expect(!pub.connected)
    }

    @Test func tlsToPlainPortLogsOnce() throws {
        let broker = try MosquittoBroker()
        var o = Self.options(broker.port)
        o.url.tls = true
        let log = LogLines()
        let pub = try MQTTClient(o, log: log.sink)
        pub.start()
        #expect(waitUntil(timeout: 20, poll: 0.01) { pub.failures.load(ordering: .relaxed) >= 3 })
        pub.publish(MQTTMessage(topic: "t/x", text: "queued, not lost"))
        pub.stop()
        #expect(log.warnings.count == 1, "\(log.all)")
        #expect(log.warnings.first?.contains("mqtts://127.0.0.1:\(broker.port)") == true)
        #expect(pub.connections.load(ordering: .relaxed) == 0)
    }

    @Test func unknownHostLogsOnce() throws {
        var o = Self.options(1883)
        o.url.host = "no-such-host.invalid"
        let log = LogLines()
        let pub = try MQTTClient(o, log: log.sink)
        pub.start()
        #expect(waitUntil(timeout: 30, poll: 0.01) { pub.failures.load(ordering: .relaxed) >= 3 })
        pub.stop()
        #expect(log.warnings.count == 1, "\(log.all)")
        #expect(log.warnings.first?.contains("unknown host") == true, "\(log.all)")
    }

    @Test func outboundQueueBoundsByBytes() {
        var q = OutboundQueue(maxMessages: 100, maxBytes: 30)
        for i in 0..<5 { q.push(MQTTMessage(topic: "t", text: "012345678\(i)")) }  // 11 bytes each
        #expect(q.count == 2 && q.dropped == 3 && q.bytes == 22)
        q.push(MQTTMessage(topic: "t", payload: Array(repeating: 0, count: 40)))
        #expect(q.count == 2 && q.dropped == 4)
        #expect(q.pop()?.payload == Array("0123456783".utf8))
    }

    @Test func parsesURLs() throws {
        #expect(try MQTTURL.parse("mqtt://h:1884/vigil").get() == MQTTURL(tls: false, host: "h", port: 1884, path: "vigil"))
        #expect(try MQTTURL.parse("mqtts://broker").get() == MQTTURL(tls: true, host: "broker", port: 8883))
        #expect(try MQTTURL.parse("mqtt://[::1]:1883/a/b/").get() == MQTTURL(tls: false, host: "::1", port: 1883, path: "a/b"))
        for bad in ["http://h", "mqtt://:1883", "mqtt://h:0", "mqtt://u:p@h", "mqtt://h:x"] {
            #expect(throws: MQTTURLError.self) { try MQTTURL.parse(bad).get() }
        }
    }
}
