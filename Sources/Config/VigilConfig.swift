import Sinks
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
    /// Camera tamper defaults for every camera; a camera's own `tamper:` overrides single keys.
    public var tamper: TamperConfig = .init()
    /// Time zone, default cooldown and named arm schedules of every camera's rules.
    public var rules: RulesConfig = .init()
    /// Snapshot JPEGs for alerts about objects.
    public var snapshots: SnapshotsConfig = .init()
    /// Alerts, states and switches on an MQTT broker; nil: off.
    public var mqtt: MQTTConfig? = nil
    /// This machine's name in a fleet of Vigil nodes (`PREFIX/stats`, each alert's `details.node` when MQTT is
    /// on); default: the host name. `vigil run --node` overrides it.
    public var node: String? = nil
    /// Event clips and continuous recording; a camera's own `record:` overrides single keys.
    public var record: RecordConfig = .init()
    /// The HTTP API and web page (`vigil run`); on 127.0.0.1:8971 by default.
    public var api: APIConfig = .init()

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case alerts, cameras, motion, decoder, detect, stream, metrics, track, tamper, rules, snapshots, mqtt, node,
             record, api
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
        tamper = try c.value(.tamper, default: TamperConfig())
        rules = try c.value(.rules, default: RulesConfig())
        snapshots = try c.value(.snapshots, default: SnapshotsConfig())
        mqtt = try c.decodeIfPresent(MQTTConfig.self, forKey: .mqtt)
        node = try c.decodeIfPresent(String.self, forKey: .node)
        if let n = node, !MQTTConfig.validTopicLevel(n, slashes: false) {
            throw c.invalid(.node, "'\(n)' must be 1–64 characters without /, +, # or spaces")
        }
        record = try c.value(.record, default: RecordConfig())
        api = try c.value(.api, default: APIConfig())
        var seen = Set<String>()
        for cam in cameras where !seen.insert(cam.name).inserted {
            throw c.invalid(.cameras, "camera name '\(cam.name)' is used twice")
        }
        // A still object is looked at only by the full-frame passes of motion gating: it must survive one missed pass.
        for d in [detect] + cameras.map(\.detect) where track.maxUnseenSeconds < 2 * d.fullFrameSeconds {
            throw c.invalid(.track, "max_unseen_s \(track.maxUnseenSeconds) is below twice detect.full_frame_s "
                            + "(\(d.fullFrameSeconds)): a still object, looked at only by full-frame passes, would end "
                            + "whenever the detector missed it once")
        }
        // Every schedule a rule names must exist under rules.schedules.
        func check(_ name: String?, _ path: [any CodingKey]) throws {
            guard let name, rules.schedules[name] == nil else { return }
            let known = rules.schedules.keys.sorted().joined(separator: ", ")
            throw DecodingError.dataCorrupted(.init(
                codingPath: path,
                debugDescription: "no schedule '\(name)' under rules.schedules" + (known.isEmpty ? "" : " (known: \(known))")))
        }
        for (i, cam) in cameras.enumerated() {
            let base: [any CodingKey] = [CodingKeys.cameras, AnyCodingKey(intValue: i)!]
            for (j, z) in cam.zones.enumerated() {
                try check(z.schedule, base + [AnyCodingKey(stringValue: "zones"), AnyCodingKey(intValue: j)!,
                                              AnyCodingKey(stringValue: "schedule")])
            }
            for (j, l) in cam.lines.enumerated() {
                try check(l.schedule, base + [AnyCodingKey(stringValue: "lines"), AnyCodingKey(intValue: j)!,
                                              AnyCodingKey(stringValue: "schedule")])
            }
            try check(cam.stationary?.schedule, base + [AnyCodingKey(stringValue: "stationary"),
                                                        AnyCodingKey(stringValue: "schedule")])
        }
    }

    /// The camera called `name`, if the config has one.
    public func camera(named name: String) -> CameraConfig? { cameras.first { $0.name == name } }
}

/// `alerts:` — where alerts go, and how the log rotates and reaches the disk.
public struct AlertsConfig: Decodable, Sendable, Equatable {
    /// The JSON-lines alert log. Default `/var/log/vigil/alerts.jsonl`; `-` is standard output.
    public var path: String = "/var/log/vigil/alerts.jsonl"
    /// Rotation and sync (`max_bytes`: 0 or 4096…2^40, `rotate_daily`, `keep`: 0…1000, `sync`: always, interval
    /// or never, `sync_interval_s`), decoded straight into the alert log's own options.
    public var log = AlertLogOptions()

    public init() {}
    enum CodingKeys: String, CodingKey, CaseIterable {
        case path
        case maxBytes = "max_bytes"
        case rotateDaily = "rotate_daily"
        case keep, sync
        case syncIntervalSeconds = "sync_interval_s"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let p = try c.value(.path, default: AlertsConfig().path)
        guard !p.isEmpty else { throw c.invalid(.path, "must not be empty") }
        path = try EnvironmentExpansion.expand(p, key: .path, in: c)
        let d = AlertLogOptions()
        log.maxBytes = try c.value(.maxBytes, default: d.maxBytes, in: 0...(1 << 40))
        if log.maxBytes != 0 && log.maxBytes < 4096 {
            throw c.invalid(.maxBytes, "\(log.maxBytes) is out of range: 0 (off) or 4096…2^40")
        }
        log.rotateDaily = try c.value(.rotateDaily, default: d.rotateDaily)
        log.keep = try c.value(.keep, default: d.keep, in: 0...1000)
        let sync = try c.value(.sync, default: d.sync.rawValue)
        guard let policy = SyncPolicy(rawValue: sync) else {
            throw c.invalid(.sync, "'\(sync)' is not one of always, interval, never")
        }
        log.sync = policy
        log.syncInterval = try c.value(.syncIntervalSeconds, default: d.syncInterval, in: 0.01...3600)
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
    /// This camera's tamper settings: the top-level `tamper:` with this camera's keys on top.
    public var tamper: TamperConfig = .init()
    /// Zones (polygons in source pixels), counting lines and the stationary-object rule of this camera.
    public var zones: [ZoneConfig] = []
    public var lines: [LineConfig] = []
    public var stationary: StationaryConfig? = nil
    /// This camera's recording: the top-level `record:` with this camera's keys on top.
    public var record: RecordConfig = .init()

    public init(name: String, url: String) { self.name = name; self.url = url }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, url, enabled, motion, detect
        case rtspTransport = "rtsp_transport"
        case tamper, zones, lines, stationary, record
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
        url = try EnvironmentExpansion.expand(rawURL, key: .url, in: c, keepUnset: EnvironmentExpansion.keepUnsetInURLs)
        enabled = try c.value(.enabled, default: true)
        motion = try c.value(.motion, default: MotionConfig())
        detect = try c.value(.detect, default: DetectConfig())
        let transport = try c.value(.rtspTransport, default: RTSPTransport.tcp.rawValue)
        guard let t = RTSPTransport(rawValue: transport) else {
            throw c.invalid(.rtspTransport, "'\(transport)' must be tcp or udp")
        }
        rtspTransport = t
        tamper = try c.value(.tamper, default: TamperConfig())
        zones = try c.value(.zones, default: [])
        lines = try c.value(.lines, default: [])
        stationary = try c.decodeIfPresent(StationaryConfig.self, forKey: .stationary)
        record = try c.value(.record, default: RecordConfig())
        var names = Set<String>()
        for z in zones where !names.insert(z.name).inserted { throw c.invalid(.zones, "zone name '\(z.name)' is used twice") }
        names.removeAll()
        for l in lines where !names.insert(l.name).inserted { throw c.invalid(.lines, "line name '\(l.name)' is used twice") }
    }
}

/// How RTSP carries the media.
public enum RTSPTransport: String, Codable, Sendable, Equatable {
    case tcp, udp
}
