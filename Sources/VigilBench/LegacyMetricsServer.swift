// BENCHMARK-ONLY REFERENCE — not used by `vigil run`.
// A faithful copy of the hand-written metrics server that `vigil run` used before the HTTP API (issue #15)
// replaced it: Sources/Pipeline/MetricsServer.swift as of d3efdfd^ (commit 1708de8 and later), renamed
// `LegacyMetricsServer` and made internal; the serving code is unchanged. `vigil bench api-metrics` runs it
// beside the Hummingbird API in the same run so that `/metrics` requests per second have their reference.
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.0 responder for Prometheus scrapes on a POSIX socket: `GET /metrics` answers the text
/// `render()` returns; anything else gets 404 (or 405 for other methods). One thread serves one connection at
/// a time (scrapes are rare and small); a client that does not send its request within 2 s is dropped, so a
/// stuck client cannot hold the endpoint. Not a general web server on purpose: no keep-alive, no bodies.
///
/// Thread safety: `init` and `stop` from the owning thread; the serving thread owns the sockets.
final class LegacyMetricsServer: Sendable {
    /// The port actually bound (the configured one, or the kernel's pick for port 0).
    let port: Int
    let host: String
    private let listener: Int32
    private let stopping = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    private let render: @Sendable () -> String

    struct BindError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Binds `host:port` (numeric IPv4) and starts serving.
    init(host: String, port: Int, render: @escaping @Sendable () -> String) throws {
        self.host = host
        self.render = render
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BindError(description: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            close(fd)
            throw BindError(description: "\(host) is not an IPv4 address")
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw BindError(description: "cannot listen on \(host):\(port): \(reason)")
        }
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.port = Int(UInt16(bigEndian: bound.sin_port))
        listener = fd
        let t = Thread { [self] in serve(); done.signal() }
        t.name = "vigil-metrics"
        t.start()
    }

    /// Stops serving and closes the socket (waits for the connection in progress, at most ~2 s).
    func stop() {
        if stopping.exchange(true, ordering: .relaxed) { return }  // relaxed: polled by the serving thread
        done.wait()
        close(listener)
    }

    private func serve() {
        while !stopping.load(ordering: .relaxed) {
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, 1, 100)  // wake up 10 times a second to notice stop()
            guard n > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            handle(client)
            close(client)
        }
    }

    private func handle(_ fd: Int32) {
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while request.count < 8192 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            request += chunk[0..<n]
            if request.count >= 4, request.suffix(4).elementsEqual(end) || findSubsequence(end, in: request) { break }
        }
        let line = String(decoding: request.prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2 else { return }
        let status: String
        var body: String
        var type = "text/plain; charset=utf-8"
        let target = parts[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        if parts[0] != "GET" && parts[0] != "HEAD" {
            status = "405 Method Not Allowed"; body = "method not allowed\n"
        } else if target == "/metrics" {
            status = "200 OK"; body = render(); type = "text/plain; version=0.0.4; charset=utf-8"
        } else {
            status = "404 Not Found"; body = "not found; try /metrics\n"
        }
        let payload = Array(body.utf8)
        var response = Array("HTTP/1.0 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n".utf8)
        if parts[0] != "HEAD" { response += payload }
        var off = 0
        while off < response.count {
            let n = response.withUnsafeBytes { send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    private func findSubsequence(_ needle: [UInt8], in hay: [UInt8]) -> Bool {
        guard hay.count >= needle.count else { return false }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return true }
        return false
    }
}
