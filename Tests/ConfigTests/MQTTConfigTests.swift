import Config
import Testing
import VigilCore

struct MQTTConfigTests {
    static let base = "alerts:\n  path: /tmp/a.jsonl\ncameras:\n  - name: a\n    url: rtsp://127.0.0.1/a\n"

    static func error(_ text: String) -> ConfigError? {
        do { _ = try ConfigLoader.parse(text, file: "t.yaml", environment: [:]); return nil } catch let e as ConfigError {
            return e
        } catch { return nil }
    }

    /// The documented example's commented mqtt: section, uncommented, is valid and gives the defaults.
    @Test func documentedSectionIsValid() throws {
        let path = #filePath.replacingOccurrences(of: "Tests/ConfigTests/MQTTConfigTests.swift", with: "config/vigil.yaml")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0 == "# mqtt:" })
        let block = lines[start...].prefix { $0.hasPrefix("#") }.map { String($0.dropFirst(2)) }
        let c = try ConfigLoader.parse(Self.base + "node: gate-1\n" + block.joined(separator: "\n") + "\n",
                                       environment: ["VIGIL_MQTT_USER": "u", "VIGIL_MQTT_PASSWORD": "p"])
        let m = try #require(c.mqtt)
        #expect(m.url == MQTTURL(tls: false, host: "127.0.0.1", port: 1883))
        #expect(m.user == "u" && m.password == "p" && c.node == "gate-1")
        #expect(m.keepaliveSeconds == 30 && m.queueMaxMessages == 10_000 && m.queueMaxBytes == 64 << 20)
        #expect(m.statsIntervalSeconds == 60 && m.discovery && m.discoveryPrefix == "homeassistant")
        #expect(try ConfigLoader.parse(Self.base).mqtt == nil)
    }

    @Test func badValuesNameTheKey() {
        let cases: [(String, String)] = [
            ("mqtt:\n  url: http://h\n", "mqtt.url"),
            ("mqtt:\n  url: mqtt://h/vigil\n", "mqtt.url"),
            ("mqtt:\n  url: mqtt://h\n  topic_prefix: a/#\n", "mqtt.topic_prefix"),
            ("mqtt:\n  url: mqtt://h\n  keepalive_s: 1\n", "mqtt.keepalive_s"),
            ("mqtt:\n  url: mqtt://h\n  password: x\n", "mqtt.password"),
            ("mqtt:\n  url: mqtt://h\n  ca_file: /x.pem\n", "mqtt.ca_file"),
            ("mqtt:\n  url: mqtt://h\n  reconnect_initial_s: 5\n  reconnect_max_s: 1\n", "mqtt.reconnect_max_s"),
            ("mqtt:\n  url: mqtt://h\n  qos: 2\n", "mqtt.qos"),
            ("mqtt:\n  topic_prefix: v\n", "mqtt.url"),
            ("node: a/b\n", "node"),
        ]
        for (yaml, key) in cases {
            let e = Self.error(Self.base + yaml)
            #expect(e?.keyPath == key, "\(yaml): \(String(describing: e))")
        }
    }
}
