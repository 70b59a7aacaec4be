import VigilCore

/// How one rule's alerts go out: their severity, and the cooldown that keeps one event one alert (per rule and
/// track: the same rule does not alert about the same object again within `cooldownSeconds`).
///
/// Thread safety: a plain value.
public struct RuleAction: Hashable, Sendable {
    public var severity: Severity
    public var cooldownSeconds: Double

    public init(severity: Severity = .info, cooldownSeconds: Double = 30) {
        self.severity = severity; self.cooldownSeconds = cooldownSeconds
    }
}
