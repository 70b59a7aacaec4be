import VigilCore

/// Thresholds of camera-tamper detection (`tamper:` in the config; ranges documented there).
///
/// Thread safety: a plain value.
public struct TamperParameters: Hashable, Sendable {
    public var enabled = true
    /// A condition must hold this long before `tamper` (and be gone this long before it can fire again).
    public var minSeconds = 2.0
    /// Seconds of learning at the start (and after a `moved` alert) before any alert.
    public var learnSeconds = 2.0
    /// Time constant of the running baselines (sharpness, brightness, contrast, background edges), seconds.
    public var baselineSeconds = 30.0
    /// Mean grey level below which the picture counts as dark (when its baseline is at least twice that).
    public var darkLevel = 16.0
    /// Grey-level standard deviation below which the picture counts as flat (when its baseline is ≥ 3×).
    public var flatLevel = 3.0
    /// Sharpness below this fraction of its baseline counts as defocused.
    public var defocusRatio = 0.5
    /// Edge-map correlation with the learnt background below this counts as moved.
    public var movedMatch = 0.6
    /// Background edge energy (grey levels per block) needed to judge `defocused` and `moved` at all: a scene
    /// without structure (a blank wall, a dark yard) can be neither.
    public var minTexture = 2.0
    /// Severity of `tamper`, and the cooldown before the same kind alerts again.
    public var action = RuleAction(severity: .critical, cooldownSeconds: 60)

    public init() {}
}

