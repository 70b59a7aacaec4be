import Motion
import Rules
import VigilCore

/// What a camera's analysis applies in place, from the next frame, when the config is reloaded: motion
/// thresholds, tamper settings, the detector's filters and cadence, the zones, lines and schedules, and the
/// snapshot settings. (The model itself, the URL and the stream settings restart the camera.) The analysis
/// chain's own types: the config maps onto them in one place (Pipeline's `AnalysisSettings+Config.swift`).
///
/// Thread safety: a plain value.
public struct AnalysisSettings: Sendable, Equatable {
    public var motion: MotionParameters
    public var tamper: TamperParameters
    public var detect: DetectionSettings
    public var rules: RuleSet
    public var snapshots: SnapshotSettings

    public init(motion: MotionParameters = .init(), tamper: TamperParameters = .init(),
                detect: DetectionSettings = .init(), rules: RuleSet = RuleSet(), snapshots: SnapshotSettings = .init()) {
        self.motion = motion; self.tamper = tamper; self.detect = detect; self.rules = rules
        self.snapshots = snapshots
    }
}

/// The detection stage's settings: which models (loaded once per camera; a change restarts the camera), and
/// what a reload changes from the next frame: the cadence, motion gating and region planning, and the filters
/// (label allow-list, per-label size and score, object masks).
///
/// Thread safety: a plain value.
public struct DetectionSettings: Sendable, Equatable {
    /// The models, in order (a shipped name, a model directory or an `.onnx` file); empty: motion only.
    public var models: [String] = []
    /// Class names of a `yolo` model, by class index (nil: COCO's 80); an `ssd-anchors` model takes the first.
    public var labelNames: [String]? = nil
    /// Lowest detector score kept (nil: the adapter's own threshold).
    public var minScore: Float? = nil
    /// Motion-gated detection: only the regions that move are searched, plus a full frame every
    /// `fullFrameSeconds`; off (or with motion off): full frames every `everyNFrames`.
    public var motionGating = true
    /// Seconds of stream time between two full-frame passes while gated.
    public var fullFrameSeconds = 5.0
    /// Most regions searched in one frame; more are merged.
    public var maxRegions = 4
    /// Margin added on every side of a motion region, as a fraction of its larger side.
    public var regionPadding = 0.25
    /// Smallest side of a searched region, as a fraction of the frame's shorter side.
    public var minRegionSize = 0.25
    /// When the searched regions would cover this fraction of the frame, one full-frame pass instead.
    public var fullFrameCoverage = 0.5
    /// Run the detector on every Nth analysed frame (1: all).
    public var everyNFrames = 1
    /// Motion-gated: motion the tracker explains — inside the boxes of confirmed tracks a detection matched
    /// within the last N − 1 analysed frames — is searched on every Nth analysed frame only (the tracks are held
    /// in between); other motion at once. 1 (the default): every analysed frame searches all motion.
    public var trackedEveryNFrames = 1
    /// Allow-list of labels reported (nil: all).
    public var labels: [String]? = nil
    /// Per-label filters.
    public var filters: [String: LabelFilter] = [:]
    /// Object mask of every label: an object whose bottom centre lies inside is dropped before tracking.
    public var mask = PolygonMask()

    public init() {}

    /// Whether a detection is reported: its label is allowed, it passes its label's filter, and its box's
    /// bottom centre (source pixels) lies outside the object masks (`mask`, the label filter's `mask`).
    public func accepts(label: String, score: Float, box: Box, frameWidth: Int, frameHeight: Int) -> Bool {
        guard accepts(label: label, score: score, width: box.width, height: box.height, frameWidth: frameWidth,
                      frameHeight: frameHeight) else { return false }
        let x = Double(box.x1 + box.x2) / 2, y = Double(box.y2)
        if mask.contains(x: x, y: y) { return false }
        if let m = filters[label]?.mask, m.contains(x: x, y: y) { return false }
        return true
    }

    /// Whether `label` is reported at all and passes its filter (size and score; masks: see above).
    public func accepts(label: String, score: Float, width: Float, height: Float, frameWidth: Int, frameHeight: Int) -> Bool {
        if let labels, !labels.contains(label) { return false }
        guard let f = filters[label] else { return true }
        return f.accepts(score: score, width: width, height: height, frameWidth: frameWidth, frameHeight: frameHeight)
    }
}

/// Snapshots: JPEGs of the frame with the box and label drawn, for alerts about objects.
///
/// Thread safety: a plain value.
public struct SnapshotSettings: Sendable, Equatable {
    public var enabled = false
    /// Directory the snapshots go to (created with its parents on first use).
    public var directory = ""
    /// Keep at most this many snapshots; 0: no limit by count.
    public var retainCount = 1000
    /// Delete snapshots older than this many days; 0: no limit by age.
    public var retainDays = 7.0
    /// JPEG quantiser: 2 (best, largest) … 31.
    public var quality = 4

    public init(enabled: Bool = false, directory: String = "", retainCount: Int = 1000, retainDays: Double = 7,
                quality: Int = 4) {
        self.enabled = enabled; self.directory = directory; self.retainCount = retainCount
        self.retainDays = retainDays; self.quality = quality
    }
}
