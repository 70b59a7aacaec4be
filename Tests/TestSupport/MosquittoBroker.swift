import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real mosquitto broker for tests: its own config (a listener on a free loopback port, anonymous or a
/// password file, no persistence), started in the foreground, stopped (or killed) by PID, restartable on the
/// same port.
///
/// Thread safety: one test owns it.
public final class MosquittoBroker: @unchecked Sendable {  // unchecked: the owning test drives it from one thread at a time
    public let port: Int
    /// The TLS listener's port (`mqtts://`), when the broker was given certificates.
    public let tlsPort: Int?
    public let directory: URL
    public private(set) var process: ChildProcess?
    private let configPath: String

    /// `users`: name → password (a password file, anonymous refused); empty: anonymous allowed. `tls`: a second
    /// listener on `tlsPort` speaking TLS with the server certificate (beside the plain one on `port`).
    public init(users: [String: String] = [:], port: Int = FreePort.pick(), tls: TestCertificates? = nil) throws {
        self.port = port
        tlsPort = tls.map { _ in FreePort.pick() }
        directory = makeTemporaryDirectory("mosquitto")
        configPath = directory.appendingPathComponent("mosquitto.conf").path
        var conf = "listener \(port) 127.0.0.1\npersistence false\nlog_dest stderr\nlog_type error\nlog_type warning\n"
        if users.isEmpty {
            conf += "allow_anonymous true\n"
        } else {
            conf += "allow_anonymous false\npassword_file \(passwordFile)\n"
        }
        if let tls, let tlsPort {
            conf += "listener \(tlsPort) 127.0.0.1\ncafile \(tls.caFile)\ncertfile \(tls.certFile)\nkeyfile \(tls.keyFile)\n"
        }
        try conf.write(toFile: configPath, atomically: true, encoding: .utf8)
        try setUsers(users)
        try start()
    }

    private var passwordFile: String { directory.appendingPathComponent("passwd").path }

    /// Rewrites the password file (a running broker reads it again on `reload`).
    public func setUsers(_ users: [String: String]) throws {
        _ = FileManager.default.createFile(atPath: passwordFile, contents: nil)
        for (u, p) in users.sorted(by: { $0.key < $1.key }) {
            let tool = try ChildProcess("/usr/bin/mosquitto_passwd", ["-b", passwordFile, u, p], directory: directory)
            tool.process.waitUntilExit()
        }
    }

    /// SIGHUP: the broker re-reads its password file.
    public func reload() { process?.signal(SIGHUP) }

    deinit { process?.stop(SIGKILL, timeout: 5) }

    public var url: String { "mqtt://127.0.0.1:\(port)" }

    /// Starts the broker and waits until it accepts connections.
    public func start() throws {
        // The test runner blocks SIGHUP and SIGTERM, and a child inherits the mask: unblock them before exec so that
        // `reload` and `stop` reach the broker (same PID after exec).
        let unblock = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"
        let p = try ChildProcess("/usr/bin/python3", ["-c", unblock, "/usr/sbin/mosquitto", "-c", configPath],
                                 directory: directory)
        process = p
        let ports = [port] + (tlsPort.map { [$0] } ?? [])
        guard waitUntil(timeout: 10, poll: 0.02, { ports.allSatisfy(MosquittoBroker.accepts(port:)) || !p.isRunning }),
              p.isRunning else {
            throw ServerError(message: "mosquitto did not start on port \(port): \(p.stderrText)")
        }
    }

    /// SIGKILL (no goodbye to clients: their last wills fire) or SIGTERM, then waits for the exit.
    public func stop(kill: Bool = false) {
        process?.stop(kill ? SIGKILL : SIGTERM, timeout: 5)
        process = nil
    }

    /// True when a TCP connection to 127.0.0.1:`port` succeeds.
    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
