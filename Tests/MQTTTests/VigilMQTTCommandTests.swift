import Foundation
import MQTT
import Testing
import TestSupport
import VigilCore

/// `vigil replay`, `vigil run` and `vigil tail --mqtt` with a real broker (and GStreamer's RTSP server for live
/// cameras), read back by a subscriber in the test.
@Suite(.serialized) struct VigilMQTTCommandTests {
    static let serverMissing = "GStreamer's RTSP server is needed (scripts/install-deps.sh installs it)"

    static func config(cameras: [(String, String)], mqtt: String, extra: String = "") -> String {
        var s = "alerts:\n  path: ALERTS\ncameras:\n"
        for (name, url) in cameras { s += "  - name: \(name)\n    url: \(url)\n" }
        s += Fixtures.streamYAML() + """
            detect:
              fps: 5
              models: []              # motion only: these tests are about the bus, not detectors
            mqtt:
            \(mqtt.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n"))

            """
        return s + extra
    }

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func replayPublishesEveryAlertSameBytesSameOrder() throws {
        let broker = try MosquittoBroker()
        let live = try Collector(port: broker.port, filters: ["vigil/#"])
        #expect(live.awaitSubscribed())
        let dir = makeTemporaryDirectory("mqtt-replay")
        let cfg = dir.appendingPathComponent("v.yaml").path
        try "detect:\n  models: []\nmqtt:\n  url: \(broker.url)\nnode: bench-1\n".write(toFile: cfg, atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("alerts.jsonl").path
        let r = vigil(["replay", Fixtures.path("boxes.mp4"), "--config", cfg, "--alerts", log])
        #expect(r.status == 0, "\(r.stderr)")
        let file = Self.lines(log)
        #expect(file.count == 4 && file.allSatisfy { $0.contains("\"node\":\"bench-1\"") })
        #expect(live.waitFor("vigil/events", count: 4))
        #expect(live.texts("vigil/events") == file)
        let late = try Collector(port: broker.port, filters: ["vigil/#", "homeassistant/#"])
        #expect(late.awaitSubscribed())
        #expect(late.last("vigil/boxes/motion") == "OFF")
        #expect(late.last("vigil/available") == "offline", "a replay says goodbye at its end")
        #expect(late.all.contains { $0.topic == "homeassistant/binary_sensor/vigil/boxes_motion/config" })
    }

    /// The broker is away for the whole replay: every alert still reaches the file, the run ends with 0, and the
    /// client says so once.
    @Test func replayWithBrokerDownLosesNoFileAlert() throws {
        let dir = makeTemporaryDirectory("mqtt-down")
        let cfg = dir.appendingPathComponent("v.yaml").path
        try "detect:\n  models: []\nmqtt:\n  url: mqtt://127.0.0.1:\(FreePort.pick())\n".write(toFile: cfg, atomically: true, encoding: .utf8)
        let r = vigil(["replay", Fixtures.path("boxes.mp4"), "--config", cfg])
        #expect(r.status == 0)
        #expect(r.lines.count == 4)
        #expect(r.stderr.components(separatedBy: "Connection refused").count == 2, "\(r.stderr)")
    }

    /// Broker killed and restarted during a live run: alerts of the outage (three reloads) wait and arrive after
    /// the reconnect, in order, with nothing lost or repeated; `available` comes back `online`, and goes `offline`
    /// by the last will when the daemon dies. The restarted broker refuses the daemon until the test's
    /// subscriber listens again (password file rewritten, SIGHUP), so no message can pass unseen.
    @Test func liveRunQueuesWhileBrokerIsAwayAndResumesInOrder() throws {
        try #require(RTSPTestServer.isAvailable, "\(Self.serverMissing)")
        let dir = makeTemporaryDirectory("mqtt-live")
        let server = try RTSPTestServer(directory: dir)
        let users = ["test": "t", "vigil": "v3ry"]
        let broker = try MosquittoBroker(users: users)
        let live = try Collector(port: broker.port, filters: ["vigil/#"], user: "test", password: "t")
        #expect(live.awaitSubscribed())
        let mqtt = "url: \(broker.url)\nuser: vigil\npassword: ${VIGIL_MQTT_PASSWORD}\nreconnect_initial_s: 0.1\nreconnect_max_s: 0.5"
        let daemon = try DaemonProcess(config: Self.config(cameras: [("good", server.url("test"))], mqtt: mqtt), directory: dir,
                                       environment: ["VIGIL_MQTT_PASSWORD": "v3ry"])
        #expect(waitUntil(timeout: 20, poll: 0.05) { live.texts("vigil/events").contains { $0.contains("stream_up") } }, "\(daemon.stderr)")
        #expect(live.last("vigil/available") == "online")
        broker.stop(kill: true)
        for k in 1...3 {
            daemon.child.signal(SIGHUP)
            #expect(daemon.waitFor("config_reloaded", count: k, timeout: 10))
        }
        try Self.restart(broker, gatedFor: live, users: users)
        #expect(waitUntil(timeout: 20, poll: 0.05) { live.texts("vigil/events").filter { $0.contains("config_reloaded") }.count == 3 })
        #expect(waitUntil(timeout: 20, poll: 0.05) { live.texts("vigil/events").count == Self.lines(daemon.alertsPath).count })
        #expect(live.texts("vigil/events") == Self.lines(daemon.alertsPath), "same bytes, same order, nothing lost or repeated")
        #expect(waitUntil(timeout: 10, poll: 0.05) { live.last("vigil/available") == "online" })
        daemon.child.stop(SIGKILL, timeout: 5)
        #expect(waitUntil(timeout: 20, poll: 0.05) { live.last("vigil/available") == "offline" }, "the last will")
    }

    /// Starts the killed broker again, refusing everyone but the test's subscriber until it listens again (then
    /// `users` are let in by a rewritten password file and SIGHUP), so no message can pass unseen.
    static func restart(_ broker: MosquittoBroker, gatedFor live: Collector, users: [String: String]) throws {
        try broker.setUsers(["test": "t"])
        try broker.start()
        #expect(live.awaitSubscribed(timeout: 20))
        try broker.setUsers(users)
        broker.reload()
    }

    /// The queue bound (2 messages) exceeded during an outage: the oldest events are dropped and counted in the
    /// metrics, the newest arrive in order, and the alert log has them all.
    @Test func queueBoundDropsOldestCountsThemAndLosesNothingElse() throws {
        try #require(RTSPTestServer.isAvailable, "\(Self.serverMissing)")
        let dir = makeTemporaryDirectory("mqtt-bound")
        let server = try RTSPTestServer(directory: dir)
        let users = ["test": "t", "vigil": "v"]
        let broker = try MosquittoBroker(users: users)
        let live = try Collector(port: broker.port, filters: ["vigil/events"], user: "test", password: "t")
        #expect(live.awaitSubscribed())
        let metricsPort = FreePort.pick()
        let mqtt = "url: \(broker.url)\nuser: vigil\npassword: v\nqueue_max_messages: 2\nreconnect_initial_s: 0.1\nreconnect_max_s: 0.3"
        let daemon = try DaemonProcess(config: Self.config(cameras: [("good", server.url("test"))], mqtt: mqtt,
                                                           extra: "metrics:\n  listen: 127.0.0.1:\(metricsPort)\n"), directory: dir)
        #expect(waitUntil(timeout: 20, poll: 0.05) { live.texts("vigil/events").contains { $0.contains("stream_up") } }, "\(daemon.stderr)")
        #expect(waitUntil(timeout: 10, poll: 0.05) { live.texts("vigil/events").count == Self.lines(daemon.alertsPath).count })
        let before = live.texts("vigil/events")
        broker.stop(kill: true)
        #expect(waitUntil(timeout: 10, poll: 0.05) { httpGet(port: metricsPort, path: "/metrics")?.body.contains("vigil_mqtt_connected 0") == true })
        for k in 1...5 {
            daemon.child.signal(SIGHUP)
            #expect(daemon.waitFor("config_reloaded", count: k, timeout: 10))
        }
        // Every alert of the outage (the five reloads, and any the camera raised meanwhile) is in the log; all but
        // the two newest were dropped from the queue and counted.
        var file: [String] = []
        #expect(waitUntil(timeout: 10, poll: 0.1) {
            let dropped = httpGet(port: metricsPort, path: "/metrics")?.body.split(separator: "\n")
                .first { $0.hasPrefix("vigil_mqtt_messages_dropped_total ") }.flatMap { Int($0.split(separator: " ")[1]) }
            file = Self.lines(daemon.alertsPath)
            return dropped == file.count - before.count - 2
        }, "dropped = outage alerts - 2")
        #expect(file.count >= before.count + 5 && Array(file.prefix(before.count)) == before, "the log has every alert")
        try Self.restart(broker, gatedFor: live, users: users)
        #expect(waitUntil(timeout: 20, poll: 0.05) { live.texts("vigil/events").count >= before.count + 2 })
        let got = live.texts("vigil/events")
        #expect(Array(got.prefix(before.count + 2)) == before + file.suffix(2), "the two newest, in order")
        #expect(Array(got.dropFirst(before.count + 2)) == Array(Self.lines(daemon.alertsPath).dropFirst(file.count)),
                "and after them only what came later")
        #expect(daemon.child.stop(SIGTERM).status == 0)
    }

    /// A refused password: one log line, the camera's analysis goes on, the daemon stops cleanly.
    @Test func wrongPasswordLeavesAnalysisAlone() throws {
        try #require(RTSPTestServer.isAvailable, "\(Self.serverMissing)")
        let dir = makeTemporaryDirectory("mqtt-pw")
        let server = try RTSPTestServer(directory: dir)
        let broker = try MosquittoBroker(users: ["vigil": "right"])
        let mqtt = "url: \(broker.url)\nuser: vigil\npassword: wrong\nreconnect_initial_s: 0.1\nreconnect_max_s: 0.3"
        let daemon = try DaemonProcess(config: Self.config(cameras: [("good", server.url("test"))], mqtt: mqtt), directory: dir)
        #expect(daemon.waitFor("motion_start", camera: "good", timeout: 20), "\(daemon.stderr)")
        #expect(waitUntil(timeout: 10, poll: 0.05) { daemon.stderr.contains("not authorised") })
        let (status, _) = daemon.child.stop(SIGTERM, timeout: 10)
        #expect(status == 0)
        #expect(daemon.stderr.components(separatedBy: "not authorised").count == 2, "\(daemon.stderr)")
    }

    /// `mqtts://` with `ca_file`: a replay publishes every alert over TLS to a broker whose certificate the
    /// test's CA signed (made by openssl now), read back by a subscriber on the broker's plain listener. With a
    /// CA that did not sign the broker's certificate the handshake fails: one clear warning, and the file still
    /// gets every alert.
    @Test func mqttsWithCAFilePublishesAndAWrongCAFailsClearly() throws {
        let dir = makeTemporaryDirectory("mqtt-tls")
        let certs = try TestCertificates(directory: dir)
        let broker = try MosquittoBroker(tls: certs)
        let tlsPort = try #require(broker.tlsPort)
        let live = try Collector(port: broker.port, filters: ["vigil/events"])
        #expect(live.awaitSubscribed())
        for (name, ca) in [("right", certs.caFile), ("wrong", certs.otherCAFile)] {
            let cfg = dir.appendingPathComponent("\(name).yaml").path
            try "detect:\n  models: []\nmqtt:\n  url: mqtts://127.0.0.1:\(tlsPort)\n  ca_file: \(ca)\n"
                .write(toFile: cfg, atomically: true, encoding: .utf8)
            let log = dir.appendingPathComponent("\(name).jsonl").path
            let r = vigil(["replay", Fixtures.path("boxes.mp4"), "--config", cfg, "--alerts", log])
            #expect(r.status == 0, "\(r.stderr)")
            let file = Self.lines(log)
            #expect(file.count == 4, "\(name) CA: every alert in the file")
            if name == "right" {
                #expect(live.waitFor("vigil/events", count: 4), "\(r.stderr)")
                #expect(live.texts("vigil/events") == file)
                #expect(!r.stderr.contains("TLS"), "\(r.stderr)")
            } else {
                #expect(r.stderr.components(separatedBy: "TLS handshake failed").count == 2, "one warning: \(r.stderr)")
                #expect(r.stderr.contains("mqtts://127.0.0.1:\(tlsPort)"), "\(r.stderr)")
                #expect(live.texts("vigil/events").count == 4, "nothing arrived over the refused connection")
            }
        }
    }

    /// `vigil tail --mqtt` shows a newer node's alerts, which carry keys this version does not define, whole
    /// with `--json` and filtered as any alert.
    @Test func tailShowsANewerNodesLines() throws {
        let dir = makeTemporaryDirectory("mqtt-newer")
        let broker = try MosquittoBroker()
        let tail = try ChildProcess(Fixtures.vigil, ["tail", "--mqtt", "\(broker.url)/fleet", "--json", "--min-severity", "warning"],
                                    directory: dir)
        let probe = try Collector(port: broker.port, filters: [])
        let info = #"{"ts":"2026-01-01T00:00:00.000Z","media_time":0,"frame":0,"camera":"x","event":"probe","severity":"info","schema":2}"#
        let newer = #"{"ts":"2026-01-01T00:00:01.000Z","media_time":1,"frame":1,"camera":"x","event":"probe","severity":"warning","plate":{"text":"AB 123"},"schema":2}"#
        #expect(waitUntil(timeout: 20, poll: 0.2) {
            probe.client.publish(MQTTMessage(topic: "fleet/events", text: info))
            probe.client.publish(MQTTMessage(topic: "fleet/events", text: newer))
            return tail.stdoutText.contains(newer)
        }, "tail --mqtt prints the newer line: \(tail.stderrText)")
        tail.stop(SIGTERM)
        #expect(!tail.stdoutText.contains(info), "the filter still applies")
    }

    /// Two daemons share one config, each running its own camera (`--cameras`, `--node`); one `vigil tail --mqtt`
    /// shows both nodes' alerts.
    @Test func twoNodesOneTail() throws {
        try #require(RTSPTestServer.isAvailable, "\(Self.serverMissing)")
        let dir = makeTemporaryDirectory("mqtt-fleet")
        let server = try RTSPTestServer(directory: dir)
        let broker = try MosquittoBroker()
        let tail = try ChildProcess(Fixtures.vigil, ["tail", "--mqtt", "\(broker.url)/fleet", "--json", "--event", "stream_up,probe"],
                                    directory: dir)
        let probe = try Collector(port: broker.port, filters: [])
        let probeLine = #"{"ts":"2026-01-01T00:00:00.000Z","media_time":0,"frame":0,"camera":"x","event":"probe","severity":"info"}"#
        #expect(waitUntil(timeout: 20, poll: 0.2) {
            probe.client.publish(MQTTMessage(topic: "fleet/events", text: probeLine))
            return tail.stdoutText.contains(probeLine)
        }, "tail --mqtt listens: \(tail.stderrText)")
        let cfg = Self.config(cameras: [("north", server.url("test")), ("south", server.url("test"))],
                              mqtt: "url: \(broker.url)\ntopic_prefix: fleet",
                              // two daemons side by side: each its own API port (the default 8971 fits one)
                              extra: "api:\n  listen: 127.0.0.1:0\n")
        let cfgPath = dir.appendingPathComponent("shared.yaml").path
        try cfg.replacingOccurrences(of: "ALERTS", with: dir.appendingPathComponent("alerts.jsonl").path)
            .write(toFile: cfgPath, atomically: true, encoding: .utf8)
        let a = try ChildProcess(Fixtures.vigil, ["run", "--config", cfgPath, "--cameras", "north", "--node", "node-a"], directory: dir)
        let b = try ChildProcess(Fixtures.vigil, ["run", "--config", cfgPath, "--cameras", "south", "--node", "node-b"], directory: dir)
        #expect(waitUntil(timeout: 30, poll: 0.1) {
            let t = tail.stdoutText
            return t.contains(#""camera":"north","event":"stream_up""#) && t.contains(#""camera":"south","event":"stream_up""#)
        }, "\(tail.stdoutText)\n\(a.stderrText)\n\(b.stderrText)")
        let ups = tail.stdoutText.split(separator: "\n").filter { $0.contains("stream_up") }
        #expect(ups.contains { $0.contains("north") && $0.contains(#""node":"node-a""#) })
        #expect(ups.contains { $0.contains("south") && $0.contains(#""node":"node-b""#) })
        #expect(ups.count == 2, "each node runs only its own camera: \(ups)")
        #expect(a.stop(SIGTERM).status == 0 && b.stop(SIGTERM).status == 0)
        tail.stop(SIGTERM)
        let bad = vigil(["run", "--config", cfgPath, "--cameras", "west"])
        #expect(bad.status == 64 && bad.stderr.contains("no camera west"))
    }

    /// `…/motion/set OFF` holds back the camera's motion alerts, and a reload that restarts the camera keeps the
    /// switch. A second camera on the same moving test pattern, switch on, is the control: it raises motion_start
    /// in the same period.
    @Test func motionSwitchSurvivesReload() throws {
        try #require(RTSPTestServer.isAvailable, "\(Self.serverMissing)")
        let dir = makeTemporaryDirectory("mqtt-switch")
        let server = try RTSPTestServer(directory: dir)
        let broker = try MosquittoBroker()
        let live = try Collector(port: broker.port, filters: ["vigil/#"])
        #expect(live.awaitSubscribed())
        let cams = [("good", server.url("test")), ("ctl", server.url("test"))]
        let mqtt = "url: \(broker.url)"
        let daemon = try DaemonProcess(config: Self.config(cameras: cams, mqtt: mqtt), directory: dir)
        #expect(daemon.waitFor("stream_up", camera: "good", timeout: 20), "\(daemon.stderr)")
        live.client.publish(MQTTMessage(topic: "vigil/good/motion/set", text: "OFF"))
        #expect(waitUntil(timeout: 10, poll: 0.05) { live.last("vigil/good/motion/state") == "OFF" })
        // A changed read timeout restarts both cameras (new sessions, motion learnt afresh).
        try daemon.rewriteConfig(Self.config(cameras: cams, mqtt: mqtt).replacingOccurrences(of: "read_timeout_s: 2", with: "read_timeout_s: 3"))
        let before = daemon.alerts("motion_start", camera: "good").count
        let control = daemon.alerts("motion_start", camera: "ctl").count
        daemon.child.signal(SIGHUP)
        #expect(daemon.waitFor("config_reloaded", timeout: 10))
        let restarted = (daemon.alerts("config_reloaded").last?["details"] as? [String: Any])?["restarted"] as? [String]
        #expect(restarted == ["ctl", "good"])
        #expect(daemon.waitFor("stream_up", camera: "good", count: 2, timeout: 20))
        #expect(daemon.waitFor("motion_start", camera: "ctl", count: control + 1, timeout: 20), "the control camera sees the motion")
        #expect(daemon.alerts("motion_start", camera: "good").count == before, "held back after the reload too")
        #expect(live.last("vigil/good/motion/state") == "OFF" && live.last("vigil/ctl/motion/state") == "ON")
        #expect(daemon.child.stop(SIGTERM).status == 0)
    }
}
