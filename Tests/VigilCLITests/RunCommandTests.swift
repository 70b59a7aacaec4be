import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `vigil run` as systemd runs it, against GStreamer's RTSP server on 127.0.0.1 (scripts/testbed), with a
/// notify socket and the metrics endpoint. Every test starts and stops its own servers on free ports.
/// Serialized: each test measures real time and frame rates, which two cores shared by parallel tests distort.
@Suite(.serialized) struct RunCommandTests {
    static let serverMissing = "GStreamer's RTSP server is needed (scripts/install-deps.sh installs it)"

    /// A config with fast reconnects and short timeouts, so that failures show within seconds.
    static func config(cameras: [(String, String)], metricsPort: Int? = nil, readTimeout: Double = 2,
                       extra: String = "") -> String {
        var s = """
            alerts:
              path: ALERTS
            cameras:

            """
        for (name, url) in cameras { s += "  - name: \(name)\n    url: \(url)\n" }
        s += Fixtures.streamYAML(readTimeout: readTimeout) + """
            detect:
              fps: 5
              models: []              # motion only: these tests are about streams, not detectors

            """
        if let metricsPort { s += "metrics:\n  listen: 127.0.0.1:\(metricsPort)\n" }
        return s + extra
    }

    @Test func runsTwoCamerasOneBrokenNotifiesSystemdServesMetricsAndStopsCleanly() throws {
        try #require(RTSPTestServer.isAvailable, "\(Self.serverMissing)")
        let dir = makeTemporaryDirectory("run")
        let server = try RTSPTestServer(directory: dir)
        let notify = NotifyListener(directory: dir)
        defer { notify.close() }
        let metricsPort = FreePort.pick()
        let deadPort = FreePort.pick()  // nothing listens there: connection refused
        let cfg = Self.config(cameras: [("good", server.url("test", credentials: "viewer:s3cretpw")),
                                        ("broken", "rtsp://viewer:s3cretpw@127.0.0.1:\(deadPort)/none")],
                              metricsPort: metricsPort)
        let daemon = try DaemonProcess(config: cfg, directory: dir,
                                       environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        #expect(waitUntil(timeout: 10) { notify.assignments.contains("READY=1") }, "READY=1: \(daemon.stderr)")
        #expect(daemon.waitFor("stream_up", camera: "good", timeout: 15), "\(daemon.stderr)")
        #expect(daemon.waitFor("motion_start", camera: "good", timeout: 10), "the test pattern's ball moves")
        #expect(daemon.waitFor("stream_down", camera: "broken", timeout: 10))
        #expect(daemon.waitFor("stream_error", camera: "broken", timeout: 10), "failed reconnects are reported")
        // The good camera keeps its rate while the other one fails: of the next 100 frames it decodes (25 fps),
        // one in five is admitted for analysis (detect.fps 5). Counted in frames, not in seconds of a busy machine.
        // An admitted frame is analysed, dropped (ring full) or still waiting in the ring: counting all three
        // keeps the analysis thread's lag out of the figure (under TSan at load 8 the analysed count alone was
        // 4.4 frames off, the ring's backlog differing between the two scrapes).
        func counts(_ body: String) -> (decoded: Double, admitted: Double) {
            let admitted = ["vigil_frames_analyzed_total", "vigil_frames_dropped_total", "vigil_ring_frames"]
                .map { metric(body, "\($0){camera=\"good\"}") ?? 0 }.reduce(0, +)
            return (metric(body, "vigil_frames_decoded_total{camera=\"good\"}") ?? 0, admitted)
        }
        let before = counts(httpGet(port: metricsPort, path: "/metrics")?.body ?? "")
        #expect(waitUntil(timeout: 30) {
            counts(httpGet(port: metricsPort, path: "/metrics")?.body ?? "").decoded - before.decoded >= 100
        }, "the good camera keeps decoding")
        let scrape = try #require(httpGet(port: metricsPort, path: "/metrics"))
        #expect(scrape.status == 200)
        let after = counts(scrape.body)
        let decoded = after.decoded - before.decoded, admitted = after.admitted - before.admitted
        #expect(abs(admitted - decoded / 5) <= 3, "admitted \(admitted) of \(decoded) decoded frames at detect.fps 5 of 25")
        #expect(metric(scrape.body, "vigil_stream_up{camera=\"good\"}") == 1)
        #expect(metric(scrape.body, "vigil_stream_up{camera=\"broken\"}") == 0)
        #expect((metric(scrape.body, "vigil_stream_reconnects_total{camera=\"broken\"}") ?? 0) >= 1)
        #expect((metric(scrape.body, "vigil_frames_skipped_total{camera=\"good\"}") ?? 0) > 0, "decimation 25 → 5 fps")
        #expect(scrape.body.contains("# TYPE vigil_analysis_duration_seconds histogram"))
        // Glass to analysed, from the server's RTCP sender reports: every frame after the first report, and on one
        // machine (one clock) a mean between 0 and 2 s (x264 zerolatency, loopback, no jitter buffer on TCP).
        let glassCount = metric(scrape.body, "vigil_glass_to_analysed_seconds_count{camera=\"good\"}") ?? 0
        let glassSum = metric(scrape.body, "vigil_glass_to_analysed_seconds_sum{camera=\"good\"}") ?? 0
        #expect(glassCount >= 10, "frames with a capture time: \(glassCount)")
        #expect(glassCount > 0 && glassSum / glassCount > 0 && glassSum / glassCount < 2, "mean glass latency \(glassSum / max(1, glassCount)) s")
        #expect(scrape.body.contains("vigil_alerts_total{event=\"stream_up\"} 1"))
        #expect(httpGet(port: metricsPort, path: "/other")?.status == 404)
        #expect(waitUntil(timeout: 5) { notify.assignments.contains("WATCHDOG=1") }, "WATCHDOG=1 while healthy")
        #expect(notify.assignments.contains { $0.hasPrefix("STATUS=") && $0.contains("good") })

        let (status, seconds) = daemon.child.stop(SIGTERM)
        #expect(status == 0, "exit status after SIGTERM: \(daemon.stderr)")
        #expect(seconds < 5, "stopped in \(seconds) s")
        #expect(notify.assignments.contains("STOPPING=1"))
        let order = notify.assignments.filter { ["READY=1", "STOPPING=1"].contains($0) }
        #expect(order.first == "READY=1" && order.last == "STOPPING=1")
        // The open motion event is ended and written before the exit.
        #expect(daemon.alerts("motion_end", camera: "good").count == daemon.alerts("motion_start", camera: "good").count)
        // Secrets: never in logs, alerts or metrics.
        let alertsText = (try? String(contentsOfFile: daemon.alertsPath, encoding: .utf8)) ?? ""
        for (what, text) in [("stderr", daemon.stderr), ("alerts", alertsText), ("metrics", scrape.body)] {
            #expect(!text.contains("s3cretpw"), "password in \(what)")
        }
        #expect(daemon.stderr.contains("viewer:***@127.0.0.1"))
        _ = server
    }

    @Test func serverKilledIsStreamDownAndRestartedIsStreamUpWithinTheBackoffBound() throws {
        try #require(RTSPTestServer.isAvailable, "\(Self.serverMissing)")
        let dir = makeTemporaryDirectory("kill")
        let server = try RTSPTestServer(directory: dir)
        let daemon = try DaemonProcess(config: Self.config(cameras: [("cam", server.url("test"))]), directory: dir)
        #expect(daemon.waitFor("stream_up", timeout: 15), "\(daemon.stderr)")
        server.kill()
        #expect(daemon.waitFor("stream_down", timeout: 6), "EOF / read timeout on a killed server: \(daemon.stderr)")
        let down = daemon.alerts("stream_down").first
        #expect(((down?["details"] as? [String: Any])?["reason"] as? String) != nil)
        #expect(daemon.waitFor("stream_error", timeout: 10), "failed reconnects while the server is down")
        try server.start()
        #expect(daemon.waitFor("stream_up", count: 2, timeout: 15), "\(daemon.stderr)")
        // The wait between attempts never exceeds the backoff cap (reconnect_max_s 1): the delays the camera
        // announced (the backoff itself runs on virtual time in LiveCameraTests).
        let retries = (daemon.alerts("stream_down") + daemon.alerts("stream_error")).compactMap {
            ($0["details"] as? [String: Any])?["retry_in_s"] as? Double
        }
        #expect(!retries.isEmpty && retries.allSatisfy { $0 > 0 && $0 <= 1 }, "retry delays \(retries)")
        let (status, _) = daemon.child.stop(SIGTERM)
        #expect(status == 0)
    }

    @Test func stalledFeederTripsTheNoFramesWatchdogAndTheCameraComesBack() throws {
        try #require(RTSPTestServer.isAvailable, "\(Self.serverMissing)")
        let dir = makeTemporaryDirectory("stall")
        let server = try RTSPTestServer(directory: dir)
        var feeder: RelayFeeder? = try RelayFeeder(clip: Fixtures.path("boxes.ts"), port: server.relayPort, directory: dir)
        // The read timeout (8 s) is longer than the no-frames watchdog (2 s): the watchdog must be what acts.
        let daemon = try DaemonProcess(config: Self.config(cameras: [("relay", server.url("relay"))], readTimeout: 8),
                                       directory: dir)
        #expect(daemon.waitFor("stream_up", timeout: 20), "\(daemon.stderr)")
        feeder?.kill()  // the RTSP session stays up, no data arrives
        #expect(daemon.waitFor("stream_down", timeout: 8), "\(daemon.stderr)")
        let reason = ((daemon.alerts("stream_down").first?["details"] as? [String: Any])?["reason"] as? String) ?? ""
        #expect(reason == "no frames for 2 s", "reason: \(reason)")
        feeder = try RelayFeeder(clip: Fixtures.path("boxes.ts"), port: server.relayPort, directory: dir)
        #expect(daemon.waitFor("stream_up", count: 2, timeout: 20), "\(daemon.stderr)")
        let (status, seconds) = daemon.child.stop(SIGTERM)
        #expect(status == 0)
        #expect(seconds < 5)
        _ = feeder
    }

    @Test func sighupAppliesThresholdsWithoutReconnectingAndRefusesABrokenConfig() throws {
        try #require(RTSPTestServer.isAvailable, "\(Self.serverMissing)")
        let dir = makeTemporaryDirectory("hup")
        let server = try RTSPTestServer(directory: dir)
        let metricsPort = FreePort.pick()
        let cams = [("cam", server.url("test"))]
        let daemon = try DaemonProcess(config: Self.config(cameras: cams, metricsPort: metricsPort), directory: dir)
        #expect(daemon.waitFor("motion_start", timeout: 15), "\(daemon.stderr)")
        #expect(daemon.alerts("motion_end").isEmpty, "the ball never stops")

        // Threshold 255: nothing counts as motion any more: the open event ends after event_gap_s.
        try daemon.rewriteConfig(Self.config(cameras: cams, metricsPort: metricsPort,
                                             extra: "motion:\n  threshold: 255\n  event_gap_s: 0.5\n"))
        daemon.child.signal(SIGHUP)
        #expect(daemon.waitFor("config_reloaded", timeout: 5), "\(daemon.stderr)")
        let reloaded = daemon.alerts("config_reloaded").last?["details"] as? [String: Any]
        #expect(reloaded?["updated"] as? [String] == ["cam"])
        #expect(reloaded?["restarted"] as? [String] == [])
        #expect(daemon.waitFor("motion_end", timeout: 5), "the new threshold applies to the running stream")
        #expect(daemon.alerts("stream_up").count == 1, "no reconnect")
        let scrape = httpGet(port: metricsPort, path: "/metrics")?.body ?? ""
        #expect(metric(scrape, "vigil_stream_reconnects_total{camera=\"cam\"}") == 0)

        // A broken config is refused; the old one keeps running.
        try daemon.rewriteConfig(Self.config(cameras: cams, extra: "motion:\n  threshold: 999\n"))
        daemon.child.signal(SIGHUP)
        #expect(daemon.waitFor("config_error", timeout: 5))
        let reason = (daemon.alerts("config_error").first?["details"] as? [String: Any])?["reason"] as? String ?? ""
        #expect(reason.contains("motion.threshold"), "\(reason)")
        #expect(daemon.child.isRunning)
        func analysed() -> Double {
            metric(httpGet(port: metricsPort, path: "/metrics")?.body ?? "", "vigil_frames_analyzed_total{camera=\"cam\"}") ?? 0
        }
        let a = analysed()
        #expect(waitUntil(timeout: 10) { analysed() > a },
                "still analysing after the refused reload (metrics still on the old address)")

        // A camera added and one removed are started and stopped alone.
        try daemon.rewriteConfig(Self.config(cameras: [("cam2", server.url("test"))], metricsPort: metricsPort))
        daemon.child.signal(SIGHUP)
        #expect(daemon.waitFor("config_reloaded", count: 2, timeout: 8))
        let second = daemon.alerts("config_reloaded").last?["details"] as? [String: Any]
        #expect(second?["added"] as? [String] == ["cam2"])
        #expect(second?["removed"] as? [String] == ["cam"])
        #expect(daemon.waitFor("stream_up", camera: "cam2", timeout: 10))
        let (status, seconds) = daemon.child.stop(SIGTERM)
        #expect(status == 0)
        #expect(seconds < 5)
    }

    @Test func httpMJPEGCameraConnectsAndItsEndIsStreamDown() throws {
        let dir = makeTemporaryDirectory("mjpeg")
        let port = FreePort.pick()
        // ffmpeg as a one-client MJPEG-over-HTTP camera (multipart/x-mixed-replace), live rate.
        let camera = try ChildProcess("/usr/bin/env", [
            "ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", Fixtures.path("boxes.mp4"),
            "-an", "-c:v", "mjpeg", "-q:v", "5", "-f", "mpjpeg", "-content_type",
            "multipart/x-mixed-replace;boundary=ffmpeg", "-listen", "1", "http://127.0.0.1:\(port)/cam.mjpg",
        ], directory: dir)
        #expect(waitUntil(timeout: 20, poll: 0.02) { FreePort.isListening(port) }, "ffmpeg listens: \(camera.stderrText)")
        let daemon = try DaemonProcess(config: Self.config(cameras: [("mjpeg", "http://127.0.0.1:\(port)/cam.mjpg")]),
                                       directory: dir)
        #expect(daemon.waitFor("stream_up", timeout: 10), "\(daemon.stderr)")
        let up = daemon.alerts("stream_up").first?["details"] as? [String: Any]
        #expect(up?["codec"] as? String == "mjpeg")
        camera.stop(SIGKILL)
        #expect(daemon.waitFor("stream_down", timeout: 6), "\(daemon.stderr)")
        let (status, _) = daemon.child.stop(SIGTERM)
        #expect(status == 0)
    }

    /// A SIGTERM while the daemon is still starting is kept, and the daemon then stops cleanly (exit 0) instead of
    /// running on (systemd would wait for its stop timeout and SIGKILL). The start-up is held on purpose: the
    /// config is a FIFO, so loading it blocks until the test writes it — after the signal was handled.
    @Test func sigtermDuringStartUpIsKeptAndTheDaemonExitsZero() throws {
        let dir = makeTemporaryDirectory("early-term")
        let configPath = dir.appendingPathComponent("vigil.yaml").path
        let alertsPath = dir.appendingPathComponent("alerts.jsonl").path
        #expect(mkfifo(configPath, 0o600) == 0)
        let notify = NotifyListener(directory: dir)
        defer { notify.close() }
        let child = try ChildProcess(Fixtures.vigil, ["run", "--config", configPath],
                                     environment: ["NOTIFY_SOCKET": notify.path], directory: dir)
        #expect(waitUntil(timeout: 30, poll: 0.02) { child.stderrText.contains("starting") }, "\(child.stderrText)")
        child.signal(SIGTERM)
        #expect(waitUntil(timeout: 10, poll: 0.02) { child.stderrText.contains("signal SIGTERM: stopping") },
                "the handler runs while the config is still loading: \(child.stderrText)")
        #expect(child.isRunning, "still starting: the config is not written yet")
        // Now the config load can finish: the daemon sets up, sees the stop, and exits 0 without starting cameras.
        let cfg = Self.config(cameras: [("cam", "rtsp://127.0.0.1:\(FreePort.pick())/none")])
            .replacingOccurrences(of: "ALERTS", with: alertsPath) + "api:\n  listen: 127.0.0.1:0\n"
        let writer = try #require(FileHandle(forWritingAtPath: configPath))
        writer.write(Data(cfg.utf8))
        try writer.close()
        let (status, _) = child.stop(0, timeout: 30)  // signal 0: only wait for the exit
        #expect(status == 0, "exit status: \(child.stderrText)")
        #expect(child.stderrText.contains("stopped"))
        #expect(!child.stderrText.contains("camera started"), "no camera starts after the stop request")
        #expect(!notify.assignments.contains("READY=1"))
        #expect(FileManager.default.fileExists(atPath: alertsPath), "the alert log was opened and closed")
    }

    @Test func badConfigExits78AndMissingConfig66() throws {
        let dir = makeTemporaryDirectory("badrun")
        let path = dir.appendingPathComponent("bad.yaml").path
        try "alerts:\n  path: /tmp/x.jsonl\ncameras: []\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(vigil(["run", "--config", path]).status == 78)
        #expect(vigil(["run", "--config", dir.appendingPathComponent("none.yaml").path]).status == 66)
    }
}
