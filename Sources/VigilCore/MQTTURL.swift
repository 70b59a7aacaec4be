/// `mqtt://host[:port][/prefix]` or `mqtts://…` (TLS; port 8883 by default, 1883 for plain).
///
/// Thread safety: a plain value.
public struct MQTTURL: Sendable, Equatable, CustomStringConvertible {
    public var tls: Bool
    public var host: String
    public var port: Int
    /// The path after the authority, without slashes at either end ("" when absent).
    public var path: String

    public init(tls: Bool, host: String, port: Int, path: String = "") {
        self.tls = tls; self.host = host; self.port = port; self.path = path
    }

    /// Nil, with `error` saying why, for anything else than the forms above. No user or password in the URL:
    /// they come from the config (and its `${ENV}`), so a URL can be logged.
    public static func parse(_ s: String) -> Result<MQTTURL, MQTTURLError> {
        let tls: Bool
        let rest: Substring
        if s.hasPrefix("mqtt://") { tls = false; rest = s.dropFirst(7) } else if s.hasPrefix("mqtts://") {
            tls = true; rest = s.dropFirst(8)
        } else { return .failure(.init(url: s, reason: "must start with mqtt:// or mqtts://")) }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = String(rest[slash...].drop { $0 == "/" }).trimmingSuffix("/")
        guard !authority.contains("@") else {
            return .failure(.init(url: s, reason: "put the user and password in mqtt.user and mqtt.password, not in the URL"))
        }
        var host = Substring(authority)
        var port = tls ? 8883 : 1883
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = authority[..<colon]
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else {
                return .failure(.init(url: s, reason: "the port must be 1…65535"))
            }
            port = p
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { return .failure(.init(url: s, reason: "no host")) }
        return .success(MQTTURL(tls: tls, host: String(host), port: port, path: path))
    }

    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(tls ? "mqtts" : "mqtt")://\(h):\(port)" + (path.isEmpty ? "" : "/\(path)")
    }
}

/// Why an MQTT URL was refused.
public struct MQTTURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var url: String
    public var reason: String
    public var description: String { "'\(url)': \(reason)" }
}

extension String {
    fileprivate func trimmingSuffix(_ c: Character) -> String {
        var s = Substring(self)
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
