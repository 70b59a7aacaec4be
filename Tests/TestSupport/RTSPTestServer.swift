import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// GStreamer's RTSP server (scripts/testbed/rtsp_server.py) on a free 127.0.0.1 port, started and stopped by
/// the test: `/test` is an endless live test pattern (a moving ball, 640×360, 25 fps), `/relay` re-serves
/// RTP pushed to `relayPort` (see `RelayFeeder`).
public final class RTSPTestServer: @unchecked Sendable {  // unchecked: one test owns it
    public let port: Int
    public let relayPort: Int
    private var child: ChildProcess?
    private let directory: URL

    /// True when GStreamer's RTSP server can run here (python3-gi and the GstRtspServer typelib installed).
    public static let isAvailable: Bool = {
        let r = run("/usr/bin/python3", ["-c", "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"])
        return r.status == 0
    }()

    public init(directory: URL, port: Int? = nil, relayPort: Int? = nil) throws {
        self.directory = directory
        self.port = port ?? FreePort.pick()
        self.relayPort = relayPort ?? FreePort.pick(udp: true)
        try start()
    }

    public func url(_ mount: String, credentials: String? = nil) -> String {
        "rtsp://\(credentials.map { "\($0)@" } ?? "")127.0.0.1:\(port)/\(mount)"
    }

    /// Starts (or restarts) the server on the same ports; returns once it listens.
    public func start() throws {
        let script = Fixtures.repoRoot.appendingPathComponent("scripts/testbed/rtsp_server.py").path
        let c = try ChildProcess("/usr/bin/python3", [script, String(port), "/dev/null", String(relayPort)],
                                 directory: directory)
        child = c
        let ok = waitUntil(timeout: 15, poll: 0.05) { c.stdoutText.contains("serving") || !c.isRunning }
        guard ok, c.isRunning else {
            throw ServerError(message: "rtsp_server.py did not start: \(c.stderrText)")
        }
    }

    /// Kills the server (SIGKILL: clients see the connection drop).
    public func kill() {
        child?.stop(SIGKILL, timeout: 5)
        child = nil
    }

    deinit { child?.stop(SIGKILL, timeout: 5) }
}

/// Pushes a clip as RTP/H.264 to the RTSP server's `/relay` in real time, looping (`ffmpeg -re -stream_loop -1
/// -c copy -f rtp`). Killing it freezes the relayed camera while its RTSP session stays up.
public final class RelayFeeder: @unchecked Sendable {  // unchecked: one test owns it
    private var child: ChildProcess?

    public init(clip: String, port: Int, directory: URL) throws {
        child = try ChildProcess("/usr/bin/env", ["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1",
                                                  "-i", clip, "-an", "-c", "copy", "-f", "rtp",
                                                  "rtp://127.0.0.1:\(port)"], directory: directory)
    }

    public func kill() {
        child?.stop(SIGKILL, timeout: 5)
        child = nil
    }

    deinit { child?.stop(SIGKILL, timeout: 5) }
}

public struct ServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
