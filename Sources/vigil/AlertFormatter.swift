import Foundation
import VigilCore

/// One readable line per alert: time, camera, event, severity, then the object and the rule's facts.
///
///     2026-01-01 00:00:06.000  front  tamper  critical  kind=covered since_s=2 mean=0.3 contrast=0.52
///     2026-01-01 00:01:02.440  gate   zone_enter  info  person #7 0.91 zone=yard snapshot=/var/…/a.jpg
///     2026-01-01 00:00:02.040  front  motion_start  info  clip=/var/…/front-20260101T000000.000Z.mp4@2.04s
///
/// Thread safety: stateless.
enum AlertFormatter {
    static func line(_ a: Alert) -> String {
        var parts: [String] = []
        parts.append(String(Timestamp.rfc3339(a.timestamp).prefix(23)).replacingOccurrences(of: "T", with: " "))
        parts.append(a.camera.name)
        parts.append(a.event)
        parts.append(a.severity.rawValue)
        var object: [String] = []
        if let label = a.label { object.append(label) }
        if let id = a.trackID { object.append("#\(id)") }
        if let score = a.score { object.append(format(Double(score))) }
        if !object.isEmpty { parts.append(object.joined(separator: " ")) }
        var facts: [String] = []
        if let zone = a.zone { facts.append("zone=\(zone)") }
        if let line = a.line { facts.append("line=\(line)") }
        if let direction = a.direction { facts.append("direction=\(direction)") }
        if let count = a.count { facts.append("count=\(count)") }
        if let dwell = a.dwellSeconds { facts.append("dwell_s=\(format(dwell))") }
        if let details = a.details {
            // `kind` (tamper, stream errors) first, the rest by name.
            for (key, value) in details.sorted(by: { ($0.0 == "kind" ? 0 : 1, $0.0) < ($1.0 == "kind" ? 0 : 1, $1.0) }) {
                facts.append("\(key)=\(text(value))")
            }
        }
        if let snap = a.snapshot { facts.append("snapshot=\(snap)") }
        if let clip = a.clip {
            var c = "clip=\(clip)"
            if let offset = a.clipOffsetSeconds { c += "@\(format(offset))s" }
            facts.append(c)
        }
        if !facts.isEmpty { parts.append(facts.joined(separator: " ")) }
        return parts.joined(separator: "  ")
    }

    static func format(_ d: Double) -> String { JSONValue.format(JSONValue.rounded(d, places: 3)) }

    static func text(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return format(d)
        case .null: return "null"
        case .array(let a): return "[" + a.map(text).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.sorted { $0.0 < $1.0 }.map { "\($0.0):\(text($0.1))" }.joined(separator: ",") + "}"
        }
    }
}
