import VigilCore

/// Home Assistant MQTT discovery messages (`DISCOVERY/COMPONENT/NODE_ID/OBJECT_ID/config`, retained) for one
/// camera: its motion binary sensor, the detect and motion switches, and per label a count sensor and the
/// snapshot camera entity. All carry the camera's device info and `PREFIX/available` as availability. Pure.
///
/// Thread safety: a plain value.
public struct HomeAssistantDiscovery: Sendable {
    public var prefix: String
    public var discoveryPrefix: String

    public init(prefix: String, discoveryPrefix: String) {
        self.prefix = prefix; self.discoveryPrefix = discoveryPrefix
    }

    /// HA's node id: the topic prefix, characters outside `[A-Za-z0-9_-]` as `_`.
    public var nodeID: String { HomeAssistantDiscovery.clean(prefix) }

    static func clean(_ s: String) -> String {
        String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" })
    }

    /// The camera's messages that do not depend on labels.
    public func camera(_ cam: String) -> [MQTTMessage] {
        [
            entity("binary_sensor", cam, "motion", [
                ("name", .string("Motion")), ("state_topic", .string("\(prefix)/\(cam)/motion")),
                ("payload_on", .string("ON")), ("payload_off", .string("OFF")), ("device_class", .string("motion")),
            ]),
            entity("switch", cam, "detect", switchFields(cam, "detect", "Detect")),
            entity("switch", cam, "motion_switch", switchFields(cam, "motion", "Motion alerts")),
        ]
    }

    /// The count sensor and snapshot camera of one label of `cam`.
    public func label(_ cam: String, _ label: String) -> [MQTTMessage] {
        let l = HomeAssistantDiscovery.clean(label)
        return [
            entity("sensor", cam, "\(l)_count", [
                ("name", .string("\(label) count")), ("state_topic", .string("\(prefix)/\(cam)/\(label)")),
                ("state_class", .string("measurement")), ("icon", .string("mdi:counter")),
            ]),
            entity("camera", cam, "\(l)_snapshot", [
                ("name", .string("\(label) snapshot")), ("topic", .string("\(prefix)/\(cam)/\(label)/snapshot")),
            ]),
        ]
    }

    private func switchFields(_ cam: String, _ kind: String, _ name: String) -> [(String, JSONValue)] {
        [
            ("name", .string(name)), ("command_topic", .string("\(prefix)/\(cam)/\(kind)/set")),
            ("state_topic", .string("\(prefix)/\(cam)/\(kind)/state")), ("payload_on", .string("ON")),
            ("payload_off", .string("OFF")), ("icon", .string(kind == "detect" ? "mdi:motion-sensor" : "mdi:run")),
        ]
    }

    private func entity(_ component: String, _ cam: String, _ object: String, _ fields: [(String, JSONValue)]) -> MQTTMessage {
        let objectID = "\(HomeAssistantDiscovery.clean(cam))_\(object)"
        var o = fields
        o.append(("unique_id", .string("\(nodeID)_\(objectID)")))
        o.append(("object_id", .string(objectID)))
        o.append(("availability_topic", .string("\(prefix)/available")))
        o.append(("payload_available", .string("online")))
        o.append(("payload_not_available", .string("offline")))
        o.append(("device", .object([
            ("identifiers", .array([.string("\(nodeID)_\(HomeAssistantDiscovery.clean(cam))")])),
            ("name", .string(cam)), ("manufacturer", .string("Vigil")), ("model", .string("Vigil camera")),
        ])))
        return MQTTMessage(topic: "\(discoveryPrefix)/\(component)/\(nodeID)/\(objectID)/config",
                           text: JSONValue.object(o).serialized(), retain: true)
    }
}
