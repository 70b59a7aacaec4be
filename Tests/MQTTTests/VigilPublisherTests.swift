import Config
import Foundation
import MQTT
import Testing
import TestSupport
import VigilCore

/// The publisher against a real mosquitto: alerts in, topics out, read back by a subscriber.
@Suite(.serialized) struct VigilPublisherTests {
    static func config(_ port: Int) -> MQTTConfig {
        var c = MQTTConfig()
        c.url = MQTTURL(tls: false, host: "127.0.0.1", port: port)
        c.reconnectInitialSeconds = 0.05
        c.reconnectMaxSeconds = 0.2
        return c
    }

    static func alert(_ event: String, camera: String = "front", frame: Int, track: Int? = nil, label: String? = nil,
                      snapshot: String? = nil) -> Alert {
        Alert(timestamp: 1_800_000_000 + Double(frame) / 25, mediaTime: Double(frame) / 25, frame: frame,
              camera: CameraID(camera), event: event, severity: .info, trackID: track, label: label,
              score: label == nil ? nil : 0.9, box: label == nil ? nil : Box(x1: 1, y1: 2, x2: 30, y2: 40),
              snapshot: snapshot)
    }

    static func camera(_ name: String, labels: [String]? = nil) -> CameraConfig {
        var c = CameraConfig(name: name, url: "rtsp://127.0.0.1/\(name)")
        c.detect.labels = labels
        return c
    }

    static func json(_ s: String?) -> [String: Any] {
        (s.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]) ?? [:]
    }

    @Test func eventsStatesCountsSnapshotsAndDiscovery() throws {
        let broker = try MosquittoBroker()
        let live = try Collector(port: broker.port, filters: ["vigil/#", "homeassistant/#"])
        #expect(live.awaitSubscribed())
        let dir = makeTemporaryDirectory("pub")
        let jpeg = dir.appendingPathComponent("snap.jpg").path
        let jpegBytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 7, count: 5000) + [0xFF, 0xD9]
        FileManager.default.createFile(atPath: jpeg, contents: Data(jpegBytes))
        let pub = try VigilPublisher(config: Self.config(broker.port), node: "n1", switchBoard: SwitchBoard(), log: { _, _ in })
        pub.setCameras([Self.camera("front", labels: ["person"])])
        pub.start()
        // Retained states are coalesced while the broker is away (the latest goes out on connect): wait for it so
        // that every count change below is seen.
        #expect(waitUntil(timeout: 10, poll: 0.01) { live.last("vigil/front/person") == "0" })
        let alerts = [
            Self.alert("motion_start", frame: 10),
            Self.alert("object_enter", frame: 12, track: 1, label: "person", snapshot: jpeg),
            Self.alert("object_enter", frame: 13, track: 2, label: "person"),
            Self.alert("object_enter", frame: 14, track: 3, label: "car"),
            Self.alert("object_exit", frame: 20, track: 1, label: "person"),
        ]
        for a in alerts { pub.consume(a) }
        #expect(live.waitFor("vigil/events", count: alerts.count))
        #expect(live.texts("vigil/events") == alerts.map { $0.jsonLine() })
        #expect(live.texts("vigil/front/person") == ["0", "1", "2", "1"], "\(live.texts("vigil/front/person"))")
        #expect(live.texts("vigil/front/car") == ["1"])
        #expect(live.texts("vigil/available").first == "online")

        // Retained: what a dashboard that connects now sees.
        let late = try Collector(port: broker.port, filters: ["vigil/#", "homeassistant/#"])
        #expect(late.awaitSubscribed())
        #expect(late.last("vigil/available") == "online")
        #expect(late.last("vigil/front/motion") == "ON")
        #expect(late.last("vigil/front/person") == "1")
        #expect(late.last("vigil/front/car") == "1")
        #expect(late.last("vigil/front/detect/state") == "ON" && late.last("vigil/front/motion/state") == "ON")
        #expect(late.all.last { $0.topic == "vigil/front/person/snapshot" }?.payload == jpegBytes)
        #expect(late.texts("vigil/events").isEmpty, "events are not retained")
        let motion = Self.json(late.last("homeassistant/binary_sensor/vigil/front_motion/config"))
        #expect(motion["state_topic"] as? String == "vigil/front/motion")
        #expect(motion["device_class"] as? String == "motion")
        #expect(motion["availability_topic"] as? String == "vigil/available")
        #expect((motion["device"] as? [String: Any])?["name"] as? String == "front")
        let sw = Self.json(late.last("homeassistant/switch/vigil/front_detect/config"))
        #expect(sw["command_topic"] as? String == "vigil/front/detect/set")
        #expect(sw["state_topic"] as? String == "vigil/front/detect/state")
        #expect(Self.json(late.last("homeassistant/sensor/vigil/front_person_count/config"))["state_topic"] as? String == "vigil/front/person")
        #expect(Self.json(late.last("homeassistant/sensor/vigil/front_car_count/config"))["state_topic"] as? String == "vigil/front/car")
        #expect(Self.json(late.last("homeassistant/camera/vigil/front_person_snapshot/config"))["topic"] as? String == "vigil/front/person/snapshot")

        // The camera leaves the config: its retained topics and discovery are cleared (empty retained payloads).
        pub.setCameras([])
        let cleared = ["homeassistant/binary_sensor/vigil/front_motion/config", "homeassistant/sensor/vigil/front_car_count/config",
                       "homeassistant/camera/vigil/front_person_snapshot/config", "vigil/front/motion", "vigil/front/person"]
        #expect(waitUntil(timeout: 10, poll: 0.01) { cleared.allSatisfy { live.last($0) == "" } })
        let after = try Collector(port: broker.port, filters: ["homeassistant/#", "vigil/front/#"])
        #expect(after.awaitSubscribed())
        #expect(after.all.isEmpty, "\(after.all.map(\.topic))")
        pub.stop()
        #expect(waitUntil(timeout: 10, poll: 0.01) { live.last("vigil/available") == "offline" })
    }

    @Test func switchesSetEchoAndIgnoreOthers() throws {
        let broker = try MosquittoBroker()
        let live = try Collector(port: broker.port, filters: ["vigil/#"])
        #expect(live.awaitSubscribed())
        let board = SwitchBoard()
        let log = LogLines()
        let pub = try VigilPublisher(config: Self.config(broker.port), node: "n1", switchBoard: board, log: log.sink)
        pub.setCameras([Self.camera("front")])
        pub.start()
        #expect(waitUntil(timeout: 10, poll: 0.01) { live.last("vigil/front/detect/state") == "ON" })
        live.client.publish(MQTTMessage(topic: "vigil/front/detect/set", text: "OFF"))
        live.client.publish(MQTTMessage(topic: "vigil/front/motion/set", text: "off"))
        #expect(waitUntil(timeout: 10, poll: 0.01) { !board.switches(for: "front").detect && !board.switches(for: "front").motion })
        #expect(live.waitFor("vigil/front/motion/state", count: 2))
        #expect(live.last("vigil/front/detect/state") == "OFF" && live.last("vigil/front/motion/state") == "OFF")
        live.client.publish(MQTTMessage(topic: "vigil/front/detect/set", text: "MAYBE"))
        live.client.publish(MQTTMessage(topic: "vigil/back/detect/set", text: "OFF"))  // another node's camera
        live.client.publish(MQTTMessage(topic: "vigil/front/detect/set", text: "ON"))
        #expect(waitUntil(timeout: 10, poll: 0.01) { board.switches(for: "front").detect })
        #expect(log.warnings.contains { $0.contains("'MAYBE' is not ON or OFF") })
        #expect(live.texts("vigil/back/detect/state").isEmpty)
        #expect(!board.switches(for: "front").motion)
        pub.stop()
    }

    @Test func statsCarryNodeCamerasAndCounters() throws {
        let broker = try MosquittoBroker()
        let live = try Collector(port: broker.port, filters: ["vigil/stats"])
        #expect(live.awaitSubscribed())
        let pub = try VigilPublisher(config: Self.config(broker.port), node: "edge-7", switchBoard: SwitchBoard(), log: { _, _ in })
        pub.start(stats: { [("cameras", .object([("front", .object([("analysis_fps", .double(5))]))]))] })
        #expect(waitUntil(timeout: 10, poll: 0.01) { pub.client.connected })
        pub.publishStats()
        #expect(live.waitFor("vigil/stats", count: 1))
        let s = Self.json(live.last("vigil/stats"))
        #expect(s["node"] as? String == "edge-7")
        #expect(((s["cameras"] as? [String: Any])?["front"] as? [String: Any])?["analysis_fps"] as? Double == 5)
        #expect((s["mqtt"] as? [String: Any])?["connected"] as? Bool == true)
        pub.stop()
    }
}
