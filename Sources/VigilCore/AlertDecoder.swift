/// Reads an alert's JSON line back into an `Alert`: the reverse of `Alert.jsonLine()`, and the one reader of
/// the wire format (`vigil tail`, the HTTP API's event index, MQTT subscribers).
///
/// The line must be one JSON object with the required keys (`ts`, `media_time`, `frame`, `camera`, `event`,
/// `severity`) of the right types and the optional keys it has of the right types; every problem is a
/// `DecodingError` naming the key. Keys the format does not define (yet) are ignored, not errors: the format
/// grows by adding keys, and a newer node's lines must still reach older readers (`vigil tail`, which prints
/// them whole with `--json`, and the event index, which keeps the line as written). `decode(alert.jsonLine())`
/// gives an alert whose `jsonLine()` is the same bytes.
///
/// Thread safety: stateless.
public enum AlertDecoder {
    /// Why a line is not an alert.
    public struct DecodingError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// The keys this version of the format defines, in their order on the wire (others are ignored).
    public static let keys: [String] = ["ts", "media_time", "frame", "camera", "event", "severity", "track_id",
                                        "label", "score", "box", "zone", "line", "direction", "count", "dwell_s",
                                        "snapshot", "clip", "clip_offset_s", "details"]

    /// Decodes one line (UTF-8, without or with its trailing newline).
    public static func decode(_ line: some Collection<UInt8>) throws(DecodingError) -> Alert {
        var bytes = Array(line)
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else { throw DecodingError("empty line") }
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw DecodingError("not JSON: \(error)") }
        return try decode(object: value)
    }

    /// Decodes one line given as a string.
    public static func decode(_ line: String) throws(DecodingError) -> Alert { try decode(Array(line.utf8)) }

    /// Decodes an alert's JSON object.
    public static func decode(object value: JSONValue) throws(DecodingError) -> Alert {
        guard case .object(let members) = value else { throw DecodingError("not a JSON object") }
        let o = Fields(members: members)
        // Required keys in their order on the wire, so the first problem named is the first one in the line.
        let tsText = try o.string("ts", required: true)!
        guard let ts = Timestamp.parse(tsText) else { throw DecodingError("'ts' is not an RFC 3339 time: \(tsText)") }
        let mediaTime = try o.number("media_time", required: true)!
        let frame = try o.int("frame", required: true)!
        let camera = try o.string("camera", required: true)!
        guard !camera.isEmpty else { throw DecodingError("'camera' is empty") }
        let event = try o.string("event", required: true)!
        guard !event.isEmpty else { throw DecodingError("'event' is empty") }
        let severityText = try o.string("severity", required: true)!
        guard let severity = Severity(rawValue: severityText) else {
            throw DecodingError("'severity' must be info, warning or critical, not '\(severityText)'")
        }
        var alert = Alert(timestamp: ts, mediaTime: mediaTime, frame: frame, camera: CameraID(camera), event: event,
                          severity: severity)
        try decodeOptional(o, into: &alert)
        return alert
    }

    private static func decodeOptional(_ o: Fields, into a: inout Alert) throws(DecodingError) {
        a.trackID = try o.int("track_id")
        a.label = try o.string("label")
        a.score = try o.number("score").map(Float.init)
        a.box = try o.box("box")
        a.zone = try o.string("zone")
        a.line = try o.string("line")
        a.direction = try o.string("direction")
        a.count = try o.int("count")
        a.dwellSeconds = try o.number("dwell_s")
        a.snapshot = try o.string("snapshot")
        a.clip = try o.string("clip")
        a.clipOffsetSeconds = try o.number("clip_offset_s")
        if let d = o["details"] {
            guard case .object(let members) = d else { throw DecodingError("'details' must be an object") }
            a.details = members
        }
    }

    /// Typed access to an object's members; a key given as `null` counts as absent.
    private struct Fields {
        var members: [(String, JSONValue)]

        subscript(key: String) -> JSONValue? {
            guard let v = members.first(where: { $0.0 == key })?.1 else { return nil }
            if case .null = v { return nil }
            return v
        }

        func present(_ key: String, _ required: Bool) throws(DecodingError) -> JSONValue? {
            guard let v = self[key] else {
                if required { throw DecodingError("missing '\(key)'") }
                return nil
            }
            return v
        }

        func string(_ key: String, required: Bool = false) throws(DecodingError) -> String? {
            guard let v = try present(key, required) else { return nil }
            guard case .string(let s) = v else { throw DecodingError("'\(key)' must be a string") }
            return s
        }

        func int(_ key: String, required: Bool = false) throws(DecodingError) -> Int? {
            guard let v = try present(key, required) else { return nil }
            guard case .int(let i) = v else { throw DecodingError("'\(key)' must be an integer") }
            return i
        }

        func number(_ key: String, required: Bool = false) throws(DecodingError) -> Double? {
            switch try present(key, required) {
            case nil: return nil
            case .int(let i)?: return Double(i)
            case .double(let d)?: return d
            default: throw DecodingError("'\(key)' must be a number")
            }
        }

        func box(_ key: String) throws(DecodingError) -> Box? {
            guard let v = try present(key, false) else { return nil }
            guard case .array(let a) = v, a.count == 4 else { throw DecodingError("'\(key)' must be [x1, y1, x2, y2]") }
            var c: [Float] = []
            for e in a {
                switch e {
                case .int(let i): c.append(Float(i))
                case .double(let d): c.append(Float(d))
                default: throw DecodingError("'\(key)' must be [x1, y1, x2, y2] numbers")
                }
            }
            return Box(x1: c[0], y1: c[1], x2: c[2], y2: c[3])
        }
    }
}
