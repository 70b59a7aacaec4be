import CommandSupport
import Foundation
import MQTT
import VigilCore

extension TailCommand {
    /// `--mqtt mqtt://host:port/PREFIX`: follows `PREFIX/events` (default prefix `vigil`) on the broker with the
    /// same filters and output as the file tail, until a signal ends it. User and password from
    /// `VIGIL_MQTT_USER`/`VIGIL_MQTT_PASSWORD`, CA certificates for `mqtts://` from `VIGIL_MQTT_CA_FILE`.
    func followMQTT(_ urlText: String, output: TailOutput) throws -> Never {
        let url: MQTTURL
        switch MQTTURL.parse(urlText) {
        case .success(let u): url = u
        case .failure(let e): throw UsageError(message: "--mqtt \(e.description)")
        }
        let prefix = url.path.isEmpty ? "vigil" : url.path
        let env = ProcessInfo.processInfo.environment
        var o = MQTTClientOptions(url: url, clientID: "vigil-tail-\(getpid())-\(UUID().uuidString.prefix(6))")
        o.username = env["VIGIL_MQTT_USER"]
        o.password = env["VIGIL_MQTT_PASSWORD"]
        o.caFile = env["VIGIL_MQTT_CA_FILE"]
        o.reconnectInitialSeconds = 0.5
        o.reconnectMaxSeconds = 10
        let client: MQTTClient
        do {
            client = try MQTTClient(o, log: { level, message in
                if level != .debug { Console.err("vigil: \(message)") }
            })
        } catch {
            throw UsageError(message: "--mqtt \(urlText): \(error)")
        }
        let printer = TailPrinter(output)
        client.onMessage { _, payload in printer.handle(payload) }
        client.subscribe("\(prefix)/events")
        client.start()
        unblockStopSignals()
        while true { pause() }
    }
}

/// `TailOutput` shared with the MQTT client's network thread.
///
/// Thread safety: `handle` from any thread, serialised by `lock`.
final class TailPrinter: @unchecked Sendable {  // unchecked: `output` is only touched under `lock`
    private let lock = NSLock()
    private var output: TailOutput

    init(_ output: TailOutput) { self.output = output }

    func handle(_ bytes: [UInt8]) { lock.withLock { output.handle(bytes) } }
}
