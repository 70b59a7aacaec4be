import Config
import Rules
import VigilCore

extension TamperParameters {
    /// The detector's parameters from a camera's (merged) `tamper:` config.
    public init(_ c: TamperConfig) {
        self.init()
        enabled = c.enabled
        minSeconds = c.minSeconds
        learnSeconds = c.learnSeconds
        baselineSeconds = c.baselineSeconds
        darkLevel = c.darkLevel
        flatLevel = c.flatLevel
        defocusRatio = c.defocusRatio
        movedMatch = c.movedMatch
        minTexture = c.minTexture
        action = RuleAction(severity: Severity(rawValue: c.severity) ?? .critical, cooldownSeconds: c.cooldownSeconds)
    }
}
