import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `vigil run` with the object detector, tracker, rules and snapshots on a live camera: a real face photo
/// (opencv-doc's face_swapped.jpg; runs when VIGIL_OPENCV_DATA names its folder) sliding left to right over a
/// plain background, looped and pushed in real time through GStreamer's RTSP server on 127.0.0.1 (`/relay`).
///
/// Nothing here depends on how fast the machine is: every check waits for its condition (an alert, a metric
/// reaching a value) and the face comes round every 6 s for as long as it takes; `patience` only ends a wait
/// that would otherwise hang. The stream's timeouts are far above any stall a loaded machine makes, so no
/// reconnect happens that the test did not cause.
@Suite(.serialized) struct RunDetectionTests {
    static let opencvData = ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil
    /// Seconds before a wait gives up: a bound against a hang, not a speed requirement (each wait ends as soon
    /// as its condition holds, within a few seconds on an idle machine).
    static let patience = 240.0

    /// 6 s at 25 fps: the face (about 100 px) crosses from x = 20 to x = 420 between t = 0.5 s and 4.5 s, then
    /// is gone until the loop starts again.
    static func makeClip(_ dir: URL) throws -> String {
        try FaceClip.make(dir.appendingPathComponent("door.ts").path, rate: 25, seconds: 6, scale: 200,
                          x: "if(between(t,0.5,4.5),20+100*(t-0.5),-1000)", y: 40, extra: ["-g", "25"])
    }

    static func config(url: String, snapshots: String, model: String = "blazeface_short_128",
                       line: Bool = false, metricsPort: Int? = nil) -> String {
        var s = """
            alerts:
              path: ALERTS
            metrics:
              listen: "\(metricsPort.map { "127.0.0.1:\($0)" } ?? "")"
            cameras:
              - name: door
                url: \(url)
                zones:
                  - name: right
                    polygon: [[380, 0], [640, 0], [640, 360], [380, 360]]
                    inertia: 2

            """
        if line {
            s += """
                    lines:
                      - name: mid
                        from: [300, 0]
                        to: [300, 360]

                """
        }
        return s + Fixtures.streamYAML(openTimeout: 60, readTimeout: 60, noFramesTimeout: 60) + """
            detect:
              fps: 5
              model: \(model)
            track:
              min_hits: 2
              max_age: 3
            snapshots:
              dir: \(snapshots)

            """
    }

    var environment: [String: String] {
        ["VIGIL_MODELS": Fixtures.repoRoot.appendingPathComponent("samples/models").path]
    }

    @Test(.enabled(if: opencvData, "needs VIGIL_OPENCV_DATA (scripts/fetch-test-images.sh)"))
    func detectsTracksAppliesZonesAndReloadsRulesWithoutReconnecting() throws {
        try #require(RTSPTestServer.isAvailable, "GStreamer's RTSP server is needed (scripts/install-deps.sh)")
        let dir = makeTemporaryDirectory("run-detect")
        let clip = try Self.makeClip(dir)
        let server = try RTSPTestServer(directory: dir)
        let feeder = try RelayFeeder(clip: clip, port: server.relayPort, directory: dir)
        defer { feeder.kill() }
        let snaps = dir.appendingPathComponent("snaps").path
        let port = FreePort.pick()
        let daemon = try DaemonProcess(config: Self.config(url: server.url("relay"), snapshots: snaps, metricsPort: port),
                                       directory: dir, environment: environment)
        let patience = Self.patience
        #expect(daemon.waitFor("stream_up", camera: "door", timeout: patience), "\(daemon.stderr)")
        #expect(daemon.waitFor("object_enter", camera: "door", timeout: patience), "\(daemon.stderr)")
        #expect(daemon.waitFor("zone_enter", camera: "door", timeout: patience), "\(daemon.stderr)")
        let enter = try #require(daemon.alerts("object_enter", camera: "door").first)
        #expect(enter["label"] as? String == "face")
        let zone = try #require(daemon.alerts("zone_enter", camera: "door").first)
        #expect(zone["zone"] as? String == "right")
        let box = try #require(zone["box"] as? [Double])
        #expect(box.count == 4 && (box[0] + box[2]) / 2 >= 380, "in the zone by its bottom centre: \(box)")
        for a in [enter, zone] {
            let path = try #require(a["snapshot"] as? String)
            let jpeg = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(path.hasPrefix(snaps) && jpeg.prefix(2) == Data([0xFF, 0xD8]))
        }

        // The detector's work is in the metrics: passes by kind (motion-gated), inferences on the shared pool.
        // Waited for: a loaded machine drops frames from the ring, so when the first region pass comes depends on
        // its speed (the face moves between full-frame passes every loop, so one does come).
        var scrape = ""
        var passes: [Double] = []
        let counted = waitUntil(timeout: patience, poll: 0.25) {
            scrape = httpGet(port: port, path: "/metrics")?.body ?? ""
            passes = ["full_frame", "regions", "no_motion"].map {
                metric(scrape, "vigil_detect_passes_total{camera=\"door\",kind=\"\($0)\"}") ?? 0
            }
            return passes[0] >= 1 && passes[1] >= 1
                && (metric(scrape, "vigil_snapshots_written_total{camera=\"door\"}") ?? 0) >= 2
        }
        #expect(counted, "full-frame and region passes: \(passes), two snapshots written")
        // (a pass is counted when it starts: one camera has at most one in flight at the scrape)
        #expect((metric(scrape, "vigil_inferences_total") ?? 0) >= passes[0] + passes[1] - 1)
        #expect(metric(scrape, "vigil_inference_slots") ?? 0 >= 1)
        #expect((metric(scrape, "vigil_detector_inference_seconds_count{model=\"blazeface_short_128\"}") ?? 0) >= 1)
        #expect((metric(scrape, "vigil_snapshots_written_total{camera=\"door\"}") ?? 0) >= 2)

        // A reload adds a counting line: applied from the next frame, the stream is not reopened.
        try daemon.rewriteConfig(Self.config(url: server.url("relay"), snapshots: snaps, line: true, metricsPort: port))
        daemon.child.signal(SIGHUP)
        #expect(daemon.waitFor("config_reloaded", timeout: patience), "\(daemon.stderr)")
        let reloaded = daemon.alerts("config_reloaded").last?["details"] as? [String: Any]
        #expect(reloaded?["updated"] as? [String] == ["door"])
        #expect(reloaded?["restarted"] as? [String] == [])
        #expect(daemon.waitFor("line_cross", camera: "door", timeout: patience), "\(daemon.stderr)")
        let cross = try #require(daemon.alerts("line_cross", camera: "door").first)
        #expect(cross["line"] as? String == "mid")
        #expect(cross["direction"] as? String == "right_to_left", "moving east across a line drawn southwards")

        // A reload naming a model that does not exist is refused; the old detector keeps running.
        try daemon.rewriteConfig(Self.config(url: server.url("relay"), snapshots: snaps, model: "/nonexistent.onnx",
                                             metricsPort: port))
        daemon.child.signal(SIGHUP)
        #expect(daemon.waitFor("config_error", timeout: patience), "\(daemon.stderr)")
        let enters = daemon.alerts("object_enter", camera: "door").count
        #expect(daemon.waitFor("object_enter", camera: "door", count: enters + 1, timeout: patience),
                "the face comes round again with the loop and is detected by the kept model")
        #expect(daemon.alerts("stream_up", camera: "door").count == 1, "no reconnect: \(daemon.stderr)")

        // (how fast SIGTERM ends the daemon is RunCommandTests' subject; here only that it ends cleanly)
        let (status, _) = daemon.child.stop(SIGTERM, timeout: Self.patience)
        #expect(status == 0, "\(daemon.stderr)")
    }

    /// The alert log on a device that refuses every write (/dev/full, ENOSPC): the daemon keeps analysing,
    /// counts the lost alerts in `vigil_alerts_dropped_total` and says so in its log, never exits.
    @Test func aFullDiskDropsAlertsCountsThemAndCarriesOn() throws {
        try #require(RTSPTestServer.isAvailable, "GStreamer's RTSP server is needed (scripts/install-deps.sh)")
        let dir = makeTemporaryDirectory("run-full")
        let server = try RTSPTestServer(directory: dir)
        let port = FreePort.pick()
        let cfg = """
            alerts:
              path: /dev/full
              max_bytes: 0
            cameras:
              - name: cam
                url: \(server.url("test"))
            metrics:
              listen: 127.0.0.1:\(port)

            """
        let daemon = try DaemonProcess(config: cfg, directory: dir, environment: environment)
        // stream_up is the first alert: written to /dev/full, so dropped.
        #expect(waitUntil(timeout: Self.patience) {
            (httpGet(port: port, path: "/metrics").flatMap { metric($0.body, "vigil_alerts_dropped_total") } ?? 0) >= 1
        }, "\(daemon.stderr)")
        func analysed() -> Double {
            httpGet(port: port, path: "/metrics").flatMap { metric($0.body, "vigil_frames_analyzed_total{camera=\"cam\"}") } ?? 0
        }
        let before = analysed()
        #expect(waitUntil(timeout: Self.patience) { analysed() >= before + 5 }, "still analysing with the disk full")
        #expect(daemon.child.isRunning)
        #expect(daemon.stderr.contains("No space left on device"), "\(daemon.stderr)")
        let (status, _) = daemon.child.stop(SIGTERM, timeout: Self.patience)
        #expect(status == 0, "\(daemon.stderr)")
    }

    @Test func aModelThatDoesNotLoadStopsTheDaemonWithStatus78() throws {
        let dir = makeTemporaryDirectory("run-badmodel")
        let daemon = try DaemonProcess(
            config: Self.config(url: "rtsp://127.0.0.1:9/none", snapshots: dir.path, model: "/nonexistent/model.onnx"),
            directory: dir, environment: environment)
        #expect(waitUntil(timeout: Self.patience) { !daemon.child.isRunning })
        let (status, _) = daemon.child.stop(SIGKILL)
        #expect(status == 78, "\(daemon.stderr)")
        #expect(daemon.stderr.contains("/nonexistent/model.onnx"))
    }
}
