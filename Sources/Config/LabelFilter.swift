import VigilCore

/// Per-label detection filters (`detect.filters.<label>`, Frigate's vocabulary). Areas ≤ 1 are fractions of
/// the frame, larger values are pixels; ratios are width / height.
///
/// Thread safety: a value type; safe to share.
public struct LabelFilter: Decodable, Sendable, Equatable {
    public var minScore: Float = 0
    public var minArea: Double = 0
    public var maxArea: Double = .infinity
    public var minRatio: Double = 0
    public var maxRatio: Double = .infinity
    /// Polygons (source pixels): an object of this label whose bottom centre lies inside is dropped.
    public var mask = PolygonMask()

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case minScore = "min_score", minArea = "min_area", maxArea = "max_area"
        case minRatio = "min_ratio", maxRatio = "max_ratio", mask
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minScore = try c.value(.minScore, default: minScore, in: 0...1)
        minArea = try c.value(.minArea, default: minArea, in: 0...1e9)
        maxArea = try c.value(.maxArea, default: maxArea, in: 0...Double.infinity)
        minRatio = try c.value(.minRatio, default: minRatio, in: 0...1e6)
        maxRatio = try c.value(.maxRatio, default: maxRatio, in: 0...Double.infinity)
        mask = try c.mask(.mask)
        if minArea > maxArea { throw c.invalid(.maxArea, "\(maxArea) is below min_area \(minArea)") }
        if minRatio > maxRatio { throw c.invalid(.maxRatio, "\(maxRatio) is below min_ratio \(minRatio)") }
    }

    /// Whether a detection of `score` with a `width`×`height` box in a `frameWidth`×`frameHeight` frame passes.
    public func accepts(score: Float, width: Float, height: Float, frameWidth: Int, frameHeight: Int) -> Bool {
        let area = Double(width) * Double(height), frame = Double(frameWidth * frameHeight)
        let lo = minArea <= 1 ? minArea * frame : minArea
        let hi = maxArea <= 1 ? maxArea * frame : maxArea
        let ratio = height > 0 ? Double(width) / Double(height) : .infinity
        return score >= minScore && area >= lo && area <= hi && ratio >= minRatio && ratio <= maxRatio
    }
}
