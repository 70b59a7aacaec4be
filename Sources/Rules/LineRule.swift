import VigilCore

/// A counting line: `line_cross` with the direction each time an object's anchor point crosses it.
///
/// Thread safety: a plain value.
public struct LineRule: Hashable, Sendable {
    public var name: String
    public var line: TripLine
    /// Only objects with these labels count; empty: every label.
    public var labels: Set<String>
    /// Directions that alert (both are always counted).
    public var directions: Set<CrossingDirection>
    public var action: RuleAction
    public var schedule: Schedule?

    public init(name: String, line: TripLine, labels: Set<String> = [],
                directions: Set<CrossingDirection> = Set(CrossingDirection.allCases),
                action: RuleAction = RuleAction(), schedule: Schedule? = nil) {
        self.name = name; self.line = line; self.labels = labels; self.directions = directions
        self.action = action; self.schedule = schedule
    }
}
