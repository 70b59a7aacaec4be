import ArgumentParser
import Config
import Foundation
import MQTT
import Sinks
import VigilCore

/// `vigil bench mqtt`: on one mosquitto (started on a free loopback port unless `--broker` names one), the
/// rate of alert events Vigil's client publishes with QoS 1 until a subscriber has them all, beside
/// `mosquitto_pub -q 1 -l` sending the same lines; and the latency from an alert written to the alert log
/// (then handed to the publisher) to the subscriber receiving it, beside a line written to a running
/// `mosquitto_pub -l`'s stdin to the same subscriber, both paced. Rounds alternate which side goes first.
///
/// Thread safety: used from the command's thread only (the subscriber's callback only touches `Received`).
struct MQTTBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "QoS 1 events/s and write-to-receive latency beside mosquitto_pub -l on the same broker."
    )
    static var shared: BenchOptions.Uses { [.rounds] }

    @OptionGroup var common: BenchOptions

    @Option(help: "Events per rate round.")
    var count = 5000

    @Option(name: .customLong("latency-count"), help: "Paced events per latency run.")
    var latencyCount = 500

    @Option(help: "A running broker, mqtt://HOST:PORT (default: a mosquitto started on a free loopback port).")
    var broker: String?

    var rounds: Int { common.rounds ?? 3 }

    func validateSuite() throws {
        guard count > 0, latencyCount > 0 else { throw ValidationError("--count and --latency-count need a positive count") }
        _ = try brokerURL()
    }

    func brokerURL() throws -> MQTTURL? {
        guard let broker else { return nil }
        guard case .success(let u) = MQTTURL.parse(broker) else { throw ValidationError("--broker needs mqtt://HOST:PORT") }
        return u
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-mqtt-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try brokerURL().map { BenchBroker(url: $0) } ?? BenchBroker(directory: dir)
        defer { server.stop() }
        let url = server.url
        progress("broker \(url)")
        let sub = try BenchSubscriber(url: url)
        let lines = (0..<count).map { AlertLogBench.alert($0).jsonLine() }
        var ours: [Double] = [], theirs: [Double] = []
        for r in 0..<rounds {
            let sides = r % 2 == 0 ? [true, false] : [false, true]
            for vigilSide in sides {
                let topic = "bench/rate/\(r)/\(vigilSide ? "vigil" : "ref")"
                sub.reset(topic)
                if vigilSide { ours.append(try rateVigil(url, topic, lines, sub)) } else {
                    theirs.append(try rateReference(url, topic, lines, sub, dir))
                }
            }
        }
        progress("rate, \(count) events of \(lines[0].utf8.count) bytes, QoS 1, \(rounds) rounds: Vigil \(BenchBroker.spread(ours)), "
                 + "mosquitto_pub -l \(BenchBroker.spread(theirs)) msg/s")
        let (p, ref) = try latency(url, sub, dir, progress)
        return [
            BenchFigure(name: "events published, QoS 1 (median of \(rounds))", value: BenchBroker.median(ours), unit: "msg/s",
                        reference: "mosquitto_pub -q 1 -l", referenceValue: BenchBroker.median(theirs), higherIsBetter: true),
            BenchFigure(name: "alert written → received, p50", value: p.p50 * 1000, unit: "ms",
                        reference: "line into mosquitto_pub -l → received, p50", referenceValue: ref.p50 * 1000, higherIsBetter: false),
            BenchFigure(name: "alert written → received, p99", value: p.p99 * 1000, unit: "ms",
                        reference: "line into mosquitto_pub -l → received, p99", referenceValue: ref.p99 * 1000, higherIsBetter: false),
        ]
    }

    /// Messages per second from the first publish until the subscriber has all of them.
    private func rateVigil(_ url: MQTTURL, _ topic: String, _ lines: [String], _ sub: BenchSubscriber) throws -> Double {
        var o = MQTTClientOptions(url: url, clientID: "vigil-bench-\(getpid())")
        o.queueMessages = lines.count + 10
        let client = try MQTTClient(o, log: { _, _ in })
        client.start()
        defer { client.stop() }
        guard BenchBroker.wait(10, { client.connected }) else { throw BenchError("cannot connect to \(url)") }
        let t0 = BenchBroker.now()
        for l in lines { client.publish(MQTTMessage(topic: topic, text: l, qos: 1)) }
        guard BenchBroker.wait(120, { sub.count >= lines.count }) else { throw BenchError("Vigil's messages did not all arrive") }
        return Double(lines.count) / (sub.lastTime - t0)
    }

    private func rateReference(_ url: MQTTURL, _ topic: String, _ lines: [String], _ sub: BenchSubscriber, _ dir: URL) throws -> Double {
        let file = dir.appendingPathComponent("lines.txt")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_pub")
        p.arguments = ["-h", url.host, "-p", "\(url.port)", "-q", "1", "-t", topic, "-l"]
        p.standardInput = try FileHandle(forReadingFrom: file)
        let t0 = BenchBroker.now()
        try p.run()
        guard BenchBroker.wait(120, { sub.count >= lines.count }) else { throw BenchError("mosquitto_pub's messages did not all arrive") }
        p.waitUntilExit()
        return Double(lines.count) / (sub.lastTime - t0)
    }

    /// Paced alerts (one every 2 ms): Vigil's path (alert log write, then the publisher) and a line into a
    /// running `mosquitto_pub -l`, alternating halves; seconds from written to received.
    private func latency(_ url: MQTTURL, _ sub: BenchSubscriber, _ dir: URL, _ progress: (String) -> Void) throws
        -> (vigil: (p50: Double, p99: Double), ref: (p50: Double, p99: Double)) {
        var cfg = MQTTConfig()
        cfg.url = url
        cfg.topicPrefix = "bench/lat"
        cfg.discovery = false
        let publisher = try VigilPublisher(config: cfg, node: "bench", switchBoard: SwitchBoard(), log: { _, _ in })
        publisher.start()
        defer { publisher.stop() }
        guard BenchBroker.wait(10, { publisher.client.connected }) else { throw BenchError("cannot connect to \(url)") }
        let log = try AlertLog(path: dir.appendingPathComponent("alerts.jsonl").path, options: AlertLogOptions())
        let ref = Process()
        let pipe = Pipe()
        ref.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_pub")
        ref.arguments = ["-h", url.host, "-p", "\(url.port)", "-q", "1", "-t", "bench/ref/events", "-l"]
        ref.standardInput = pipe
        try ref.run()
        defer { try? pipe.fileHandleForWriting.close(); ref.waitUntilExit() }
        usleep(300_000)  // mosquitto_pub connects before reading stdin
        var ours: [Double] = [], theirs: [Double] = []
        for half in 0..<2 {
            for vigilSide in (half == 0 ? [true, false] : [false, true]) {
                let topic = vigilSide ? "bench/lat/events" : "bench/ref/events"
                sub.reset(topic)
                var sent: [Double] = []
                for k in 0..<(latencyCount / 2) {
                    let a = AlertLogBench.alert(k)
                    if vigilSide {
                        try log.write(a)
                        sent.append(BenchBroker.now())
                        publisher.consume(a)
                    } else {
                        sent.append(BenchBroker.now())
                        pipe.fileHandleForWriting.write(Data((a.jsonLine() + "\n").utf8))
                    }
                    usleep(2000)
                }
                guard BenchBroker.wait(30, { sub.count >= sent.count }) else { throw BenchError("paced messages did not all arrive") }
                let got = sub.times
                let d = zip(sent, got).map { $1 - $0 }
                if vigilSide { ours += d } else { theirs += d }
            }
        }
        progress("latency, \(ours.count) paced alerts each side: Vigil p50/p99 \(BenchBroker.ms(ours, 0.5))/\(BenchBroker.ms(ours, 0.99)) ms, "
                 + "mosquitto_pub -l \(BenchBroker.ms(theirs, 0.5))/\(BenchBroker.ms(theirs, 0.99)) ms")
        return ((BenchBroker.quantile(ours, 0.5), BenchBroker.quantile(ours, 0.99)),
                (BenchBroker.quantile(theirs, 0.5), BenchBroker.quantile(theirs, 0.99)))
    }
}

/// The benchmark's broker (its own mosquitto on a free loopback port, stopped by PID) and small helpers.
///
/// Thread safety: used from the command's thread only.
final class BenchBroker {
    let url: MQTTURL
    private var process: Process? = nil

    init(url: MQTTURL) { self.url = url }

    init(directory: URL) throws {
        let port = BenchBroker.freePort()
        let conf = directory.appendingPathComponent("mosquitto.conf")
        try "listener \(port) 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n"
            .write(to: conf, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/mosquitto")
        p.arguments = ["-c", conf.path]
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        url = MQTTURL(tls: false, host: "127.0.0.1", port: port)
        guard BenchBroker.wait(10, { BenchBroker.accepts(port) }) else { throw BenchError("mosquitto did not start") }
    }

    func stop() {
        guard let p = process, p.isRunning else { return }
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
    }

    static func now() -> Double { MonotonicClock.seconds() }

    static func wait(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let end = now() + seconds
        while now() < end { if condition() { return true }; usleep(1000) }
        return condition()
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len); return getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: a.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        guard let fd = connectLoopback(port: port) else { return false }
        close(fd)
        return true
    }

    static func median(_ v: [Double]) -> Double { BenchStats.median(v) }

    static func quantile(_ v: [Double], _ q: Double) -> Double { BenchStats.quantile(v, q) }

    static func ms(_ v: [Double], _ q: Double) -> String { String(format: "%.2f", quantile(v, q) * 1000) }

    static func spread(_ v: [Double]) -> String {
        String(format: "median %.0f (%.0f…%.0f)", median(v), v.min() ?? 0, v.max() ?? 0)
    }
}

/// Counts and times the messages of one topic at a time.
///
/// Thread safety: `reset` from the command's thread, the callback from the client's network thread; state behind `lock`.
final class BenchSubscriber: @unchecked Sendable {  // unchecked: state is behind `lock`
    private let lock = NSLock()
    private var topic = ""
    private var received: [Double] = []
    private let client: MQTTClient

    init(url: MQTTURL) throws {
        client = try MQTTClient(MQTTClientOptions(url: url, clientID: "vigil-bench-sub-\(getpid())"), log: { _, _ in })
        client.onMessage { [weak self] t, _ in self?.got(t) }
        client.subscribe("bench/#")
        client.start()
        guard BenchBroker.wait(10, { self.client.connected }) else { throw BenchError("subscriber cannot connect") }
        usleep(200_000)  // the SUBACK
    }

    deinit { client.stop() }

    private func got(_ t: String) {
        let now = BenchBroker.now()
        lock.withLock { if t == topic { received.append(now) } }
    }

    func reset(_ t: String) { lock.withLock { topic = t; received = [] } }
    var count: Int { lock.withLock { received.count } }
    var lastTime: Double { lock.withLock { received.last ?? 0 } }
    var times: [Double] { lock.withLock { received } }
}
