/// `tamper:` — camera tamper detection (`covered`, `defocused`, `moved`), at the top level and overridable per
/// camera key by key. Ranges and meanings are documented in config/vigil.yaml.
public struct TamperConfig: Decodable, Sendable, Equatable {
    public var enabled = true
    public var minSeconds = 2.0
    public var learnSeconds = 2.0
    public var baselineSeconds = 30.0
    public var darkLevel = 16.0
    public var flatLevel = 3.0
    public var defocusRatio = 0.5
    public var movedMatch = 0.6
    public var minTexture = 2.0
    public var severity = "critical"
    public var cooldownSeconds = 60.0

    public init() {}

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
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TamperConfig()
        enabled = try c.value(.enabled, default: d.enabled)
        minSeconds = try c.value(.minSeconds, default: d.minSeconds, in: 0...3600)
        learnSeconds = try c.value(.learnSeconds, default: d.learnSeconds, in: 0.1...3600)
        baselineSeconds = try c.value(.baselineSeconds, default: d.baselineSeconds, in: 1...86400)
        darkLevel = try c.value(.darkLevel, default: d.darkLevel, in: 0...255)
        flatLevel = try c.value(.flatLevel, default: d.flatLevel, in: 0...128)
        defocusRatio = try c.value(.defocusRatio, default: d.defocusRatio, in: 0.01...0.99)
        movedMatch = try c.value(.movedMatch, default: d.movedMatch, in: -1...0.99)
        minTexture = try c.value(.minTexture, default: d.minTexture, in: 0...255)
        severity = try c.severity(.severity, default: d.severity)
        cooldownSeconds = try c.value(.cooldownSeconds, default: d.cooldownSeconds, in: 0...86400)
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
