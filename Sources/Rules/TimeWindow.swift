import VigilCore

/// A daily window of local time, `start` inclusive to `end` exclusive, in minutes after midnight. A window
/// whose end is not after its start runs across midnight (`22:00-06:00`).
///
/// Thread safety: a plain value.
public struct TimeWindow: Hashable, Sendable, CustomStringConvertible {
    public var startMinute: Int
    public var endMinute: Int

    public init?(startMinute: Int, endMinute: Int) {
        guard (0..<1440).contains(startMinute), (0...1440).contains(endMinute), startMinute != endMinute else {
            return nil
        }
        self.startMinute = startMinute; self.endMinute = endMinute
    }

    /// `HH:MM-HH:MM` (24-hour clock, `24:00` allowed as an end). Nil when malformed.
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let s = TimeWindow.minutes(parts[0]), let e = TimeWindow.minutes(parts[1]),
              s < 1440 else { return nil }
        self.init(startMinute: s, endMinute: e)
    }

    static func minutes(_ t: Substring) -> Int? {
        let hm = t.trimmingSpaces.split(separator: ":", omittingEmptySubsequences: false)
        guard hm.count == 2, hm[0].count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]),
              (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }

    /// True when `secondsOfDay` (local, 0..<86400) falls in the window.
    @inlinable
    public func contains(secondsOfDay s: Double) -> Bool {
        let start = Double(startMinute * 60), end = Double(endMinute * 60)
        return startMinute < endMinute ? (s >= start && s < end) : (s >= start || s < end)
    }

    public var description: String {
        func f(_ m: Int) -> String {
            let h = m / 60, mm = m % 60
            return (h < 10 ? "0" : "") + "\(h):" + (mm < 10 ? "0" : "") + "\(mm)"
        }
        return "\(f(startMinute))-\(f(endMinute))"
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
