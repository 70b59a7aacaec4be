import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for systemd's notify socket: a Unix datagram socket at a temporary path that records every
/// sd_notify message a daemon sends (set `NOTIFY_SOCKET` to `path`).
///
/// Thread safety: `messages` from any thread (under a lock); a background thread receives.
public final class NotifyListener: @unchecked Sendable {  // unchecked: `received` is behind `lock`, `fd` is owned by the receiving thread after init
    public let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [(time: Date, text: String)] = []
    private let done = DispatchSemaphore(value: 0)
    private var closing = false

    public init(directory: URL) {
        path = directory.appendingPathComponent("notify.sock").path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        precondition(fd >= 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        precondition(bytes.count < 108, "socket path too long")
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        precondition(rc == 0, "bind \(path): \(String(cString: strerror(errno)))")
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let t = Thread { [self] in receive() }
        t.start()
    }

    private func receive() {
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            if lock.withLock({ closing }) { break }
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                let text = String(decoding: buf[0..<n], as: UTF8.self)
                lock.withLock { received.append((Date(), text)) }
            }
        }
        done.signal()
    }

    /// Every message so far, in arrival order, with its arrival time.
    public var messages: [(time: Date, text: String)] { lock.withLock { received } }

    /// Every `KEY=value` assignment so far, in order (messages may carry several, one per line).
    public var assignments: [String] { messages.flatMap { $0.text.split(separator: "\n").map(String.init) } }

    public func close() {
        lock.withLock { closing = true }
        done.wait()
        Glibc.close(fd)
        unlink(path)
    }
}
