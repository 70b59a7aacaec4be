import Foundation
import VigilCore

/// Which alerts `vigil tail` prints.
///
/// Thread safety: a plain value.
struct AlertFilter {
    var cameras: Set<String> = []
    var events: Set<String> = []
    var minSeverity: Severity = .info
    /// Earliest `ts`, seconds since the epoch.
    var since: Double? = nil

    func accepts(_ a: Alert) -> Bool {
        if !cameras.isEmpty, !cameras.contains(a.camera.name) { return false }
        if !events.isEmpty, !events.contains(a.event) { return false }
        if a.severity < minSeverity { return false }
        if let since, a.timestamp < since { return false }
        return true
    }

    /// `90s`, `10m`, `2h`, `1d`, `1h30m` (also fractions: `1.5h`) → seconds. Nil when malformed or not positive.
    static func duration(_ text: String) -> Double? {
        var total = 0.0
        var number = ""
        var any = false
        for ch in text {
            if ch.isNumber || ch == "." { number.append(ch); continue }
            guard let v = Double(number) else { return nil }
            let unit: Double
            switch ch {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86400
            default: return nil
            }
            total += v * unit
            number = ""
            any = true
        }
        guard number.isEmpty, any, total > 0, total.isFinite else { return nil }
        return total
    }
}
