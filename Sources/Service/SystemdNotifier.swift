import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// sd_notify without libsystemd: one datagram per message to the Unix socket named by `NOTIFY_SOCKET` (a path,
/// or `@name` for the abstract namespace). Absent `NOTIFY_SOCKET` (not run by systemd), every send is a no-op.
///
/// Thread safety: any thread; `sendto` on a datagram socket is atomic per message and the state is immutable.
public final class SystemdNotifier: Sendable {
    private let fd: Int32
    private let path: [UInt8]
    /// `WATCHDOG_USEC` as seconds when the service manager expects `WATCHDOG=1` (and `WATCHDOG_PID`, when set,
    /// names this process).
    public let watchdogInterval: Double?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let p = environment["NOTIFY_SOCKET"], !p.isEmpty, p.utf8.count < 108,
           p.hasPrefix("/") || p.hasPrefix("@") {
            var bytes = Array(p.utf8)
            if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }  // abstract namespace
            path = bytes
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        } else {
            path = []
            fd = -1
        }
        let pidOK = environment["WATCHDOG_PID"].flatMap { Int32($0) }.map { $0 == getpid() } ?? true
        if pidOK, let usec = environment["WATCHDOG_USEC"].flatMap({ UInt64($0) }), usec > 0 {
            watchdogInterval = Double(usec) / 1e6
        } else {
            watchdogInterval = nil
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    public var isEnabled: Bool { fd >= 0 }

    /// Sends `state` (e.g. `READY=1`, `STATUS=…`, `WATCHDOG=1`, `STOPPING=1`; several separated by newlines).
    /// Returns false when not under systemd or the send failed (the daemon goes on either way).
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard fd >= 0 else { return false }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.enumerated() { raw[i] = b }
        }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let bytes = Array(state.utf8)
        let sent = bytes.withUnsafeBytes { buf in
            withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    sendto(fd, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL), sa, len)
                }
            }
        }
        return sent == bytes.count
    }
}
