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
    /// The dead band around zone outlines and lines, as a fraction of the object's box height (at least one
    /// pixel; 0: none). An object's anchor must be this far past a zone's outline to enter (or leave) it, and this
    /// far on the other side of a line to cross it: feet walking along a line, or a box whose bottom jitters by a
    /// few pixels from frame to frame, do not enter, leave and cross again and again. 0…0.5, default 0.1.
    public var hysteresis: Float

    public init(zones: [ZoneRule] = [], lines: [LineRule] = [], stationary: StationaryRule? = nil,
                clock: LocalClock = .utc, hysteresis: Float = RuleSet.defaultHysteresis) {
        self.zones = zones; self.lines = lines; self.stationary = stationary; self.clock = clock
        self.hysteresis = hysteresis
    }

    public static let defaultHysteresis: Float = 0.1

    /// The dead band in pixels for an object with this box.
    @inlinable
    public func margin(for box: Box) -> Float {
        hysteresis > 0 ? max(1, hysteresis * box.height) : 0
    }

    public var isEmpty: Bool { zones.isEmpty && lines.isEmpty && stationary == nil }
}
