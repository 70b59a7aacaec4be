import Motion
import VigilCore

/// `tamper:` — camera tamper detection (`covered`, `defocused`, `moved`), at the top level and overridable per
/// camera key by key; decodes straight into the detector's own parameter type (defaults live there).
/// Ranges and meanings are documented in config/vigil.yaml.
public typealias TamperConfig = TamperParameters

extension TamperParameters: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled
        case minSeconds = "min_s"
        case learnSeconds = "learn_s"
        case baselineSeconds = "baseline_s"
        case darkLevel = "dark_level"
        case flatLevel = "flat_level"
        case defocusRatio = "defocus_ratio"
        case movedMatch = "moved_match"
        case minTexture = "min_texture"
        case severity
        case cooldownSeconds = "cooldown_s"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.value(.enabled, default: enabled)
        minSeconds = try c.value(.minSeconds, default: minSeconds, in: 0...3600)
        learnSeconds = try c.value(.learnSeconds, default: learnSeconds, in: 0.1...3600)
        baselineSeconds = try c.value(.baselineSeconds, default: baselineSeconds, in: 1...86400)
        darkLevel = try c.value(.darkLevel, default: darkLevel, in: 0...255)
        flatLevel = try c.value(.flatLevel, default: flatLevel, in: 0...128)
        defocusRatio = try c.value(.defocusRatio, default: defocusRatio, in: 0.01...0.99)
        movedMatch = try c.value(.movedMatch, default: movedMatch, in: -1...0.99)
        minTexture = try c.value(.minTexture, default: minTexture, in: 0...255)
        let severity = try c.severity(.severity, default: action.severity.rawValue)
        action = RuleAction(severity: Severity(rawValue: severity) ?? action.severity,
                            cooldownSeconds: try c.value(.cooldownSeconds, default: action.cooldownSeconds,
                                                         in: 0...86400))
    }
}

extension KeyedDecodingContainer {
    /// `info`, `warning` or `critical`.
    func severity(_ key: Key, default d: String) throws -> String {
        guard let s = try decodeIfPresent(String.self, forKey: key) else { return d }
        guard ["info", "warning", "critical"].contains(s) else {
            throw invalid(key, "'\(s)' is not a severity (info, warning, critical)")
        }
        return s
    }
}
