import VigilCore

/// `stationary_object` when an object (not one of `ignoredLabels`, by default people) has stayed put for
/// `seconds`: left luggage, a parked car. Once per object for its whole life, never once per frame.
/// "Stayed put" is the tracker's `isStationary` (its box keeps overlapping where it settled).
///
/// Thread safety: a plain value.
public struct StationaryRule: Hashable, Sendable {
    public var seconds: Double
    public var ignoredLabels: Set<String>
    public var action: RuleAction
    public var schedule: Schedule?

    public init(seconds: Double, ignoredLabels: Set<String> = ["person"],
                action: RuleAction = RuleAction(severity: .warning), schedule: Schedule? = nil) {
        self.seconds = seconds; self.ignoredLabels = ignoredLabels; self.action = action; self.schedule = schedule
    }
}
