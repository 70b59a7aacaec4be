import VigilCore

/// Every rule of one camera.
///
/// Thread safety: a plain value.
public struct RuleSet: Hashable, Sendable {
    public var zones: [ZoneRule]
    public var lines: [LineRule]
    public var stationary: StationaryRule?
    /// Local time for schedules.
    public var clock: LocalClock

    public init(zones: [ZoneRule] = [], lines: [LineRule] = [], stationary: StationaryRule? = nil,
                clock: LocalClock = .utc) {
        self.zones = zones; self.lines = lines; self.stationary = stationary; self.clock = clock
    }

    public var isEmpty: Bool { zones.isEmpty && lines.isEmpty && stationary == nil }
}
