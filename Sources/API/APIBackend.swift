import VigilCore

/// What the API needs from the daemon, and nothing more: camera states, a camera's latest picture, reload, the
/// config with its secrets redacted, and the Prometheus text. `vigil run` implements it over `Daemon`.
///
/// Thread safety: implementations are called from the server's event loops and tasks, concurrently.
public protocol APIBackend: Sendable {
    /// Every configured camera, sorted by name.
    func cameras() -> [CameraStatus]
    /// The latest analysed picture of `camera` as a JPEG, waiting up to `timeout` seconds for one (nil: no such
    /// camera, or no picture in that time, e.g. the stream is down). `annotated`: zones and lines drawn.
    func latestJPEG(camera: String, annotated: Bool, timeout: Double) async -> LatestPicture?
    /// Re-reads the config file, as SIGHUP does.
    func reload() async -> ReloadOutcome
    /// The running config as JSON, passwords and tokens replaced by `***`.
    func redactedConfig() -> JSONValue
    /// The Prometheus text exposition of the daemon (the API appends its own families).
    func metricsText() -> String
}

/// One camera as `GET /api/cameras` reports it.
public struct CameraStatus: Sendable, Equatable {
    public enum State: String, Sendable { case up, down, reconnecting }
    public var name: String
    public var state: State
    /// Decoded and analysed frames per second over the last second.
    public var decodeFPS: Double
    public var analysisFPS: Double
    /// Frames dropped because analysis fell behind; reconnect attempts.
    public var drops: Int
    public var reconnects: Int
    /// Wall-clock time (seconds since the epoch) of the last decoded frame; nil before the first.
    public var lastFrameTime: Double?
    /// Model names of the camera's detectors ([] = motion only).
    public var detectors: [String]
    /// Why the stream is down, when it is.
    public var error: String?
    /// Zones and lines in source pixels, for the page's overlay; the source picture size when known.
    public var zones: [(name: String, polygon: [[Double]])]
    public var lines: [(name: String, points: [[Double]])]
    public var width: Int?
    public var height: Int?

    public init(name: String, state: State, decodeFPS: Double = 0, analysisFPS: Double = 0, drops: Int = 0,
                reconnects: Int = 0, lastFrameTime: Double? = nil, detectors: [String] = [], error: String? = nil,
                zones: [(name: String, polygon: [[Double]])] = [], lines: [(name: String, points: [[Double]])] = [],
                width: Int? = nil, height: Int? = nil) {
        self.name = name; self.state = state; self.decodeFPS = decodeFPS; self.analysisFPS = analysisFPS
        self.drops = drops; self.reconnects = reconnects; self.lastFrameTime = lastFrameTime
        self.detectors = detectors; self.error = error; self.zones = zones; self.lines = lines
        self.width = width; self.height = height
    }

    public static func == (a: CameraStatus, b: CameraStatus) -> Bool { a.json.serialized() == b.json.serialized() }

    public var json: JSONValue {
        func points(_ p: [[Double]]) -> JSONValue { .array(p.map { .array($0.map { .double($0) }) }) }
        var o: [(String, JSONValue)] = [
            ("name", .string(name)), ("state", .string(state.rawValue)),
            ("fps", .double(JSONValue.rounded(analysisFPS, places: 2))),
            ("decode_fps", .double(JSONValue.rounded(decodeFPS, places: 2))),
            ("drops", .int(drops)), ("reconnects", .int(reconnects)),
            ("last_frame_time", lastFrameTime.map { .string(Timestamp.rfc3339($0)) } ?? .null),
            ("detectors", .array(detectors.map { .string($0) })),
            ("error", error.map { .string($0) } ?? .null),
            ("zones", .array(zones.map { .object([("name", .string($0.name)), ("polygon", points($0.polygon))]) })),
            ("lines", .array(lines.map { .object([("name", .string($0.name)), ("points", points($0.points))]) })),
        ]
        if let width, let height { o += [("width", .int(width)), ("height", .int(height))] }
        return .object(o)
    }
}

/// A camera's latest picture.
public struct LatestPicture: Sendable {
    public var jpeg: [UInt8]
    /// Wall-clock time of the frame (seconds since the epoch).
    public var time: Double
    public init(jpeg: [UInt8], time: Double) { self.jpeg = jpeg; self.time = time }
}

/// The result of `POST /api/reload`.
public struct ReloadOutcome: Sendable {
    public var ok: Bool
    public var message: String
    public init(ok: Bool, message: String) { self.ok = ok; self.message = message }
}
