/// `metrics:` — the Prometheus endpoint of `vigil run`.
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
        let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
        let octets = parts.count == 2 ? parts[0].split(separator: ".", omittingEmptySubsequences: false) : []
        let hostOK = octets.count == 4 && octets.allSatisfy { o in
            !o.isEmpty && o.count <= 3 && o.allSatisfy(\.isASCII) && (Int(o).map { (0...255).contains($0) } ?? false)
        }
        guard hostOK, let port = Int(parts[1]), (0...65535).contains(port) else {
            throw c.invalid(.listen, "'\(listen)' must be IPV4:PORT (e.g. 127.0.0.1:9464), or empty for off")
        }
    }
}
