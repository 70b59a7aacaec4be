/// One entry of a camera's `lines:`.
public struct LineConfig: Decodable, Sendable, Equatable {
    public var name: String
    public var from: PointConfig
    public var to: PointConfig
    public var labels: [String] = []
    /// `both`, `left_to_right` or `right_to_left`: which crossings alert (both are counted).
    public var directions = "both"
    public var schedule: String? = nil
    public var severity = "info"
    public var cooldownSeconds: Double? = nil

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, from, to, labels, directions, schedule, severity
        case cooldownSeconds = "cooldown_s"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        guard (1...64).contains(name.count) else { throw c.invalid(.name, "must be 1–64 characters") }
        from = try c.decode(PointConfig.self, forKey: .from)
        to = try c.decode(PointConfig.self, forKey: .to)
        guard from != to else { throw c.invalid(.to, "a line needs two different points") }
        labels = try c.value(.labels, default: [])
        directions = try c.value(.directions, default: "both")
        guard ["both", "left_to_right", "right_to_left"].contains(directions) else {
            throw c.invalid(.directions, "'\(directions)' is not one of both, left_to_right, right_to_left")
        }
        schedule = try c.decodeIfPresent(String.self, forKey: .schedule)
        severity = try c.severity(.severity, default: "info")
        cooldownSeconds = try c.decodeIfPresent(Double.self, forKey: .cooldownSeconds)
        if let v = cooldownSeconds, !(0...86400).contains(v) { throw c.invalid(.cooldownSeconds, "\(v) is out of range 0…86400") }
    }
}
