/// One entry of a camera's `zones:`.
public struct ZoneConfig: Decodable, Sendable, Equatable {
    public var name: String
    public var polygon: [PointConfig]
    public var labels: [String] = []
    public var inertia = 3
    public var schedule: String? = nil
    /// `zone_enter`/`zone_exit` reported (false: the zone only feeds loitering and crowding).
    public var report = true
    public var severity = "info"
    public var cooldownSeconds: Double? = nil
    public var loiterSeconds: Double? = nil
    public var loiterSeverity = "warning"
    public var crowding: CrowdingConfig? = nil

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, polygon, labels, inertia, schedule, report, severity
        case cooldownSeconds = "cooldown_s"
        case loiterSeconds = "loiter_s"
        case loiterSeverity = "loiter_severity"
        case crowding
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        guard (1...64).contains(name.count) else { throw c.invalid(.name, "must be 1–64 characters") }
        polygon = try c.decode([PointConfig].self, forKey: .polygon)
        guard polygon.count >= 3 else { throw c.invalid(.polygon, "a zone needs at least 3 points, found \(polygon.count)") }
        var twiceArea = 0.0
        for i in polygon.indices {
            let p = polygon[i], q = polygon[(i + 1) % polygon.count]
            twiceArea += p.x * q.y - q.x * p.y
        }
        guard abs(twiceArea) > 1e-6 else { throw c.invalid(.polygon, "the polygon encloses no area") }
        labels = try c.value(.labels, default: [])
        inertia = try c.value(.inertia, default: 3, in: 1...1000)
        schedule = try c.decodeIfPresent(String.self, forKey: .schedule)
        report = try c.value(.report, default: true)
        severity = try c.severity(.severity, default: "info")
        cooldownSeconds = try c.decodeIfPresent(Double.self, forKey: .cooldownSeconds)
        if let v = cooldownSeconds, !(0...86400).contains(v) { throw c.invalid(.cooldownSeconds, "\(v) is out of range 0…86400") }
        loiterSeconds = try c.decodeIfPresent(Double.self, forKey: .loiterSeconds)
        if let v = loiterSeconds, !(0...86400).contains(v) { throw c.invalid(.loiterSeconds, "\(v) is out of range 0…86400") }
        loiterSeverity = try c.severity(.loiterSeverity, default: "warning")
        crowding = try c.decodeIfPresent(CrowdingConfig.self, forKey: .crowding)
    }
}
