import VigilCore

/// How `MQTTClient` connects and queues.
///
/// Thread safety: a plain value.
public struct MQTTClientOptions: Sendable {
    public var url: MQTTURL
    /// CA certificates (PEM) to verify an `mqtts://` broker; nil: the system's.
    public var caFile: String? = nil
    public var username: String? = nil
    public var password: String? = nil
    public var clientID: String
    public var keepaliveSeconds: Int = 30
    /// Published by the broker when the connection is lost without a DISCONNECT (the last will).
    public var will: MQTTMessage? = nil
    /// Published (and kept for every later connect) as soon as a connection is up: `online` to the will's topic.
    public var birth: MQTTMessage? = nil
    /// Published before a clean disconnect (the will only fires on a lost connection).
    public var farewell: MQTTMessage? = nil
    /// Bounds of the queue of messages waiting for the broker (count, topic + payload bytes).
    public var queueMessages: Int = 10_000
    public var queueBytes: Int = 64 << 20
    /// QoS 1 messages handed to libmosquitto and not yet acknowledged, at most (the rest wait in the queue).
    public var maxInflight: Int = 16
    public var reconnectInitialSeconds: Double = 1
    public var reconnectMaxSeconds: Double = 30
    public var reconnectJitter: Double = 0.2

    public init(url: MQTTURL, clientID: String) { self.url = url; self.clientID = clientID }
}

/// What the client tells its owner; the owner logs it.
public enum MQTTLogLevel: Sendable { case debug, info, warning, error }
