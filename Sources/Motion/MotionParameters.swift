/// The motion detector's thresholds (mirrors `Config.MotionConfig`, without depending on it).
public struct MotionParameters: Sendable, Equatable {
    /// Per-pixel grey-level difference from the background that counts as changed (1…255).
    public var threshold: Int = 25
    /// Running-average weight of the current frame (0.001…0.5).
    public var backgroundAlpha: Double = 0.02
    /// Box-blur radius before differencing (0…5).
    public var blur: Int = 1
    /// 3×3 dilations joining the parts of one object (0…10).
    public var dilate: Int = 2
    /// Smallest region, as a fraction of the frame area, counted in changed (undilated) pixels.
    public var minRegionArea: Double = 0.0005
    /// Changed fraction taken as a lighting change rather than motion (1 = never).
    public var lightingChange: Double = 0.5
    /// Consecutive motion frames before `motion_start`.
    public var minFrames: Int = 3
    /// Seconds without motion before `motion_end`.
    public var eventGapSeconds: Double = 2.0
    /// Largest regions kept per frame.
    public var maxRegions: Int = 16

    public init() {}
}
