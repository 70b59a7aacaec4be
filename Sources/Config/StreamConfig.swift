/// `stream:` — how the daemon opens live inputs and recovers when they fail (every camera).
/// Every field has a default and a range; see config/vigil.yaml for the documentation users read.
public struct StreamConfig: Decodable, Sendable, Equatable {
    /// Bounds connecting and probing a stream, seconds. 0.5…120.
    public var openTimeoutSeconds: Double = 10
    /// Bounds each packet read, seconds: a read that gets nothing for this long ends the session. 0.5…120.
    public var readTimeoutSeconds: Double = 5
    /// No-frames watchdog: a session that decodes no frame for this long (connected, packets or not) is
    /// closed and reopened. 1…600.
    public var noFramesTimeoutSeconds: Double = 10
    /// First reconnect delay, seconds; doubles after every failed attempt. 0.1…60.
    public var reconnectInitialSeconds: Double = 1
    /// Cap of the reconnect delay, seconds. 1…3600.
    public var reconnectMaxSeconds: Double = 30
    /// Random part of each delay: the delay is scaled by a factor in `1 - jitter … 1`. 0…1.
    public var reconnectJitter: Double = 0.2
    /// Decoded frames waiting for analysis per camera; when analysis falls behind, the oldest is dropped
    /// and counted. Rounded up to a power of two. 2…256.
    public var ringCapacity: Int = 8

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case openTimeoutSeconds = "open_timeout_s"
        case readTimeoutSeconds = "read_timeout_s"
        case noFramesTimeoutSeconds = "no_frames_timeout_s"
        case reconnectInitialSeconds = "reconnect_initial_s"
        case reconnectMaxSeconds = "reconnect_max_s"
        case reconnectJitter = "reconnect_jitter"
        case ringCapacity = "ring_capacity"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = StreamConfig()
        openTimeoutSeconds = try c.value(.openTimeoutSeconds, default: d.openTimeoutSeconds, in: 0.5...120)
        readTimeoutSeconds = try c.value(.readTimeoutSeconds, default: d.readTimeoutSeconds, in: 0.5...120)
        noFramesTimeoutSeconds = try c.value(.noFramesTimeoutSeconds, default: d.noFramesTimeoutSeconds, in: 1...600)
        reconnectInitialSeconds = try c.value(.reconnectInitialSeconds, default: d.reconnectInitialSeconds,
                                              in: 0.1...60)
        reconnectMaxSeconds = try c.value(.reconnectMaxSeconds, default: d.reconnectMaxSeconds, in: 1...3600)
        reconnectJitter = try c.value(.reconnectJitter, default: d.reconnectJitter, in: 0...1)
        ringCapacity = try c.value(.ringCapacity, default: d.ringCapacity, in: 2...256)
        if reconnectMaxSeconds < reconnectInitialSeconds {
            throw c.invalid(.reconnectMaxSeconds,
                            "\(reconnectMaxSeconds) is less than reconnect_initial_s (\(reconnectInitialSeconds))")
        }
    }
}
