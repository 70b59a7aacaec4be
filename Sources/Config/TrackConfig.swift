/// `track:` — how detections become tracks. Unset thresholds take the chosen tracker's defaults.
public struct TrackConfig: Decodable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Bochinski et al.'s IoU tracker (online form).
        case iou
        /// Constant-velocity Kalman prediction, optimal assignment, ByteTrack's two-stage association.
        case byte
    }

    /// `iou` or `byte`. Default `byte` (better identities: see docs/tracking.md).
    public var kind: Kind = .byte
    /// Lowest detection score used at all (iou: σ_l; byte: the low-score threshold). 0…1.
    public var minScore: Float? = nil
    /// iou: best score a track needs (σ_h); byte: the high-score threshold. 0…1.
    public var highScore: Float? = nil
    /// Minimum IoU to extend a track (iou: σ_IoU; byte: the first stage). 0…1.
    public var matchIoU: Float? = nil
    /// Hits before a track is confirmed (t_min). 1…1000.
    public var minHits: Int? = nil
    /// Frames a confirmed track may miss before it ends. 0…10000.
    public var maxAge: Int? = nil

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind
        case minScore = "min_score"
        case highScore = "high_score"
        case matchIoU = "match_iou"
        case minHits = "min_hits"
        case maxAge = "max_age"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let k = try c.decodeIfPresent(String.self, forKey: .kind) {
            guard let kind = Kind(rawValue: k) else {
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
    }
}
