/// Wall-clock instants as seconds since the Unix epoch (UTC), formatted as RFC 3339 with milliseconds.
/// Pure arithmetic (no locale, no time zone database), so replays format identically everywhere.
public enum Timestamp {
    /// `2026-11-30T01:02:03.456Z` for `seconds` since 1970-01-01T00:00:00Z (rounded to the millisecond).
    public static func rfc3339(_ seconds: Double) -> String {
        let totalMs = Int64((seconds * 1000).rounded())
        var days = totalMs / 86_400_000
        var msOfDay = totalMs % 86_400_000
        if msOfDay < 0 { msOfDay += 86_400_000; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        let h = msOfDay / 3_600_000
        let mi = (msOfDay / 60_000) % 60
        let s = (msOfDay / 1000) % 60
        let ms = msOfDay % 1000
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(ms, 3))Z"
    }

    /// Parses RFC 3339 / ISO 8601 date-times: `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`, also with a space
    /// instead of `T` and without a zone (taken as UTC), and a bare `YYYY-MM-DD`. Nil when malformed.
    public static func parse(_ text: String) -> Double? {
        let b = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1; return true
        }
        guard let y = num(4), expect(45), let mo = num(2), expect(45), let d = num(2),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var seconds = Double(days(fromCivil: y, mo, d)) * 86400
        if i == b.count { return seconds }
        guard i < b.count, b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }  // T, t, space
        i += 1
        guard let h = num(2), expect(58), let mi = num(2), expect(58), let s = num(2),
              h < 24, mi < 60, s < 61 else { return nil }
        seconds += Double(h * 3600 + mi * 60 + s)
        if i < b.count, b[i] == 46 || b[i] == 44 {  // fraction
            i += 1
            var scale = 0.1
            var any = false
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                seconds += Double(b[i] - 48) * scale
                scale /= 10; i += 1; any = true
            }
            guard any else { return nil }
        }
        if i == b.count { return seconds }
        if b[i] == 90 || b[i] == 122 { i += 1; return i == b.count ? seconds : nil }  // Z
        guard b[i] == 43 || b[i] == 45 else { return nil }
        let sign: Double = b[i] == 43 ? 1 : -1
        i += 1
        guard let oh = num(2) else { return nil }
        _ = expect(58)
        guard let om = num(2), i == b.count, oh < 24, om < 60 else { return nil }
        return seconds - sign * Double(oh * 3600 + om * 60)
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
