import VigilCore

/// A zone: a polygon, the labels it cares about, and what happens inside it.
///
/// An object is in the zone when the bottom centre of its box is inside the polygon for `inertia` consecutive
/// frames (and out again after `inertia` frames outside), so a box flickering on the edge gives one
/// `zone_enter` and one `zone_exit`, not a burst.
///
/// Thread safety: a plain value.
public struct ZoneRule: Hashable, Sendable {
    public var name: String
    public var polygon: Polygon
    /// Only objects with these labels count; empty: every label.
    public var labels: Set<String>
    /// Consecutive frames in (out) before an object is taken as entered (left). ≥ 1.
    public var inertia: Int
    /// `zone_enter` / `zone_exit` (nil: not reported; the zone still feeds loitering and crowding).
    public var enter: RuleAction?
    /// `loitering` when an object stays longer than `seconds`.
    public var loitering: Loitering?
    /// `crowding` when more than `maxCount` objects stay for `minSeconds`.
    public var crowding: Crowding?
    /// Armed only in these windows (nil: always).
    public var schedule: Schedule?

    public struct Loitering: Hashable, Sendable {
        public var seconds: Double
        public var action: RuleAction
        public init(seconds: Double, action: RuleAction = RuleAction(severity: .warning)) {
            self.seconds = seconds; self.action = action
        }
    }

    public struct Crowding: Hashable, Sendable {
        public var maxCount: Int
        public var minSeconds: Double
        /// Counted label; nil: every label the zone accepts.
        public var label: String?
        public var action: RuleAction
        public init(maxCount: Int, minSeconds: Double, label: String? = nil,
                    action: RuleAction = RuleAction(severity: .warning)) {
            self.maxCount = maxCount; self.minSeconds = minSeconds; self.label = label; self.action = action
        }
    }

    public init(name: String, polygon: Polygon, labels: Set<String> = [], inertia: Int = 3,
                enter: RuleAction? = RuleAction(), loitering: Loitering? = nil, crowding: Crowding? = nil,
                schedule: Schedule? = nil) {
        self.name = name; self.polygon = polygon; self.labels = labels; self.inertia = max(1, inertia)
        self.enter = enter; self.loitering = loitering; self.crowding = crowding; self.schedule = schedule
    }

    @inlinable
    func accepts(_ label: String) -> Bool { labels.isEmpty || labels.contains(label) }
}
