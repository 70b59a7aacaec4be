import VigilCore

import Foundation

/// Turns UTC instants into the local time of day of a configured time zone (the IANA database, so daylight
/// saving time follows the rules of the zone). Deterministic: the same instant gives the same local time.
///
/// Thread safety: a plain value; `TimeZone` is immutable and Sendable.
public struct LocalClock: Sendable, Hashable {
    public let timeZone: TimeZone

    public static let utc = LocalClock(timeZone: TimeZone(identifier: "UTC")!)

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    /// Nil when `identifier` is not a time zone (e.g. `Europe/Berlin`, `UTC`).
    public init?(identifier: String) {
        guard let tz = TimeZone(identifier: identifier) else { return nil }
        self.init(timeZone: tz)
    }

    public static func == (a: LocalClock, b: LocalClock) -> Bool { a.timeZone.identifier == b.timeZone.identifier }
    public func hash(into h: inout Hasher) { h.combine(timeZone.identifier) }

    /// Offset from UTC at `utc` (seconds since the epoch), in seconds.
    public func offset(at utc: Double) -> Int { timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: utc)) }

    /// Seconds since local midnight at `utc`, 0..<86400.
    public func secondsOfDay(at utc: Double) -> Double {
        let local = utc + Double(offset(at: utc))
        let r = local.truncatingRemainder(dividingBy: 86_400)
        return r < 0 ? r + 86_400 : r
    }
}
