/// `metrics:` — an extra listener of `vigil run` serving only `GET /metrics` (no token), e.g. for a scraper on
/// another interface than the API's. `api.listen` serves `/metrics` too.
public struct MetricsConfig: Decodable, Sendable, Equatable {
    /// `HOST:PORT` to serve `GET /metrics` on, or empty for no endpoint (the default). HOST must be a
    /// numeric IPv4 address (127.0.0.1 keeps it on loopback); PORT 0 picks a free port (tests).
    public var listen: String = ""

    public init() {}

    /// The parsed address, nil when the endpoint is off.
    public var address: (host: String, port: Int)? {
        guard !listen.isEmpty, let colon = listen.lastIndex(of: ":"),
              let port = Int(listen[listen.index(after: colon)...]) else { return nil }
        return (String(listen[..<colon]), port)
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case listen }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        listen = try c.value(.listen, default: "")
        guard !listen.isEmpty else { return }
        guard IPv4Listen.isValid(listen) else {
            throw c.invalid(.listen, "'\(listen)' must be IPV4:PORT (e.g. 127.0.0.1:9464), or empty for off")
        }
    }
}
