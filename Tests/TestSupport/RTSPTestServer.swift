import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// GStreamer's RTSP server (scripts/testbed/rtsp_server.py) on a free 127.0.0.1 port, started and stopped by
/// the test: `/test` is an endless live test pattern (a moving ball, 640×360, 25 fps), `/file` loops `clip` (raw
/// Annex-B H.264) stamped 25 fps, `/relay` re-serves RTP pushed to `relayPort` (see `RelayFeeder`).
public final class RTSPTestServer: @unchecked Sendable {  // unchecked: `child`, `wanted`, `crashes` are behind `lock`
    public let port: Int
    public let relayPort: Int
    private let lock = NSLock()
    /// Serialises start, kill and the crash watcher's restart.
    private let control = NSLock()
    private var child: ChildProcess?
    private var wanted = false
    private var restartedAfterCrash = 0
    private var watching = false
    private let directory: URL
    private let clip: String

    /// True when GStreamer's RTSP server can run here (python3-gi and the GstRtspServer typelib installed).
    public static let isAvailable: Bool = {
        let r = run("/usr/bin/python3", ["-c", "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"])
        return r.status == 0
    }()

    /// - Parameter restartOnCrash: Debian 12's gst-rtsp-server 1.22 can abort on an assertion
    ///   (`gst_rtsp_media_get_rates`) when several clients set up one shared media at the same instant; with this
    ///   flag such a crash is restarted at once (counted in `crashes`), as a real camera would come back.
    public init(directory: URL, port: Int? = nil, relayPort: Int? = nil, restartOnCrash: Bool = false,
                clip: String = "/dev/null") throws {
        self.directory = directory
        self.clip = clip
        self.port = port ?? FreePort.pick()
        self.relayPort = relayPort ?? FreePort.pick(udp: true)
        try start()
        if restartOnCrash { watch() }
    }

    public func url(_ mount: String, credentials: String? = nil) -> String {
        "rtsp://\(credentials.map { "\($0)@" } ?? "")127.0.0.1:\(port)/\(mount)"
    }

    /// Crashes of the server that were restarted (`restartOnCrash`).
    public var crashes: Int { lock.withLock { restartedAfterCrash } }

    /// Starts (or restarts) the server on the same ports; returns once it listens.
    public func start() throws {
        control.lock(); defer { control.unlock() }
        try startLocked()
    }

    private func startLocked() throws {
        let script = Fixtures.repoRoot.appendingPathComponent("scripts/testbed/rtsp_server.py").path
        // Unshared media: every client gets its own pipeline, so clients connecting at the same instant (four
        // cameras reconnecting after a restart) cannot wedge the server (see the note in the script).
        let c = try ChildProcess("/usr/bin/python3", [script, String(port), clip, String(relayPort)],
                                 environment: ["VIGIL_RTSP_SHARED": "0"], directory: directory)
        let ok = waitUntil(timeout: 15, poll: 0.05) { c.stdoutText.contains("serving") || !c.isRunning }
        guard ok, c.isRunning else {
            throw ServerError(message: "rtsp_server.py did not start: \(c.stderrText)")
        }
        lock.withLock { child = c; wanted = true }
    }

    /// Kills the server (SIGKILL: clients see the connection drop); a crash watcher leaves it down.
    public func kill() {
        control.lock(); defer { control.unlock() }
        let c = lock.withLock { () -> ChildProcess? in
            wanted = false
            defer { child = nil }
            return child
        }
        c?.stop(SIGKILL, timeout: 5)
    }

    private func watch() {
        lock.withLock { watching = true }
        let t = Thread { [weak self] in
            while true {
                usleep(100_000)  // without a reference: the server can go away meanwhile
                guard let server = self, server.lock.withLock({ server.watching }) else { return }
                server.restartIfCrashed()
            }
        }
        t.start()
    }

    private func restartIfCrashed() {
        control.lock(); defer { control.unlock() }
        let crashed = lock.withLock { wanted && child.map { !$0.isRunning } == true }
        if crashed, (try? startLocked()) != nil { lock.withLock { restartedAfterCrash += 1 } }
    }

    deinit {
        lock.withLock { watching = false; wanted = false }
        child?.stop(SIGKILL, timeout: 5)
    }
}
