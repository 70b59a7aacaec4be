import VigilCore

/// `detect.filters.<label>`: decodes into the detection stage's own filter type (defaults live there).
extension LabelFilter: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case minScore = "min_score", minArea = "min_area", maxArea = "max_area"
        case minRatio = "min_ratio", maxRatio = "max_ratio", mask
    }

    public init(from decoder: any Decoder) throws {
        self.init()
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
}
