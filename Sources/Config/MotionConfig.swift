import Motion

/// `motion:` (top level, and per camera on top of it) decodes into the detector's own parameter type.
public typealias MotionConfig = MotionParameters

extension MotionParameters: Decodable {
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
        case mask
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.value(.enabled, default: enabled)
        frameHeight = try c.value(.frameHeight, default: frameHeight, in: 40...720)
        threshold = try c.value(.threshold, default: threshold, in: 1...255)
        backgroundAlpha = try c.value(.backgroundAlpha, default: backgroundAlpha, in: 0.001...0.5)
        blur = try c.value(.blur, default: blur, in: 0...5)
        dilate = try c.value(.dilate, default: dilate, in: 0...10)
        minRegionArea = try c.value(.minRegionArea, default: minRegionArea, in: 0...1)
        lightingChange = try c.value(.lightingChange, default: lightingChange, in: 0.05...1)
        minFrames = try c.value(.minFrames, default: minFrames, in: 1...100)
        eventGapSeconds = try c.value(.eventGapSeconds, default: eventGapSeconds, in: 0...3600)
        maxRegions = try c.value(.maxRegions, default: maxRegions, in: 1...256)
        mask = try c.mask(.mask)
    }
}
