import VigilCore

/// Motion settings of one camera: the detector's thresholds, the event hysteresis, and the analysis frame size.
/// The config (`motion:` in YAML, see config/vigil.yaml) decodes straight into this type, so defaults live here
/// only. Ranges are enforced by the config loader.
public struct MotionParameters: Sendable, Equatable {
    /// Run motion detection at all.
    public var enabled: Bool = true
    /// Height in pixels of the grey frame motion is computed on (width follows the aspect ratio). 40…720.
    public var frameHeight: Int = 120
    /// Per-pixel grey-level difference from the background that counts as changed. 1…255.
    public var threshold: Int = 25
    /// Running-average weight of the current frame in the background. 0.001…0.5.
    public var backgroundAlpha: Double = 0.02
    /// Box-blur radius before differencing, against sensor noise. 0…5.
    public var blur: Int = 1
    /// 3×3 dilations of the changed-pixel mask, joining the parts of one object. 0…10.
    public var dilate: Int = 2
    /// Smallest region, as a fraction of the frame area, counted in changed (undilated) pixels. 0…1.
    public var minRegionArea: Double = 0.0005
    /// Fraction of the frame changing at once that is taken as a lighting change (lights on, IR switch, auto
    /// exposure), not motion: the background is re-learnt and no motion is reported. 0.05…1 (1 = off).
    public var lightingChange: Double = 0.5
    /// Consecutive frames with motion before `motion_start`. 1…100.
    public var minFrames: Int = 3
    /// Seconds without motion before `motion_end`. 0…3600.
    public var eventGapSeconds: Double = 2.0
    /// At most this many regions are reported per frame (the largest). 1…256.
    public var maxRegions: Int = 16
    /// Polygons (source pixels) where motion is ignored: an on-screen clock, a tree, a road at the edge of the
    /// view. Changed pixels there count for nothing (no events, no regions, no detector gating).
    public var mask = PolygonMask()

    public init() {}
}
