/// Motion detection thresholds (`motion:` at the top level, overridable per camera).
/// Every field has a default and a range; see config/vigil.yaml for the documentation users read.
public struct MotionConfig: Codable, Sendable, Equatable {
    /// Run motion detection at all.
    public var enabled: Bool = true
    /// Height in pixels of the grey frame motion is computed on (width follows the aspect ratio). 40…720.
    public var frameHeight: Int = 120
    /// Per-pixel difference from the background (0–255 grey levels) that counts as changed. 1…255.
    public var threshold: Int = 25
    /// Weight of the current frame in the running-average background. 0.001…0.5.
    public var backgroundAlpha: Double = 0.02
    /// Box-blur radius applied before differencing, against sensor noise. 0…5.
    public var blur: Int = 1
    /// 3×3 dilations of the changed-pixel mask, joining the parts of one moving object. 0…10.
    public var dilate: Int = 2
    /// Smallest region kept, as a fraction of the frame area. 0…1.
    public var minRegionArea: Double = 0.0005
    /// Fraction of the frame changing at once that is taken as a lighting change (lights on, IR switch,
    /// auto exposure), not motion: the background is re-learnt and no motion is reported. 0.05…1 (1 = off).
    public var lightingChange: Double = 0.5
    /// Consecutive frames with motion before `motion_start`. 1…100.
    public var minFrames: Int = 3
    /// Seconds without motion before `motion_end`. 0…3600.
    public var eventGapSeconds: Double = 2.0
    /// At most this many regions are reported per frame (the largest). 1…256.
    public var maxRegions: Int = 16

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled
        case frameHeight = "frame_height"
        case threshold
        case backgroundAlpha = "background_alpha"
        case blur, dilate
        case minRegionArea = "min_region_area"
        case lightingChange = "lighting_change"
        case minFrames = "min_frames"
        case eventGapSeconds = "event_gap_s"
        case maxRegions = "max_regions"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MotionConfig()
        enabled = try c.value(.enabled, default: d.enabled)
        frameHeight = try c.value(.frameHeight, default: d.frameHeight, in: 40...720)
        threshold = try c.value(.threshold, default: d.threshold, in: 1...255)
        backgroundAlpha = try c.value(.backgroundAlpha, default: d.backgroundAlpha, in: 0.001...0.5)
        blur = try c.value(.blur, default: d.blur, in: 0...5)
        dilate = try c.value(.dilate, default: d.dilate, in: 0...10)
        minRegionArea = try c.value(.minRegionArea, default: d.minRegionArea, in: 0...1)
        lightingChange = try c.value(.lightingChange, default: d.lightingChange, in: 0.05...1)
        minFrames = try c.value(.minFrames, default: d.minFrames, in: 1...100)
        eventGapSeconds = try c.value(.eventGapSeconds, default: d.eventGapSeconds, in: 0...3600)
        maxRegions = try c.value(.maxRegions, default: d.maxRegions, in: 1...256)
    }
}
