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
    static func line(_ o: [String: Any]) -> String {
        var parts: [String] = []
        var ts = o["ts"] as? String ?? "?"
        if ts.count >= 23, ts.hasSuffix("Z") {
            ts = String(ts.prefix(23)).replacingOccurrences(of: "T", with: " ")
        }
        parts.append(ts)
        parts.append(o["camera"] as? String ?? "?")
        parts.append(o["event"] as? String ?? "?")
        parts.append(o["severity"] as? String ?? "?")
        var object: [String] = []
        if let label = o["label"] as? String { object.append(label) }
        if let id = o["track_id"] as? Int { object.append("#\(id)") }
        if let score = o["score"] as? Double { object.append(format(score)) }
        if !object.isEmpty { parts.append(object.joined(separator: " ")) }
        var facts: [String] = []
        for key in ["zone", "line", "direction", "count", "dwell_s"] {
            if let v = o[key] { facts.append("\(key)=\(text(v))") }
        }
        if let details = o["details"] as? [String: Any] {
            // `kind` (tamper, stream errors) first, the rest by name.
            for key in details.keys.sorted(by: { ($0 == "kind" ? 0 : 1, $0) < ($1 == "kind" ? 0 : 1, $1) }) {
                facts.append("\(key)=\(text(details[key]!))")
            }
        }
        if let snap = o["snapshot"] as? String { facts.append("snapshot=\(snap)") }
        if let clip = o["clip"] as? String {
            var c = "clip=\(clip)"
            if let offset = o["clip_offset_s"] as? Double { c += "@\(format(offset))s" }
            facts.append(c)
        }
        if !facts.isEmpty { parts.append(facts.joined(separator: " ")) }
        return parts.joined(separator: "  ")
    }

    static func format(_ d: Double) -> String { JSONValue.format(JSONValue.rounded(d, places: 3)) }

    static func text(_ v: Any) -> String {
        switch v {
        case let s as String: return s
        case let n as NSNumber:
            if String(cString: n.objCType) == "c" { return n.boolValue ? "true" : "false" }
            let d = n.doubleValue
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : format(d)
        case let a as [Any]: return "[" + a.map(text).joined(separator: ",") + "]"
        case let o as [String: Any]: return "{" + o.keys.sorted().map { "\($0):\(text(o[$0]!))" }.joined(separator: ",") + "}"
        default: return "null"
        }
    }
}
