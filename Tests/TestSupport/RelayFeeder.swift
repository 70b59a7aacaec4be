import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
