import Foundation

/// `rules:` — settings shared by every camera's zones and lines.
public struct RulesConfig: Decodable, Sendable, Equatable {
    /// IANA time zone of arm schedules (`Europe/Berlin`); default `UTC`.
    public var timeZone = "UTC"
    /// Default cooldown per rule and object, seconds. 0…86400.
    public var cooldownSeconds = 30.0
    /// Dead band around zone outlines and lines as a fraction of the object's box height (`RuleSet.hysteresis`).
    /// 0…0.5.
    public var hysteresis = 0.1
    /// Named arm schedules: lists of daily `HH:MM-HH:MM` windows of local time (end before start: overnight).
    public var schedules: [String: [String]] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case timeZone = "time_zone"
        case cooldownSeconds = "cooldown_s"
        case schedules
        case hysteresis
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        timeZone = try c.value(.timeZone, default: "UTC")
        guard TimeZone(identifier: timeZone) != nil else {
            throw c.invalid(.timeZone, "'\(timeZone)' is not a time zone (e.g. UTC, Europe/Berlin)")
        }
        cooldownSeconds = try c.value(.cooldownSeconds, default: 30, in: 0...86400)
        hysteresis = try c.value(.hysteresis, default: 0.1, in: 0...0.5)
        schedules = try c.value(.schedules, default: [:])
        for (name, windows) in schedules.sorted(by: { $0.key < $1.key }) {
            guard !windows.isEmpty else { throw c.invalid(.schedules, "schedule '\(name)' has no windows") }
            for w in windows where !RulesConfig.isWindow(w) {
                throw c.invalid(.schedules, "schedule '\(name)': '\(w)' is not a window HH:MM-HH:MM (e.g. 22:00-06:00)")
            }
        }
    }

    /// `HH:MM-HH:MM` with distinct start and end (the Rules target parses it again; this only validates).
    static func isWindow(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        func minutes(_ t: Substring) -> Int? {
            let hm = t.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
            guard hm.count == 2, hm[0].count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]),
                  (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else { return nil }
            return h * 60 + m
        }
        guard let a = minutes(parts[0]), let b = minutes(parts[1]) else { return false }
        return a < 1440 && a != b
    }
}
