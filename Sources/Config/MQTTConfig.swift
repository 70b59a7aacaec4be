import VigilCore

/// `mqtt:` — alerts, per-camera states, snapshots and stats on an MQTT broker, switches from it, and Home
/// Assistant discovery. Absent: no MQTT. Every key but `url` has a default; see config/vigil.yaml.
public struct MQTTConfig: Decodable, Sendable, Equatable {
    /// `mqtt://host:port` or `mqtts://host:port` (TLS, verified against `ca_file`).
    public var url: MQTTURL = MQTTURL(tls: false, host: "127.0.0.1", port: 1883)
    /// Every topic starts with it: `PREFIX/events`, `PREFIX/available`, `PREFIX/CAMERA/motion`, … 1–64 characters,
    /// no `+`, `#`, leading or trailing `/`.
    public var topicPrefix = "vigil"
    /// From the environment with `${NAME}`, so the config can stay world-readable.
    public var user: String? = nil
    public var password: String? = nil
    /// CA certificates (PEM) for `mqtts://`; default: the system's.
    public var caFile: String? = nil
    /// Default `vigil-NODE`. 1–64 characters.
    public var clientID: String? = nil
    public var keepaliveSeconds = 30
    /// The outbound queue while the broker is away: messages and bytes (oldest dropped first, counted).
    public var queueMaxMessages = 10_000
    public var queueMaxBytes = 64 << 20
    public var reconnectInitialSeconds = 1.0
    public var reconnectMaxSeconds = 30.0
    /// `PREFIX/stats` period.
    public var statsIntervalSeconds = 60.0
    /// Publish `PREFIX/CAMERA/LABEL/snapshot` (the JPEG of the latest object alert with a snapshot).
    public var snapshots = true
    /// Publish Home Assistant discovery messages under `discovery_prefix`.
    public var discovery = true
    public var discoveryPrefix = "homeassistant"

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url
        case topicPrefix = "topic_prefix"
        case user, password
        case caFile = "ca_file"
        case clientID = "client_id"
        case keepaliveSeconds = "keepalive_s"
        case queueMaxMessages = "queue_max_messages"
        case queueMaxBytes = "queue_max_bytes"
        case reconnectInitialSeconds = "reconnect_initial_s"
        case reconnectMaxSeconds = "reconnect_max_s"
        case statsIntervalSeconds = "stats_interval_s"
        case snapshots, discovery
        case discoveryPrefix = "discovery_prefix"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try EnvironmentExpansion.expand(try c.decode(String.self, forKey: .url), key: .url, in: c)
        switch MQTTURL.parse(raw) {
        case .success(let u):
            guard u.path.isEmpty else { throw c.invalid(.url, "'\(raw)': no path here; the prefix is topic_prefix") }
            url = u
        case .failure(let e): throw c.invalid(.url, e.description)
        }
        topicPrefix = try c.value(.topicPrefix, default: "vigil")
        guard MQTTConfig.validTopicLevel(topicPrefix, slashes: true) else {
            throw c.invalid(.topicPrefix, "'\(topicPrefix)' must be 1–64 characters without +, #, spaces or a leading/trailing /")
        }
        func optional(_ k: CodingKeys) throws -> String? {
            guard let v = try c.decodeIfPresent(String.self, forKey: k) else { return nil }
            return try EnvironmentExpansion.expand(v, key: k, in: c)
        }
        user = try optional(.user)
        password = try optional(.password)
        if password != nil && user == nil { throw c.invalid(.password, "a password needs mqtt.user") }
        caFile = try optional(.caFile)
        if caFile != nil && !url.tls { throw c.invalid(.caFile, "ca_file needs an mqtts:// url") }
        clientID = try optional(.clientID)
        if let id = clientID, !(1...64).contains(id.utf8.count) { throw c.invalid(.clientID, "must be 1–64 bytes") }
        keepaliveSeconds = try c.value(.keepaliveSeconds, default: 30, in: 5...3600)
        queueMaxMessages = try c.value(.queueMaxMessages, default: 10_000, in: 1...1_000_000)
        queueMaxBytes = try c.value(.queueMaxBytes, default: 64 << 20, in: 4096...(1 << 31))
        reconnectInitialSeconds = try c.value(.reconnectInitialSeconds, default: 1.0, in: 0.05...60)
        reconnectMaxSeconds = try c.value(.reconnectMaxSeconds, default: 30.0, in: 0.05...3600)
        if reconnectMaxSeconds < reconnectInitialSeconds {
            throw c.invalid(.reconnectMaxSeconds, "must be at least reconnect_initial_s (\(reconnectInitialSeconds))")
        }
        statsIntervalSeconds = try c.value(.statsIntervalSeconds, default: 60.0, in: 1...3600)
        snapshots = try c.value(.snapshots, default: true)
        discovery = try c.value(.discovery, default: true)
        discoveryPrefix = try c.value(.discoveryPrefix, default: "homeassistant")
        guard MQTTConfig.validTopicLevel(discoveryPrefix, slashes: true) else {
            throw c.invalid(.discoveryPrefix, "'\(discoveryPrefix)' must be 1–64 characters without +, #, spaces or a leading/trailing /")
        }
    }

    /// A topic prefix: 1–64 printable ASCII characters, no wildcard, no space, no empty level.
    public static func validTopicLevel(_ s: String, slashes: Bool) -> Bool {
        guard (1...64).contains(s.utf8.count), !s.hasPrefix("/"), !s.hasSuffix("/"), !s.contains("//") else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0 != "+" && $0 != "#" && (slashes || $0 != "/") }
    }
}
