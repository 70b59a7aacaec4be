import Analysis
/// Builds the Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then samples, with label
/// values escaped. Families are written in the order they are added.
///
/// Thread safety: a value type; one builder per scrape.
public struct PrometheusText: Sendable {
    public private(set) var text = ""

    public init() {}

    /// Starts a metric family. `type`: `counter`, `gauge` or `histogram`.
    public mutating func family(_ name: String, _ type: String, help: String) {
        text += "# HELP \(name) \(help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n"))\n"
        text += "# TYPE \(name) \(type)\n"
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.format(value) + "\n"
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Int) {
        sample(name, labels, Double(value))
    }

    /// A family of one unlabelled sample: `# HELP`, `# TYPE` and the value.
    public mutating func single(_ name: String, _ type: String, help: String, _ value: Double) {
        family(name, type, help: help)
        sample(name, [], value)
    }

    public mutating func single(_ name: String, _ type: String, help: String, _ value: Int) {
        single(name, type, help: help, Double(value))
    }

    /// A histogram's `_bucket`, `_sum` and `_count` samples.
    public mutating func histogram(_ name: String, _ labels: [(String, String)], _ h: LatencyHistogram) {
        let s = h.snapshot()
        for (i, le) in h.bounds.enumerated() {
            sample(name + "_bucket", labels + [("le", Self.format(le))], s.cumulative[i])
        }
        sample(name + "_bucket", labels + [("le", "+Inf")], s.count)
        sample(name + "_sum", labels, s.sum)
        sample(name + "_count", labels, s.count)
    }

    static func escape(_ v: String) -> String {
        var out = ""
        for ch in v {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
        return out
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
