import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The HTTP API of a running `vigil run` against GStreamer's RTSP server (one good camera, one dead one): every
/// route, events against the alert log, the live stream, limits, the token off loopback, shutdown with clients
/// still connected. The HTTP layer's finer cases (ranges, traversal, slow headers) are in APITests.
@Suite(.serialized) struct APIRunTests {
    static func config(good: String, deadPort: Int, api: String = "api:\n  listen: 127.0.0.1:0\n") -> String {
        """
        alerts:
          path: ALERTS
        cameras:
          - name: good
            url: \(good)
            zones:
              - name: door
                polygon: [[10, 10], [200, 10], [200, 150], [10, 150]]
            lines:
              - name: gate
                from: [0, 200]
                to: [320, 200]
          - name: broken
            url: rtsp://viewer:s3cretpw@127.0.0.1:\(deadPort)/none
        \(Fixtures.streamYAML())detect:
          fps: 5
          models: []              # motion only: these tests are about the API, not detectors

        \(api)
        """
    }

    static func get(_ port: Int, _ path: String, token: String? = nil) -> HTTPReply? {
        httpRequest(port: port, method: "GET", path: path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }

    static func json(_ body: [UInt8]) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:]
    }

    /// Four viewers (the most api.mjpeg_max_viewers allows; `first` is already watching) share one JPEG encode per
    /// picture: the encodes are far fewer than the JPEGs served. Returns the viewers, still connected.
    static func fourViewersShareEncodes(port: Int, first: RawSocket) throws -> [RawSocket] {
        let others = (0..<3).compactMap { _ in RawSocket(port: port) }
        for v in others { v.send("GET /api/cameras/good/mjpeg HTTP/1.1\r\nHost: x\r\n\r\n") }
        let viewers = [first] + others
        for v in viewers {
            _ = v.read { String(decoding: $0, as: UTF8.self).components(separatedBy: "--vigilframe").count >= 5 }
        }
        let shared = String(decoding: try #require(get(port, "/metrics")).body, as: UTF8.self)
        let encodes = metric(shared, "vigil_api_jpeg_encodes_total{camera=\"good\"}") ?? -1
        let served = metric(shared, "vigil_api_jpeg_served_total{camera=\"good\"}") ?? 0
        #expect(viewers.count == 4 && served >= 16, "\(served) JPEGs served")
        #expect(encodes >= 1 && encodes * 2 <= served, "\(encodes) encodes for \(served) JPEGs served")
        return viewers
    }

    @Test func everyRouteAgainstARunningDaemon() throws {
        try #require(RTSPTestServer.isAvailable, "\(RunCommandTests.serverMissing)")
        let dir = makeTemporaryDirectory("api-run")
        let server = try RTSPTestServer(directory: dir)
        // A log from an earlier run, and an index that is not a database: the index is rebuilt from the log.
        let earlier = "{\"ts\":\"2026-12-01T00:00:00.000Z\",\"media_time\":0,\"frame\":0,\"camera\":\"good\",\"event\":\"motion_start\",\"severity\":\"info\"}\n"
        try earlier.write(to: dir.appendingPathComponent("alerts.jsonl"), atomically: true, encoding: .utf8)
        try "not a database".write(to: dir.appendingPathComponent("alerts.jsonl.index.sqlite"), atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(config: Self.config(good: server.url("test", credentials: "viewer:s3cretpw"),
                                                           deadPort: FreePort.pick()), directory: dir)
        let port = try #require(daemon.apiPort(), "the daemon logs the page's URL: \(daemon.stderr)")
        #expect(daemon.waitFor("stream_up", camera: "good", timeout: 15), "\(daemon.stderr)")
        #expect(daemon.waitFor("stream_down", camera: "broken", timeout: 10))

        // Cameras: the good one up with a frame rate, the dead one down with its error, zones and lines for the page.
        var cams: [[String: Any]] = []
        #expect(waitUntil(timeout: 10) {
            cams = Self.json(Self.get(port, "/api/cameras")?.body ?? [])["cameras"] as? [[String: Any]] ?? []
            return cams.count == 2 && (cams.last?["fps"] as? Double ?? 0) > 0
        }, "\(cams)")
        let broken = try #require(cams.first { $0["name"] as? String == "broken" })
        let good = try #require(cams.first { $0["name"] as? String == "good" })
        #expect(good["state"] as? String == "up" && good["last_frame_time"] is String && good["width"] as? Int == 640)
        #expect(((good["zones"] as? [[String: Any]])?.first?["name"] as? String) == "door")
        #expect(((good["lines"] as? [[String: Any]])?.first?["name"] as? String) == "gate")
        #expect(["down", "reconnecting"].contains(broken["state"] as? String ?? ""))
        #expect((broken["error"] as? String)?.isEmpty == false, "\(broken)")

        // Pictures: the latest frame, annotated or not, and the MJPEG stream.
        for path in ["/api/cameras/good/latest.jpg", "/api/cameras/good/latest.jpg?annotate=1"] {
            let jpeg = try #require(Self.get(port, path))
            #expect(jpeg.status == 200 && jpeg.body.starts(with: [0xFF, 0xD8]) && jpeg.body.suffix(2) == [0xFF, 0xD9], "\(path)")
        }
        #expect(Self.get(port, "/api/cameras/broken/latest.jpg")?.status == 503)
        #expect(Self.get(port, "/api/cameras/nobody/mjpeg")?.status == 404)
        let mjpeg = try #require(RawSocket(port: port))
        mjpeg.send("GET /api/cameras/good/mjpeg HTTP/1.1\r\nHost: x\r\n\r\n")
        let parts = mjpeg.read { String(decoding: $0, as: UTF8.self).components(separatedBy: "--vigilframe").count >= 3 }
        #expect(String(decoding: parts, as: UTF8.self).contains("multipart/x-mixed-replace"))
        let viewers = try Self.fourViewersShareEncodes(port: port, first: mjpeg)

        // Events: what the log holds, newest first; filters as a reading of the log selects.
        let logged = daemon.alerts
        let api = Self.json(try #require(Self.get(port, "/api/events?limit=1000")).body)["events"] as? [[String: Any]] ?? []
        func key(_ a: [String: Any]) -> String { "\(a["ts"] ?? "") \(a["camera"] ?? "") \(a["event"] ?? "")" }
        #expect(waitUntil(timeout: 5) {
            let now = Self.json(Self.get(port, "/api/events?limit=1000")?.body ?? [])["events"] as? [[String: Any]] ?? []
            return now.count >= logged.count
        })
        #expect(Set(api.map(key)).isSubset(of: Set(daemon.alerts.map(key))))
        let old = Self.json(try #require(Self.get(port, "/api/events?camera=good&limit=1000")).body)["events"] as? [[String: Any]] ?? []
        #expect(old.last?["ts"] as? String == "2026-12-01T00:00:00.000Z", "the earlier run's event, from the rebuilt index")
        #expect(daemon.stderr.contains("rebuilding it from the alert log"))
        let brokenOnly = Self.json(try #require(Self.get(port, "/api/events?camera=broken&limit=1000")).body)["events"] as? [[String: Any]] ?? []
        #expect(!brokenOnly.isEmpty && brokenOnly.allSatisfy { $0["camera"] as? String == "broken" })
        let ts = brokenOnly.compactMap { $0["ts"] as? String }
        #expect(ts == ts.sorted(by: >), "newest first")
        let first = try #require(brokenOnly.first?["id"] as? Int)
        #expect(Self.json(try #require(Self.get(port, "/api/events/\(first)")).body)["camera"] as? String == "broken")

        // The live stream gets the config_reloaded alert that POST /api/reload causes, within a second.
        let sse = try #require(RawSocket(port: port))
        sse.send("GET /api/events/stream?camera=*&event=config_reloaded HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = sse.read { String(decoding: $0, as: UTF8.self).contains(": connected") }
        let t0 = Date()
        let reload = try #require(httpRequest(port: port, method: "POST", path: "/api/reload"))
        #expect(reload.status == 200, "\(String(decoding: reload.body, as: UTF8.self))")
        let got = String(decoding: sse.read { String(decoding: $0, as: UTF8.self).contains("config_reloaded") }, as: UTF8.self)
        #expect(got.contains("event: alert") && got.contains("config_reloaded"))
        #expect(Date().timeIntervalSince(t0) < 1, "config_reloaded arrived \(Date().timeIntervalSince(t0)) s after the request")

        // Config: secrets redacted. Metrics: the daemon's and the API's families.
        let config = String(decoding: try #require(Self.get(port, "/api/config")).body, as: UTF8.self)
        #expect(config.contains("viewer:***@127.0.0.1") && !config.contains("s3cretpw"))
        let metrics = String(decoding: try #require(Self.get(port, "/metrics")).body, as: UTF8.self)
        #expect(metrics.contains("vigil_frames_decoded_total{camera=\"good\"}") && metrics.contains("vigil_api_requests_total"))
        // The API is one sink of the daemon's fan-out: every alert reached it (it wakes the indexer).
        #expect((metric(metrics, "vigil_sink_delivered_total{sink=\"api\"}") ?? 0) >= 2, "\(metrics)")
        let page = try #require(Self.get(port, "/"))
        #expect(page.status == 200 && String(decoding: page.body, as: UTF8.self).contains("<title>Vigil</title>"))

        // 200 idle connections, each with half a request line: /metrics still answers at once.
        var idle: [RawSocket] = []
        for _ in 0..<200 {
            let c = try #require(RawSocket(port: port))
            c.send("GET /metr")
            idle.append(c)
        }
        let t1 = Date()
        #expect(Self.get(port, "/metrics")?.status == 200)
        #expect(Date().timeIntervalSince(t1) < 1, "/metrics took \(Date().timeIntervalSince(t1)) s beside 200 idle connections")

        // SIGTERM with the stream, MJPEG and idle clients still connected: exit 0 within 5 s.
        let (status, seconds) = daemon.child.stop(SIGTERM)
        #expect(status == 0, "\(daemon.stderr)")
        #expect(seconds < 5, "stopped in \(seconds) s")
        #expect(!daemon.stderr.contains("s3cretpw"))
        withExtendedLifetime((server, mjpeg, viewers, sse, idle)) {}
    }

    @Test func offLoopbackNeedsATokenAndChecksIt() throws {
        let dir = makeTemporaryDirectory("api-token")
        let dead = FreePort.pick()
        let open = Self.config(good: "rtsp://127.0.0.1:\(FreePort.pick())/none", deadPort: dead,
                               api: "api:\n  listen: 0.0.0.0:0\n")
        let path = dir.appendingPathComponent("open.yaml").path
        try open.replacingOccurrences(of: "ALERTS", with: dir.appendingPathComponent("a.jsonl").path)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let refused = vigil(["run", "--config", path])
        #expect(refused.status == 78, "\(refused.stderr)")
        #expect(refused.stderr.contains("api.token"), "\(refused.stderr)")

        let token = "a-long-enough-test-token-42"
        let daemon = try DaemonProcess(
            config: Self.config(good: "rtsp://127.0.0.1:\(FreePort.pick())/none", deadPort: dead,
                                api: "api:\n  listen: 0.0.0.0:0\n  token: ${VIGIL_API_TOKEN}\n"),
            directory: dir, environment: ["VIGIL_API_TOKEN": token])
        let port = try #require(daemon.apiPort(), "\(daemon.stderr)")
        #expect(Self.get(port, "/api/cameras")?.status == 401)
        #expect(Self.get(port, "/api/cameras", token: "a-long-enough-test-token-43")?.status == 401)
        #expect(Self.get(port, "/api/cameras", token: token)?.status == 200)
        #expect(Self.get(port, "/metrics")?.status == 200)
        let config = String(decoding: Self.get(port, "/api/config", token: token)?.body ?? [], as: UTF8.self)
        #expect(!config.contains(token))
        for p in ["/api/events/1/../../../../etc/passwd", "/../../etc/passwd", "/api/events/%2e%2e%2f%2e%2e%2fetc%2fpasswd/snapshot.jpg"] {
            let r = try #require(Self.get(port, p, token: token))
            #expect(r.status == 404 || r.status == 400, "\(p): \(r.status)")
            #expect(!String(decoding: r.body, as: UTF8.self).contains("root:"), "\(p)")
        }
        #expect(daemon.child.stop(SIGTERM).status == 0)
    }
}
