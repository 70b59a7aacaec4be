import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `vigil run` recording a live RTSP camera (GStreamer's test pattern, a moving ball: motion all the time) on a
/// free loopback port: event clips and continuous segments while the stream runs, the server killed mid-clip,
/// and the daemon killed with SIGKILL mid-file. Every file is checked with ffprobe.
@Suite(.serialized) struct RecordLiveTests {
    static func config(_ url: String, _ dir: URL, record: String) -> String {
        RunCommandTests.config(cameras: [("cam", url)], extra: """
            record:
              enabled: true
              dir: \(dir.path)/rec
              pre_roll_s: 1
              post_roll_s: 1
            \(record)
            """)
    }

    /// Files that ffprobe reads to the end without an error.
    static func playable(_ files: [String]) -> Bool {
        !files.isEmpty && files.allSatisfy { (Probe.decodedFrames($0).frames ?? 0) > 0 }
    }

    @Test func clipsAndSegmentsWhileStreamingAndClipClosedWhenServerDies() throws {
        try #require(RTSPTestServer.isAvailable, "\(RunCommandTests.serverMissing)")
        let dir = makeTemporaryDirectory("rec-live")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try RTSPTestServer(directory: dir)
        let cfg = Self.config(server.url("test"), dir, record: "  max_clip_s: 5\n  continuous: true\n  segment_s: 5\n")
        let daemon = try DaemonProcess(config: cfg, directory: dir)
        defer { _ = daemon.child.stop(SIGKILL) }
        #expect(daemon.waitFor("motion_start", timeout: 30), "\(daemon.stderr)")
        let start = try #require(daemon.alerts("motion_start").first)
        let clip = try #require(start["clip"] as? String)
        #expect(clip.hasPrefix(dir.path + "/rec/cam/events/cam-") && start["clip_offset_s"] is Double)
        // Segments and capped clips are finished while the stream goes on.
        let segments = dir.path + "/rec/cam/continuous", events = dir.path + "/rec/cam/events"
        #expect(waitUntil(timeout: 40, poll: 0.5) { mp4Files(under: segments).count >= 3 && mp4Files(under: events).count >= 2 },
                "\(mp4Files(under: dir.path))")
        #expect(daemon.child.isRunning)
        let finishedSegments = Array(mp4Files(under: segments).dropLast())
        #expect(Self.playable(finishedSegments))
        for s in finishedSegments {
            let frames = Probe.decodedFrames(s).frames ?? 0
            #expect(frames >= 5 * 25 - 1 && frames <= 7 * 25, "\(s): \(frames) frames")
        }
        #expect(clip == mp4Files(under: events).first)
        // The server dies mid-clip: the open files are finished (trailer written) and play to their end.
        server.kill()
        #expect(daemon.waitFor("stream_down", timeout: 20))
        #expect(waitUntil(timeout: 20, poll: 0.5) { Self.playable(mp4Files(under: dir.path + "/rec")) },
                "\(mp4Files(under: dir.path + "/rec").map { ($0, Probe.decodedFrames($0).errors) })")
        let stopped = daemon.child.stop(SIGTERM, timeout: 20)
        #expect(stopped.status == 0, "\(daemon.stderr)")
    }

    /// SIGKILL while a segment is being written: the partial file plays to its end (ffprobe reads it without an
    /// error): fragmented MP4, a header up front and self-contained fragments.
    @Test func killNineLeavesAPlayableFile() throws {
        try #require(RTSPTestServer.isAvailable, "\(RunCommandTests.serverMissing)")
        let dir = makeTemporaryDirectory("rec-kill9")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try RTSPTestServer(directory: dir)
        defer { server.kill() }
        let cfg = Self.config(server.url("test"), dir, record: "  continuous: true\n  segment_s: 600\n")
        let daemon = try DaemonProcess(config: cfg, directory: dir)
        let segments = dir.path + "/rec/cam/continuous"
        func size() -> Int {
            guard let f = mp4Files(under: segments).first,
                  let a = try? FileManager.default.attributesOfItem(atPath: f) else { return 0 }
            return (a[.size] as? Int) ?? 0
        }
        #expect(waitUntil(timeout: 40, poll: 0.2) { size() > 150_000 }, "\(daemon.stderr)")
        daemon.child.signal(SIGKILL)
        _ = daemon.child.stop(SIGKILL)
        let files = mp4Files(under: segments)
        #expect(files.count == 1)
        let probe = Probe.decodedFrames(files[0])
        #expect(probe.errors.isEmpty, "\(probe.errors)")
        #expect((probe.frames ?? 0) >= 25, "\(probe)")
    }

    /// SIGHUP applies `record:` in place: continuous recording switched on starts segments without a reconnect.
    @Test func reloadTurnsContinuousRecordingOn() throws {
        try #require(RTSPTestServer.isAvailable, "\(RunCommandTests.serverMissing)")
        let dir = makeTemporaryDirectory("rec-reload")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try RTSPTestServer(directory: dir)
        defer { server.kill() }
        let daemon = try DaemonProcess(config: Self.config(server.url("test"), dir, record: "  continuous: false\n"),
                                       directory: dir)
        defer { _ = daemon.child.stop(SIGKILL) }
        #expect(daemon.waitFor("stream_up", timeout: 30), "\(daemon.stderr)")
        #expect(daemon.waitFor("motion_start", timeout: 30), "\(daemon.stderr)")
        let segments = dir.path + "/rec/cam/continuous"
        #expect(mp4Files(under: segments).isEmpty)
        try daemon.rewriteConfig(Self.config(server.url("test"), dir, record: "  continuous: true\n  segment_s: 5\n"))
        daemon.child.signal(SIGHUP)
        #expect(waitUntil(timeout: 30, poll: 0.5) { mp4Files(under: segments).count >= 2 }, "\(daemon.stderr)")
        #expect(Self.playable(Array(mp4Files(under: segments).prefix(1))))
        #expect(daemon.alerts("stream_up").count == 1, "no reconnect")
    }
}
