import Foundation
import Hummingbird
import Logging
import Sinks
import Testing
import TestSupport
import VigilCore
@testable import API

/// The daemon's side for tests of the HTTP layer alone (routes, security, files, streams, limits): two cameras
/// with fixed states. The daemon behind the real backend is tested end to end in VigilCLITests.APIRunTests.
final class FixedBackend: APIBackend {
    func cameras() -> [CameraStatus] {
        [CameraStatus(name: "back", state: .down, error: "connection refused"),
         CameraStatus(name: "front", state: .up, analysisFPS: 5, lastFrameTime: 1_796_083_200, width: 640, height: 360)]
    }
    func latestJPEG(camera: String, annotated: Bool, timeout: Double) async -> LatestPicture? {
        camera == "front" ? LatestPicture(jpeg: [0xFF, 0xD8, 0xFF, 0xD9], time: 1_796_083_200) : nil
    }
    func reload() async -> ReloadOutcome { ReloadOutcome(ok: true, message: "config reloaded, nothing changed") }
    func redactedConfig() -> JSONValue { .object([("api", .object([("token", .string("***"))]))]) }
    func metricsText() -> String { "# HELP vigil_cameras Cameras running.\n# TYPE vigil_cameras gauge\nvigil_cameras 2\n" }
}

/// A server on a free loopback port over an index that follows `dir/alerts.jsonl`.
final class Harness {
    let dir: URL
    let log: String
    let index: EventIndex
    let hub = EventHub()
    let indexer: EventIndexer
    let server: APIServer
    var port: Int { server.port }

    init(_ label: String, configure: (inout APIOptions) -> Void = { _ in }) throws {
        dir = makeTemporaryDirectory(label)
        log = dir.appendingPathComponent("alerts.jsonl").path
        FileManager.default.createFile(atPath: log, contents: nil)
        index = try EventIndex(path: dir.appendingPathComponent("index.sqlite").path)
        indexer = EventIndexer(logPath: log, index: index, hub: hub, logger: Logger(label: "test"), pollInterval: 0.02)
        indexer.start()
        var o = APIOptions()
        o.port = 0
        o.snapshotDirectories = [dir.appendingPathComponent("snapshots").path]
        o.clipDirectories = [dir.appendingPathComponent("recordings").path]
        try FileManager.default.createDirectory(atPath: o.snapshotDirectories[0], withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: o.clipDirectories[0], withIntermediateDirectories: true)
        configure(&o)
        server = APIServer(options: o, backend: FixedBackend(), index: index, hub: hub, logger: Logger(label: "test"))
        try server.start()
    }

    deinit { server.stop(); indexer.stop() }

    /// Appends alert lines to the log and waits until the index has `total` events.
    func append(_ lines: [String], total: Int) throws {
        let h = try #require(FileHandle(forWritingAtPath: log))
        h.seekToEndOfFile()
        h.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        try h.close()
        #expect(waitUntil(timeout: 10, poll: 0.02) { ((try? index.summary().count) ?? 0) >= total })
    }
}

@Suite struct APIServerTests {
    static let token = "s3cret-token-0123456789"

    /// A request with `Connection: close` (any case, among other options) is answered with `Connection: close`,
    /// the whole body, then the server's close; a kept-alive request is answered without it and the connection
    /// serves a second request. Before, the server closed without saying so, and a client that took the
    /// connection as kept alive (wrk) met the close as a read error, one per request.
    @Test func connectionCloseIsAnnouncedBeforeTheServerCloses() throws {
        let h = try Harness("close")
        for (path, option, status) in [("/metrics", "close", 200), ("/api/cameras", "Close", 200),
                                       ("/api/events/999", "TE, close", 404), ("/nothing-here", "close", 404)] {
            let c = try #require(RawSocket(port: h.port))
            c.send("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: \(option)\r\n\r\n")
            let reply = try #require(parseHTTPReply(c.read()), "\(path): no answer before the close")
            #expect(reply.status == status, "\(path)")
            #expect(reply.headers["connection"] == "close", "\(path), Connection: \(option): \(reply.headers)")
            #expect(reply.body.count == Int(reply.headers["content-length"] ?? "-1"), "\(path): the body whole before the close")
            #expect(c.closedByServer(), "\(path), Connection: \(option): the server closed")
        }
        let old = try #require(RawSocket(port: h.port))  // HTTP/1.0 without keep-alive: the same
        old.send("GET /metrics HTTP/1.0\r\n\r\n")
        let oldReply = try #require(parseHTTPReply(old.read()))
        #expect(oldReply.status == 200 && oldReply.headers["connection"] == "close" && old.closedByServer(), "\(oldReply.headers)")
        let kept = try #require(RawSocket(port: h.port))
        for n in 1...2 {
            kept.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            let raw = kept.read { raw in
                guard let r = parseHTTPReply(raw), let length = Int(r.headers["content-length"] ?? "") else { return false }
                return r.body.count >= length
            }
            let reply = try #require(parseHTTPReply(raw), "kept-alive request \(n)")
            #expect(reply.status == 200 && reply.headers["connection"] == nil, "\(reply.headers)")
        }
    }

    @Test func tokenGuardsEveryAPIRouteButMetricsAndThePageAndNoCORS() throws {
        let h = try Harness("auth") { $0.token = Self.token }
        let p = h.port
        let denied = try #require(httpRequest(port: p, method: "GET", path: "/api/cameras"))
        #expect(denied.status == 401)
        #expect(denied.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(httpRequest(port: p, method: "GET", path: "/api/cameras", headers: ["Authorization": "Bearer wrong"])?.status == 401)
        #expect(httpRequest(port: p, method: "GET", path: "/api/cameras", headers: ["Authorization": "Bearer " + Self.token + "x"])?.status == 401)
        #expect(httpRequest(port: p, method: "GET", path: "/api/events/stream")?.status == 401)
        #expect(httpRequest(port: p, method: "POST", path: "/api/reload")?.status == 401)
        #expect(httpRequest(port: p, method: "GET", path: "/api/config")?.status == 401)
        let ok = try #require(httpRequest(port: p, method: "GET", path: "/api/cameras", headers: ["Authorization": "Bearer " + Self.token,
                                                                          "Origin": "http://evil.example"]))
        #expect(ok.status == 200)
        #expect(ok.headers["access-control-allow-origin"] == nil, "no CORS by default")
        #expect(httpRequest(port: p, method: "GET", path: "/api/cameras", headers: ["Cookie": "a=b; vigil_token=" + Self.token])?.status == 200)
        #expect(httpRequest(port: p, method: "GET", path: "/metrics")?.status == 200, "Prometheus scrapes without a token")
        #expect(httpRequest(port: p, method: "GET", path: "/")?.status == 200, "the page loads and asks for the token")
        // The comparison looks at every byte whatever differs first.
        #expect(TokenCheck<BasicRequestContextStub>.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!TokenCheck<BasicRequestContextStub>.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!TokenCheck<BasicRequestContextStub>.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!TokenCheck<BasicRequestContextStub>.constantTimeEqual([], Array("a".utf8)))
    }

    @Test func metricsCanRequireTheTokenToo() throws {
        let h = try Harness("auth-metrics") { $0.token = Self.token; $0.metricsRequireToken = true }
        #expect(httpRequest(port: h.port, method: "GET", path: "/metrics")?.status == 401)
        let m = try #require(httpRequest(port: h.port, method: "GET", path: "/metrics", headers: ["Authorization": "Bearer " + Self.token]))
        #expect(m.status == 200 && m.text.contains("vigil_cameras 2") && m.text.contains("vigil_api_requests_total"))
    }

    @Test func filesOnlyByEventIDAndOnlyInsideTheirFolders() throws {
        let h = try Harness("traversal")
        let snaps = h.dir.appendingPathComponent("snapshots")
        let secret = h.dir.appendingPathComponent("secret.txt")
        try "top secret".write(to: secret, atomically: true, encoding: .utf8)
        try Data([0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9]).write(to: snaps.appendingPathComponent("a.jpg"))
        try FileManager.default.createSymbolicLink(atPath: snaps.appendingPathComponent("link.jpg").path, withDestinationPath: secret.path)
        try h.append([
            EventIndexTests.line(1, snapshot: snaps.appendingPathComponent("a.jpg").path),
            EventIndexTests.line(2, snapshot: snaps.path + "/../secret.txt"),
            EventIndexTests.line(3, snapshot: snaps.appendingPathComponent("link.jpg").path),
            EventIndexTests.line(4, snapshot: secret.path, clip: secret.path),
        ], total: 4)
        let ids = try h.index.events(EventQuery()).map(\.id).sorted()
        let good = try #require(httpRequest(port: h.port, method: "GET", path: "/api/events/\(ids[0])/snapshot.jpg"))
        #expect(good.status == 200 && good.body == [0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9] && good.headers["content-type"] == "image/jpeg")
        for id in ids.dropFirst() {
            let r = try #require(httpRequest(port: h.port, method: "GET", path: "/api/events/\(id)/snapshot.jpg"))
            #expect(r.status == 404 && !r.text.contains("top secret"), "event \(id): \(r.status)")
            #expect(httpRequest(port: h.port, method: "GET", path: "/api/events/\(id)/clip.mp4")?.status == 404)
        }
        for path in ["/api/events/../../secret.txt", "/api/events/%2e%2e%2f%2e%2e%2fsecret.txt/snapshot.jpg",
                     "/api/events/\(ids[0])%2F..%2F..%2Fsecret.txt", "/../secret.txt", "/%2e%2e/secret.txt",
                     "/api/events/999999/snapshot.jpg", "/api/events/-1/snapshot.jpg", "/api/events/abc/clip.mp4"] {
            let r = try #require(httpRequest(port: h.port, method: "GET", path: path), "\(path): no answer")
            #expect(r.status == 404 || r.status == 400, "\(path): \(r.status)")
            #expect(!r.text.contains("top secret"), "\(path)")
        }
    }

    @Test func clipsAnswerRangeRequests() throws {
        let h = try Harness("range")
        let clip = h.dir.appendingPathComponent("recordings/front-1.mp4")
        var rng = SplitMix(seed: 7)
        let bytes = (0..<300_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        try Data(bytes).write(to: clip)
        try h.append([EventIndexTests.line(1, clip: clip.path)], total: 1)
        let id = try #require(try h.index.events(EventQuery()).first?.id)
        let path = "/api/events/\(id)/clip.mp4"
        let whole = try #require(httpRequest(port: h.port, method: "GET", path: path))
        #expect(whole.status == 200 && whole.body == bytes && whole.headers["accept-ranges"] == "bytes")
        #expect(whole.headers["content-type"] == "video/mp4")
        let mid = try #require(httpRequest(port: h.port, method: "GET", path: path, headers: ["Range": "bytes=100-199"]))
        let midBody: [UInt8] = mid.body, midWant: [UInt8] = Array(bytes[100...199])
        #expect(mid.status == 206)
        #expect(midBody == midWant)
        #expect(mid.headers["content-range"] == "bytes 100-199/300000" && mid.headers["content-length"] == "100")
        let open = try #require(httpRequest(port: h.port, method: "GET", path: path, headers: ["Range": "bytes=299990-"]))
        #expect(open.status == 206 && Array(open.body) == Array(bytes[299_990...]))
        let suffix = try #require(httpRequest(port: h.port, method: "GET", path: path, headers: ["Range": "bytes=-500"]))
        #expect(suffix.status == 206 && Array(suffix.body) == Array(bytes[299_500...]))
        let clamped = try #require(httpRequest(port: h.port, method: "GET", path: path, headers: ["Range": "bytes=299000-999999"]))
        #expect(clamped.status == 206 && clamped.headers["content-range"] == "bytes 299000-299999/300000")
        let bad = try #require(httpRequest(port: h.port, method: "GET", path: path, headers: ["Range": "bytes=300000-"]))
        #expect(bad.status == 416 && bad.headers["content-range"] == "bytes */300000")
        #expect(httpRequest(port: h.port, method: "GET", path: path, headers: ["Range": "bytes=5-2"])?.status == 416)
        let head = try #require(httpRequest(port: h.port, method: "HEAD", path: path))
        #expect(head.status == 200 && head.headers["content-length"] == "300000" && head.body.isEmpty)
        // The parser alone, for the edge cases a browser never sends.
        #expect(FileResponse.range("bytes=0-0", size: 10) == .partial(0...0))
        #expect(FileResponse.range("bytes=-20", size: 10) == .partial(0...9))
        #expect(FileResponse.range("bytes=abc", size: 10) == .invalid)
        #expect(FileResponse.range("items=0-1", size: 10) == .whole)
        #expect(FileResponse.range("bytes=0-1", size: 0) == .invalid)
    }

    @Test func eventsRouteFiltersPagesAndRefusesBadParameters() throws {
        let h = try Harness("events")
        var lines: [String] = []
        for i in 0..<120 {
            let camera = i % 3 == 0 ? "back" : "front", severity = i % 10 == 0 ? "critical" : "info"
            lines.append(EventIndexTests.line(Double(i), camera: camera, severity: severity))
        }
        try h.append(lines, total: 120)
        var ids: [Int] = []
        var cursor: String? = nil
        repeat {
            let r = try #require(httpRequest(port: h.port, method: "GET", path: "/api/events?limit=50&camera=front" + (cursor.map { "&before=\($0)" } ?? "")))
            #expect(r.status == 200)
            let events = r.json["events"] as? [[String: Any]] ?? []
            #expect(events.allSatisfy { $0["camera"] as? String == "front" })
            ids += events.compactMap { $0["frame"] as? Int }
            cursor = r.json["next_before"] as? String
        } while cursor != nil
        #expect(ids == (0..<120).reversed().filter { $0 % 3 != 0 }.map { $0 * 10 })
        let crit = try #require(httpRequest(port: h.port, method: "GET", path: "/api/events?min_severity=critical&limit=1000"))
        #expect((crit.json["events"] as? [Any])?.count == 12)
        #expect(crit.json["next_before"] is NSNull)
        let one = try #require((crit.json["events"] as? [[String: Any]])?.first)
        let single = try #require(httpRequest(port: h.port, method: "GET", path: "/api/events/\(one["id"] as! Int)"))
        #expect(single.status == 200 && single.json["frame"] as? Int == one["frame"] as? Int)
        for bad in ["limit=0", "limit=1001", "limit=x", "min_severity=loud", "before=xyz", "since=yesterday"] {
            let r = try #require(httpRequest(port: h.port, method: "GET", path: "/api/events?" + bad))
            #expect(r.status == 400 && r.json["error"] is String, "\(bad)")
        }
        #expect(httpRequest(port: h.port, method: "GET", path: "/api/events/424242")?.status == 404)
        #expect(httpRequest(port: h.port, method: "GET", path: "/api/cameras")?.json["cameras"] is [Any])
        let jpeg = try #require(httpRequest(port: h.port, method: "GET", path: "/api/cameras/front/latest.jpg"))
        #expect(jpeg.status == 200 && jpeg.body.starts(with: [0xFF, 0xD8]))
        #expect(httpRequest(port: h.port, method: "GET", path: "/api/cameras/back/latest.jpg")?.status == 503)
        #expect(httpRequest(port: h.port, method: "GET", path: "/api/cameras/nope/latest.jpg")?.status == 404)
    }

    @Test func liveStreamDeliversANewAlertWithinASecondAndResumes() throws {
        let h = try Harness("sse")
        try h.append([EventIndexTests.line(1)], total: 1)
        let c = try #require(RawSocket(port: h.port, timeout: 5))
        c.send("GET /api/events/stream?camera=front HTTP/1.1\r\nHost: x\r\n\r\n")
        let hello = String(decoding: c.read { String(decoding: $0, as: UTF8.self).contains(": connected") }, as: UTF8.self)
        #expect(hello.contains("text/event-stream"))
        // Written by the real alert log writer, the way the daemon writes.
        let sink = try AlertLog(path: h.log)
        let alert = Alert(timestamp: Date().timeIntervalSince1970, mediaTime: 1, frame: 10, camera: CameraID("front"),
                          event: "line_cross", severity: .warning)
        let other = Alert(timestamp: Date().timeIntervalSince1970, mediaTime: 1, frame: 11, camera: CameraID("back"),
                          event: "line_cross", severity: .warning)
        let t0 = Date()
        try sink.write(other)
        try sink.write(alert)
        try sink.flush()
        let got = String(decoding: c.read { String(decoding: $0, as: UTF8.self).contains("\"frame\":10") }, as: UTF8.self)
        let elapsed = Date().timeIntervalSince(t0)
        #expect(got.contains("event: alert") && got.contains("\"event\":\"line_cross\""), "\(got)")
        #expect(!got.contains("\"frame\":11"), "filtered out: camera back")
        #expect(elapsed < 1, "received \(elapsed) s after the write")
        // Reconnecting with Last-Event-ID replays what was missed.
        let idAt = try #require(got.range(of: "id: ", options: .backwards), "\(got)")
        let lastID = try #require(Int64(String(got[idAt.upperBound...].prefix { $0.isNumber })), "\(got)")
        try sink.write(Alert(timestamp: Date().timeIntervalSince1970, mediaTime: 2, frame: 20, camera: CameraID("front"),
                             event: "zone_enter", severity: .info))
        try sink.flush()
        #expect(waitUntil(timeout: 5, poll: 0.02) { ((try? h.index.summary().count) ?? 0) == 4 })
        let c2 = try #require(RawSocket(port: h.port, timeout: 5))
        c2.send("GET /api/events/stream HTTP/1.1\r\nHost: x\r\nLast-Event-ID: \(lastID)\r\n\r\n")
        let resumed = String(decoding: c2.read { String(decoding: $0, as: UTF8.self).contains("\"frame\":20") }, as: UTF8.self)
        #expect(resumed.contains("\"frame\":20") && !resumed.contains("\"frame\":10"))
    }

    @Test func twoHundredIdleConnectionsDoNotStallMetricsAndSlowHeadersAreCut() throws {
        let h = try Harness("idle") { $0.headerTimeoutSeconds = 1 }
        var idle: [RawSocket] = []
        for _ in 0..<200 {
            let c = try #require(RawSocket(port: h.port))
            c.send("GET /metr")  // half a request line, then nothing
            idle.append(c)
        }
        let t0 = Date()
        let m = try #require(httpRequest(port: h.port, method: "GET", path: "/metrics"))
        let seconds = Date().timeIntervalSince(t0)
        #expect(m.status == 200 && m.text.contains("vigil_cameras 2"))
        #expect(seconds < 1, "/metrics took \(seconds) s beside 200 idle connections")
        // A client trickling its headers is closed after header_timeout_s (1 s here) although it keeps sending.
        let slow = try #require(RawSocket(port: h.port, timeout: 0.3))
        slow.send("GET /metrics HTTP/1.1\r\n")
        let closed = waitUntil(timeout: 10, poll: 0.01) {
            slow.send("X-Slow: 1\r\n")
            return slow.closedByServer()
        }
        #expect(closed, "the slow client was not cut off")
        #expect(idle[0].closedByServer(), "idle half-sent requests are closed too")
    }
}

/// `TokenCheck`'s comparison is static; any request context type will do to name it.
typealias BasicRequestContextStub = Hummingbird.BasicRequestContext
