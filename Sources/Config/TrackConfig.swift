import Tracking

/// `track:` — how detections become tracks; decodes straight into the tracker's own settings type (defaults live
/// there). Unset thresholds take the chosen tracker's defaults.
public typealias TrackConfig = TrackerSettings

extension TrackerSettings: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind
        case minScore = "min_score"
        case highScore = "high_score"
        case matchIoU = "match_iou"
        case minHits = "min_hits"
        case maxAge = "max_age"
        case matchDistance = "match_distance"
        case maxUnseenSeconds = "max_unseen_s"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let k = try c.decodeIfPresent(String.self, forKey: .kind) {
            guard let kind = TrackerKind(rawValue: k) else {
                throw c.invalid(.kind, "'\(k)' is not a tracker (iou, byte)")
            }
            self.kind = kind
        }
        func unit(_ key: CodingKeys) throws -> Float? {
            guard let v = try c.decodeIfPresent(Float.self, forKey: key) else { return nil }
            guard (0...1).contains(v) else { throw c.invalid(key, "\(v) is out of range 0…1") }
            return v
        }
        func count(_ key: CodingKeys, _ range: ClosedRange<Int>) throws -> Int? {
            guard let v = try c.decodeIfPresent(Int.self, forKey: key) else { return nil }
            guard range.contains(v) else { throw c.invalid(key, "\(v) is out of range \(range.lowerBound)…\(range.upperBound)") }
            return v
        }
        minScore = try unit(.minScore)
        highScore = try unit(.highScore)
        matchIoU = try unit(.matchIoU)
        minHits = try count(.minHits, 1...1000)
        maxAge = try count(.maxAge, 0...10000)
        if let v = try c.decodeIfPresent(Float.self, forKey: .matchDistance) {
            guard (0...2).contains(v) else { throw c.invalid(.matchDistance, "\(v) is out of range 0…2") }
            guard kind == .byte else { throw c.invalid(.matchDistance, "applies to kind: byte only") }
            matchDistance = v
        }
        if let v = try c.decodeIfPresent(Double.self, forKey: .maxUnseenSeconds) {
            guard (1...3600).contains(v) else { throw c.invalid(.maxUnseenSeconds, "\(v) is out of range 1…3600") }
            maxUnseenSeconds = v
        }
    }
}
