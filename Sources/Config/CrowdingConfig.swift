/// A zone's `crowding:`.
public struct CrowdingConfig: Decodable, Sendable, Equatable {
    public var maxCount: Int
    public var minSeconds = 5.0
    public var label: String? = nil
    public var severity = "warning"

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxCount = "max_count"
        case minSeconds = "min_s"
        case label, severity
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxCount = try c.decode(Int.self, forKey: .maxCount)
        guard (0...10000).contains(maxCount) else { throw c.invalid(.maxCount, "\(maxCount) is out of range 0…10000") }
        minSeconds = try c.value(.minSeconds, default: 5, in: 0...86400)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        severity = try c.severity(.severity, default: "warning")
    }
}
