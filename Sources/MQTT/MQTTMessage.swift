/// One message to publish.
///
/// Thread safety: a plain value.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    /// 0 (at most once) or 1 (at least once).
    public var qos: Int32
    public var retain: Bool

    public init(topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false) {
        self.topic = topic; self.payload = payload; self.qos = qos; self.retain = retain
    }

    public init(topic: String, text: String, qos: Int32 = 1, retain: Bool = false) {
        self.init(topic: topic, payload: Array(text.utf8), qos: qos, retain: retain)
    }

    /// What the message costs in the outbound queue's byte bound: its topic and payload.
    public var size: Int { topic.utf8.count + payload.count }
}
