import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Free loopback ports for test servers: the kernel picks one (bind to port 0), the socket is closed, the
/// number is handed out. Each call returns a port not handed out before in this process.
public enum FreePort {
    nonisolated(unsafe) private static var given = Set<Int>()  // unsafe: only touched under `lock`
    private static let lock = NSLock()

    /// A free TCP (or, with `udp`, UDP) port on 127.0.0.1.
    public static func pick(udp: Bool = false) -> Int {
        lock.lock(); defer { lock.unlock() }
        for _ in 0..<50 {
            let fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
            precondition(fd >= 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = 0
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            precondition(rc == 0)
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
            }
            let port = Int(UInt16(bigEndian: addr.sin_port))
            if given.insert(port).inserted { return port }
        }
        fatalError("no free port")
    }

    /// Whether a TCP socket listens on `port` (any local address), from /proc/net/tcp and tcp6: lets a test wait
    /// for a server to be ready without connecting to it (a one-client server would take the probe as its client).
    public static func isListening(_ port: Int) -> Bool {
        let hexPort = String(format: ":%04X", port)
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ")
                // sl local_address rem_address st …; st 0A is LISTEN
                if f.count > 3, f[1].hasSuffix(hexPort), f[3] == "0A" { return true }
            }
        }
        return false
    }
}
