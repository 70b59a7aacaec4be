/// `api:` — the HTTP API and web page of `vigil run` (GET /metrics too).
public struct APIConfig: Decodable, Sendable, Equatable {
    /// `HOST:PORT` (numeric IPv4) to serve on; default `127.0.0.1:8971` (loopback only). Empty: no API. Port 0
    /// picks a free port (tests). Any other host than 127.x.y.z needs `token`.
    public var listen = "127.0.0.1:8971"
    /// The bearer token every route but `/metrics` requires (`Authorization: Bearer TOKEN`, or `?token=` for the
    /// page's image and event-stream requests); put it in the environment: `token: ${VIGIL_API_TOKEN}`. Empty: no
    /// token (loopback only). At least 16 characters.
    public var token = ""
    /// Whether `GET /metrics` needs the token too (default false: Prometheus scrapes without one).
    public var metricsRequireToken = false
    /// Open connections at most; more wait in the kernel's backlog until one closes. 16…65536.
    public var maxConnections = 1024
    /// A connection with no request in progress is closed after this many seconds. 1…3600.
    public var idleTimeoutSeconds = 60.0
    /// A request's line and headers must arrive within this many seconds of the connection opening (or of the
    /// previous response ending), else the connection is closed (slow-header clients). 1…600.
    public var headerTimeoutSeconds = 10.0
    /// Live MJPEG viewers per camera at most (more get 503). 1…64.
    public var mjpegMaxViewers = 4
    /// Frame rate of the live MJPEG stream at most. 0.2…30.
    public var mjpegMaxFPS = 5.0
    /// The SQLite event index. Default (empty): beside the alert log, `ALERTS_PATH.index.sqlite`.
    public var index = ""

    public init() {}

    /// The parsed address, nil when the API is off.
    public var address: (host: String, port: Int)? {
        guard !listen.isEmpty, let colon = listen.lastIndex(of: ":"),
              let port = Int(listen[listen.index(after: colon)...]) else { return nil }
        return (String(listen[..<colon]), port)
    }

    /// True when `listen` is on 127.0.0.0/8.
    public var isLoopback: Bool { address.map { $0.host.hasPrefix("127.") } ?? true }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen, token, index
        case metricsRequireToken = "metrics_require_token"
        case maxConnections = "max_connections"
        case idleTimeoutSeconds = "idle_timeout_s"
        case headerTimeoutSeconds = "header_timeout_s"
        case mjpegMaxViewers = "mjpeg_max_viewers"
        case mjpegMaxFPS = "mjpeg_max_fps"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = APIConfig()
        listen = try c.value(.listen, default: d.listen)
        if !listen.isEmpty, !IPv4Listen.isValid(listen) {
            throw c.invalid(.listen, "'\(listen)' must be IPV4:PORT (e.g. 127.0.0.1:8971), or empty for no API")
        }
        token = try EnvironmentExpansion.expand(try c.value(.token, default: ""), key: .token, in: c)
        if !token.isEmpty, token.count < 16 {
            throw c.invalid(.token, "a token of \(token.count) characters is too easy to guess: use at least 16")
        }
        if !isLoopback, token.isEmpty {
            throw c.invalid(.listen, "'\(listen)' is reachable from other machines: set api.token (e.g. "
                            + "token: ${VIGIL_API_TOKEN}), or listen on 127.0.0.1")
        }
        metricsRequireToken = try c.value(.metricsRequireToken, default: d.metricsRequireToken)
        maxConnections = try c.value(.maxConnections, default: d.maxConnections, in: 16...65536)
        idleTimeoutSeconds = try c.value(.idleTimeoutSeconds, default: d.idleTimeoutSeconds, in: 1...3600)
        headerTimeoutSeconds = try c.value(.headerTimeoutSeconds, default: d.headerTimeoutSeconds, in: 1...600)
        mjpegMaxViewers = try c.value(.mjpegMaxViewers, default: d.mjpegMaxViewers, in: 1...64)
        mjpegMaxFPS = try c.value(.mjpegMaxFPS, default: d.mjpegMaxFPS, in: 0.2...30)
        index = try EnvironmentExpansion.expand(try c.value(.index, default: ""), key: .index, in: c)
    }
}

/// `IPV4:PORT` as `api.listen` and `metrics.listen` take it.
enum IPv4Listen {
    static func isValid(_ s: String) -> Bool {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        let octets = parts.count == 2 ? parts[0].split(separator: ".", omittingEmptySubsequences: false) : []
        let hostOK = octets.count == 4 && octets.allSatisfy { o in
            !o.isEmpty && o.count <= 3 && o.allSatisfy(\.isASCII) && (Int(o).map { (0...255).contains($0) } ?? false)
        }
        guard hostOK, let port = Int(parts[1]), (0...65535).contains(port) else { return false }
        return true
    }
}
