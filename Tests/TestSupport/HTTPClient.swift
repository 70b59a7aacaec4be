import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A raw HTTP/1.1 client on a socket, for tests that must control the bytes: headers, ranges, half-sent
/// requests, idle connections, streamed bodies.
public final class RawSocket: @unchecked Sendable {  // unchecked: one test owns it
    public let fd: Int32

    public init?(port: Int, timeout: Double = 5) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { close(fd); return nil }
    }

    deinit { close(fd) }

    public func send(_ text: String) {
        let b = Array(text.utf8)
        _ = b.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads what arrives until `done` says enough, EOF, or the receive timeout.
    public func read(until done: ([UInt8]) -> Bool = { _ in false }) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while !done(out) {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    /// True when the server closed the connection (a read returns EOF) within the receive timeout.
    public func closedByServer() -> Bool {
        var b: UInt8 = 0
        return recv(fd, &b, 1, 0) == 0
    }
}

/// A parsed response (headers by lower-case name; a chunked body de-chunked).
public struct HTTPReply: @unchecked Sendable {  // unchecked: plain values
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }
    public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:] }
}

/// One HTTP/1.1 request to 127.0.0.1:`port` with `Connection: close`; nil when no response came.
public func httpRequest(port: Int, method: String = "GET", path: String, headers: [String: String] = [:]) -> HTTPReply? {
    guard let c = RawSocket(port: port) else { return nil }
    var h = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    for (k, v) in headers { h += "\(k): \(v)\r\n" }
    if method == "POST" { h += "Content-Length: 0\r\n" }
    c.send(h + "\r\n")
    return parseHTTPReply(c.read())
}

public func parseHTTPReply(_ raw: [UInt8]) -> HTTPReply? {
    guard let end = raw.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
    let head = String(decoding: raw[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
    let parts = head.first?.split(separator: " ") ?? []
    guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
    var headers: [String: String] = [:]
    for l in head.dropFirst() {
        guard let colon = l.firstIndex(of: ":") else { continue }
        headers[l[..<colon].lowercased()] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    var body = Array(raw[end.upperBound...])
    if headers["transfer-encoding"] == "chunked" { body = dechunk(body) }
    return HTTPReply(status: status, headers: headers, body: body)
}

func dechunk(_ b: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < b.count {
        guard let lineEnd = b[i...].firstRange(of: Array("\r\n".utf8)) else { break }
        let size = Int(String(decoding: b[i..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? "", radix: 16) ?? 0
        if size == 0 { break }
        let start = lineEnd.upperBound
        out += b[start..<min(b.count, start + size)]
        i = start + size + 2
    }
    return out
}
