import Testing
@testable import VigilCore

@Suite struct AlertTests {
    @Test func keyOrderAndFormatting() {
        let a = Alert(timestamp: 1.5, mediaTime: 1.5, frame: 37, camera: "front", event: "motion_start",
                      severity: .info, box: Box(x1: 10, y1: 20.25, x2: 30, y2: 40),
                      details: [("regions", 2), ("quote", "a\"b\n")])
        #expect(a.jsonLine() == #"{"ts":"1970-01-01T00:00:01.500Z","media_time":1.5,"frame":37,"camera":"front","event":"motion_start","severity":"info","box":[10,20.3,30,40],"details":{"regions":2,"quote":"a\"b\n"}}"#)
    }

    /// `clip` and `clip_offset_s` come after `snapshot`, before `details`.
    @Test func clipKeysAfterSnapshot() {
        var a = Alert(timestamp: 2, mediaTime: 2, frame: 50, camera: "front", event: "object_enter", severity: .info,
                      trackID: 3, snapshot: "/s/a.jpg", details: [("n", 1)])
        a.clip = "/r/front/events/front-19700101T000000.000Z.mp4"
        a.clipOffsetSeconds = 1.23456
        #expect(a.jsonLine() == #"{"ts":"1970-01-01T00:00:02.000Z","media_time":2,"frame":50,"camera":"front","event":"object_enter","severity":"info","track_id":3,"snapshot":"/s/a.jpg","clip":"/r/front/events/front-19700101T000000.000Z.mp4","clip_offset_s":1.235,"details":{"n":1}}"#)
    }

    @Test func timestampsRoundTrip() {
        #expect(Timestamp.rfc3339(0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.rfc3339(1_796_000_000.1234) == "2026-11-30T00:53:20.123Z")
        #expect(Timestamp.rfc3339(951_782_400) == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp.parse("2026-11-30T00:53:20.123Z") == 1_796_000_000.123)
        #expect(Timestamp.parse("2026-11-30T01:53:20+01:00") == 1_796_000_000)
        #expect(Timestamp.parse("2000-02-29") == 951_782_400)
        #expect(Timestamp.parse("2026-13-01") == nil)
        #expect(Timestamp.parse("yesterday") == nil)
        #expect(Timestamp.parse("2026-11-29T01:33") == nil)
    }

    @Test func boxGeometry() {
        let a = Box(x1: 0, y1: 0, x2: 10, y2: 10)
        let b = Box(x1: 5, y1: 5, x2: 15, y2: 15)
        #expect(abs(a.iou(b) - 25.0 / 175.0) < 1e-6)
        #expect(a.iou(Box(x1: 20, y1: 20, x2: 30, y2: 30)) == 0)
        #expect(a.union(b) == Box(x1: 0, y1: 0, x2: 15, y2: 15))
        #expect(Box(left: 1, top: 2, width: 3, height: 4) == Box(x1: 1, y1: 2, x2: 4, y2: 6))
    }
}

@Suite struct URLRedactionTests {
    @Test func masksPasswordsOnly() {
        #expect(URLRedaction.redact("rtsp://admin:hunter2@192.0.2.10:554/s1") == "rtsp://admin:***@192.0.2.10:554/s1")
        #expect(URLRedaction.redact("rtsp://admin@192.0.2.10/s1") == "rtsp://admin@192.0.2.10/s1")
        #expect(URLRedaction.redact("http://h/p?a=b@c:d") == "http://h/p?a=b@c:d")
        #expect(URLRedaction.redact("rtsp://u:p@ss:w@h/x") == "rtsp://u:***@h/x")
        #expect(URLRedaction.redact("/tmp/clip.mp4") == "/tmp/clip.mp4")
    }
}
