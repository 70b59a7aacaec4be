/// A camera's `stationary:`.
public struct StationaryConfig: Decodable, Sendable, Equatable {
    public var stationarySeconds = 60.0
    public var ignoreLabels = ["person"]
    public var schedule: String? = nil
    public var severity = "warning"

    enum CodingKeys: String, CodingKey, CaseIterable {
        case stationarySeconds = "stationary_s"
        case ignoreLabels = "ignore_labels"
        case schedule, severity
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stationarySeconds = try c.value(.stationarySeconds, default: 60, in: 0...864000)
        ignoreLabels = try c.value(.ignoreLabels, default: ["person"])
        schedule = try c.decodeIfPresent(String.self, forKey: .schedule)
        severity = try c.severity(.severity, default: "warning")
    }
}
