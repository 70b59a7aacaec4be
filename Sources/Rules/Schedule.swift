import VigilCore

/// When a rule is armed: any of its daily windows of local time. A rule without a schedule is always armed.
///
/// Thread safety: a plain value.
public struct Schedule: Hashable, Sendable {
    public var name: String
    public var windows: [TimeWindow]

    public init(name: String, windows: [TimeWindow]) { self.name = name; self.windows = windows }

    @inlinable
    public func isArmed(secondsOfDay s: Double) -> Bool { windows.contains { $0.contains(secondsOfDay: s) } }
}
