import Config
import Motion

extension MotionParameters {
    /// The detector's parameters from a camera's (merged) `motion:` config.
    public init(_ c: MotionConfig) {
        self.init()
        threshold = c.threshold
        backgroundAlpha = c.backgroundAlpha
        blur = c.blur
        dilate = c.dilate
        minRegionArea = c.minRegionArea
        lightingChange = c.lightingChange
        minFrames = c.minFrames
        eventGapSeconds = c.eventGapSeconds
        maxRegions = c.maxRegions
    }
}
