import VigilCore

/// The whole configuration file. Strict: unknown keys are errors; every field has a default and a range.
public struct VigilConfig: Decodable, Sendable, Equatable {
    public var alerts: AlertsConfig = .init()
    public var cameras: [CameraConfig] = []
    /// Motion defaults for every camera; a camera's own `motion:` overrides single keys.
    public var motion: MotionConfig = .init()
    public var decoder: DecoderConfig = .init()
    /// Analysis rate for every camera; a camera's own `detect:` overrides single keys.
    public var detect: DetectConfig = .init()
    /// Live-stream timeouts, reconnect and ring (`vigil run`).
    public var stream: StreamConfig = .init()
    /// The Prometheus endpoint (`vigil run`); off by default.
    public var metrics: MetricsConfig = .init()
    /// Tracker choice and thresholds.
    public var track: TrackConfig = .init()

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case alerts, cameras, motion, decoder, detect, stream, metrics, track
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        alerts = try c.value(.alerts, default: AlertsConfig())
        cameras = try c.value(.cameras, default: [])
        motion = try c.value(.motion, default: MotionConfig())
        self.decoder = try c.value(.decoder, default: DecoderConfig())
        detect = try c.value(.detect, default: DetectConfig())
        stream = try c.value(.stream, default: StreamConfig())
        metrics = try c.value(.metrics, default: MetricsConfig())
        track = try c.value(.track, default: TrackConfig())
        var seen = Set<String>()
        for cam in cameras where !seen.insert(cam.name).inserted {
            throw c.invalid(.cameras, "camera name '\(cam.name)' is used twice")
        }
    }

    /// The camera called `name`, if the config has one.
    public func camera(named name: String) -> CameraConfig? { cameras.first { $0.name == name } }
}

/// `alerts:` — where alerts go.
public struct AlertsConfig: Decodable, Sendable, Equatable {
    /// The JSON-lines alert log. Default `/var/log/vigil/alerts.jsonl`; `-` is standard output.
    public var path: String = "/var/log/vigil/alerts.jsonl"

    public init() {}
    enum CodingKeys: String, CodingKey, CaseIterable { case path }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let p = try c.value(.path, default: AlertsConfig().path)
        guard !p.isEmpty else { throw c.invalid(.path, "must not be empty") }
        path = try EnvironmentExpansion.expand(p, key: .path, in: c)
    }
}

/// `decoder:` — how video is decoded.
public struct DecoderConfig: Decodable, Sendable, Equatable {
    /// Decoder threads per stream; 0 lets FFmpeg choose (one per core). 0…64.
    public var threads: Int = 0

    public init() {}
    enum CodingKeys: String, CodingKey, CaseIterable { case threads }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        threads = try c.value(.threads, default: 0, in: 0...64)
    }
}

/// One entry of `cameras:`.
public struct CameraConfig: Decodable, Sendable, Equatable {
    /// The alert's `camera`: letters, digits, `_` and `-`, 1–64 characters.
    public var name: String
    /// Stream or file URL (`rtsp://`, `http://`, a path …); `${VAR}` is replaced from the environment.
    public var url: String
    /// A disabled camera is validated but not opened.
    public var enabled: Bool = true
    /// This camera's motion settings: the top-level `motion:` with this camera's keys on top.
    public var motion: MotionConfig = .init()
    /// This camera's analysis rate: the top-level `detect:` with this camera's keys on top.
    public var detect: DetectConfig = .init()
    /// RTSP over `tcp` (default: interleaved in the RTSP connection, survives NAT and loss) or `udp`.
    /// Ignored for other URL schemes.
    public var rtspTransport: RTSPTransport = .tcp

    public init(name: String, url: String) { self.name = name; self.url = url }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, url, enabled, motion, detect
        case rtspTransport = "rtsp_transport"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        let allowed = name.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "-"
        }
        guard allowed, (1...64).contains(name.count) else {
            throw c.invalid(.name, "'\(name)' must be 1–64 letters, digits, '_' or '-'")
        }
        let rawURL = try c.decode(String.self, forKey: .url)
        guard !rawURL.isEmpty else { throw c.invalid(.url, "must not be empty") }
        url = try EnvironmentExpansion.expand(rawURL, key: .url, in: c)
        enabled = try c.value(.enabled, default: true)
        motion = try c.value(.motion, default: MotionConfig())
        detect = try c.value(.detect, default: DetectConfig())
        let transport = try c.value(.rtspTransport, default: RTSPTransport.tcp.rawValue)
        guard let t = RTSPTransport(rawValue: transport) else {
            throw c.invalid(.rtspTransport, "'\(transport)' must be tcp or udp")
        }
        rtspTransport = t
    }
}

/// How RTSP carries the media.
public enum RTSPTransport: String, Codable, Sendable, Equatable {
    case tcp, udp
}
