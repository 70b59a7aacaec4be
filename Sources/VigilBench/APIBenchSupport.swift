import Foundation
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

extension BenchStats {
    /// "median M (min…max, N rounds)".
    static func describe(_ v: [Double]) -> String {
        let places = (median(v) >= 100) ? 0 : 2
        return "median \(JSONValue.format(JSONValue.rounded(median(v), places: places))) (\(spread(v, places: places)), \(v.count) rounds)"
    }
}

/// Blocking HTTP/1.1 on 127.0.0.1 for the benchmarks: one request with `Connection: close`, or a streaming
/// response read piece by piece.
enum HTTPGet {
    /// A connected socket to 127.0.0.1:`port` with `timeout` seconds for each receive, or nil.
    static func connect(port: Int, timeout: Double = 5) -> Int32? {
        guard let fd = connectLoopback(port: port) else { return nil }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int(timeout.truncatingRemainder(dividingBy: 1) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Sends `GET path` on `fd`.
    static func send(_ fd: Int32, path: String, close: Bool) -> Bool {
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(close ? "Connection: close\r\n" : "")\r\n".utf8)
        return request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == request.count
    }

    /// The body of `GET path` (status 200 required), read to the end of the connection.
    static func body(port: Int, path: String) throws -> String {
        guard let fd = connect(port: port) else { throw BenchError("cannot connect to 127.0.0.1:\(port)") }
        defer { close(fd) }
        guard send(fd, path: path, close: true) else { throw BenchError("cannot send to 127.0.0.1:\(port)") }
        var got: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            got += buf[0..<n]
        }
        let text = String(decoding: got, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n"), text.hasPrefix("HTTP/1.1 200") || text.hasPrefix("HTTP/1.0 200") else {
            throw BenchError("GET \(path) on port \(port) did not answer 200: \(text.prefix(200))")
        }
        return String(text[split.upperBound...])
    }
}
