/// How urgently an operator should look at an alert.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case info, warning, critical

    public var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One alert: the unit operators act on, written as one JSON line (see the README, "Alerts").
/// Key order on the wire is fixed (`ts`, `media_time`, `frame`, `camera`, `event`, `severity`, then the
/// object and optional keys), so equal alerts are equal bytes.
public struct Alert: Sendable, Hashable {
    /// Wall-clock time of the event, seconds since the Unix epoch (UTC). Replay: start time + media time.
    public var timestamp: Double
    /// Seconds from stream start (from pts).
    public var mediaTime: Double
    /// Decoded-frame index (0-based).
    public var frame: Int
    public var camera: CameraID
    /// `motion_start`, `motion_end`, `object_enter`, `zone_enter`, `stream_down`, …
    public var event: String
    public var severity: Severity

    // About an object.
    public var trackID: Int?
    public var label: String?
    public var score: Float?
    public var box: Box?

    // Optional keys.
    public var zone: String?
    public var line: String?
    public var direction: String?
    public var count: Int?
    public var dwellSeconds: Double?
    public var snapshot: String?
    /// Extra facts, an ordered JSON object (e.g. motion regions, the reason of a stream error).
    public var details: [(String, JSONValue)]?

    public init(timestamp: Double, mediaTime: Double, frame: Int, camera: CameraID, event: String,
                severity: Severity, trackID: Int? = nil, label: String? = nil, score: Float? = nil,
                box: Box? = nil, zone: String? = nil, line: String? = nil, direction: String? = nil,
                count: Int? = nil, dwellSeconds: Double? = nil, snapshot: String? = nil,
                details: [(String, JSONValue)]? = nil) {
        self.timestamp = timestamp; self.mediaTime = mediaTime; self.frame = frame; self.camera = camera
        self.event = event; self.severity = severity; self.trackID = trackID; self.label = label
        self.score = score; self.box = box; self.zone = zone; self.line = line; self.direction = direction
        self.count = count; self.dwellSeconds = dwellSeconds; self.snapshot = snapshot; self.details = details
    }

    public static func == (a: Alert, b: Alert) -> Bool { a.jsonLine() == b.jsonLine() }
    public func hash(into h: inout Hasher) { h.combine(jsonLine()) }

    /// The alert as an ordered JSON object.
    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("ts", .string(Timestamp.rfc3339(timestamp))),
            ("media_time", .double(JSONValue.rounded(mediaTime, places: 3))),
            ("frame", .int(frame)),
            ("camera", .string(camera.name)),
            ("event", .string(event)),
            ("severity", .string(severity.rawValue)),
        ]
        if let trackID { o.append(("track_id", .int(trackID))) }
        if let label { o.append(("label", .string(label))) }
        if let score { o.append(("score", .double(JSONValue.rounded(Double(score), places: 3)))) }
        if let box {
            o.append(("box", .array([box.x1, box.y1, box.x2, box.y2].map {
                .double(JSONValue.rounded(Double($0), places: 1))
            })))
        }
        if let zone { o.append(("zone", .string(zone))) }
        if let line { o.append(("line", .string(line))) }
        if let direction { o.append(("direction", .string(direction))) }
        if let count { o.append(("count", .int(count))) }
        if let dwellSeconds { o.append(("dwell_s", .double(JSONValue.rounded(dwellSeconds, places: 3)))) }
        if let snapshot { o.append(("snapshot", .string(snapshot))) }
        if let details { o.append(("details", .object(details))) }
        return .object(o)
    }

    /// One JSON line, without the trailing newline.
    public func jsonLine() -> String { json.serialized() }
}
