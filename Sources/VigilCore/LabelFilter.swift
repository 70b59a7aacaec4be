/// Per-label detection filters (`detect.filters.<label>` in the config, Frigate's vocabulary). Areas ≤ 1 are fractions of
/// the frame, larger values are pixels; ratios are width / height.
///
/// Thread safety: a value type; safe to share.
public struct LabelFilter: Sendable, Equatable {
    public var minScore: Float = 0
    public var minArea: Double = 0
    public var maxArea: Double = .infinity
    public var minRatio: Double = 0
    public var maxRatio: Double = .infinity
    /// Polygons (source pixels): an object of this label whose bottom centre lies inside is dropped.
    public var mask = PolygonMask()

    public init() {}

    /// Whether a detection of `score` with a `width`×`height` box in a `frameWidth`×`frameHeight` frame passes.
    public func accepts(score: Float, width: Float, height: Float, frameWidth: Int, frameHeight: Int) -> Bool {
        let area = Double(width) * Double(height), frame = Double(frameWidth * frameHeight)
        let lo = minArea <= 1 ? minArea * frame : minArea
        let hi = maxArea <= 1 ? maxArea * frame : maxArea
        let ratio = height > 0 ? Double(width) / Double(height) : .infinity
        return score >= minScore && area >= lo && area <= hi && ratio >= minRatio && ratio <= maxRatio
    }
}
