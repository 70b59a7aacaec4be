import Foundation
import Testing
@testable import VigilCore

@Suite struct AlertDecoderTests {
    /// One alert of every event kind Vigil writes, each with the optional keys its kind carries.
    static let samples: [Alert] = {
        func alert(_ event: String, _ severity: Severity = .info, frame: Int = 12,
                   _ edit: (inout Alert) -> Void = { _ in }) -> Alert {
            var a = Alert(timestamp: 1_796_000_000.123, mediaTime: 0.48, frame: frame, camera: "front", event: event,
                          severity: severity)
            edit(&a)
            return a
        }
        let person: (inout Alert) -> Void = {
            $0.trackID = 7; $0.label = "person"; $0.score = 0.913; $0.box = Box(x1: 10, y1: 20.5, x2: 130.25, y2: 400)
        }
        return [
            alert("motion_start") { $0.details = [("regions", 2), ("area", 0.125), ("boxes", .array([.array([1, 2, 3, 4])]))] },
            alert("motion_end") { $0.details = [("duration_s", 4.04)] },
            alert("object_enter") { person(&$0); $0.snapshot = "/var/lib/vigil/snapshots/front/a b\"c.jpg"
                $0.clip = "/var/lib/vigil/recordings/front/events/front-20261130T005320.123Z.mp4"; $0.clipOffsetSeconds = 2.04 },
            alert("object_exit") { person(&$0); $0.dwellSeconds = 12.5 },
            alert("zone_enter", .warning) { person(&$0); $0.zone = "yard" },
            alert("zone_exit") { person(&$0); $0.zone = "yard"; $0.dwellSeconds = 3 },
            alert("loitering", .warning) { person(&$0); $0.zone = "yard"; $0.dwellSeconds = 61.2 },
            alert("line_cross") { person(&$0); $0.line = "gate"; $0.direction = "in" },
            alert("crowding", .warning) { $0.zone = "yard"; $0.count = 5; $0.label = "person" },
            alert("stationary_object", .warning) { person(&$0); $0.label = "suitcase"; $0.dwellSeconds = 30 },
            alert("tamper", .critical) { $0.details = [("kind", "covered"), ("since_s", 2), ("mean", 0.3), ("ok", true)] },
            alert("tamper_cleared") { $0.details = [("kind", "covered")] },
            alert("stream_down", .critical, frame: 0) { $0.details = [("reason", "Connection refused\n\t\u{1}é😀"),
                                                                      ("node", .null)] },
            alert("stream_up", frame: 0) { $0.details = [("after_s", 12.5), ("empty", .object([])), ("list", .array([]))] },
            alert("detector_error", .warning) { $0.details = [("model", "blazeface_full_192"), ("error", "bad shape")] },
        ]
    }()

    @Test(arguments: samples)
    func roundTripIsTheSameBytes(_ alert: Alert) throws {
        let line = alert.jsonLine()
        let back = try AlertDecoder.decode(line)
        #expect(back.jsonLine() == line)
        #expect(back.event == alert.event)
        #expect(back.camera == alert.camera)
        #expect(back.clip == alert.clip)
        #expect(back.snapshot == alert.snapshot)
        #expect(back.details?.map(\.0) == alert.details?.map(\.0))
        // With the log's newline (and a CRLF) still on.
        #expect(try AlertDecoder.decode(Array((line + "\n").utf8)) == alert)
        #expect(try AlertDecoder.decode(Array((line + "\r\n").utf8)) == alert)
    }

    /// Every line of the golden replay outputs (real alerts of every kind replay writes) decodes and re-encodes
    /// to the same bytes.
    @Test func goldenReplayLinesRoundTrip() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Golden/expected")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".alerts.jsonl") }
        var lines = 0
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            for line in text.split(separator: "\n") {
                #expect(try AlertDecoder.decode(String(line)).jsonLine() == String(line), "\(f)")
                lines += 1
            }
        }
        #expect(files.count >= 10)
        #expect(lines >= 40)
    }

    @Test func fieldsAreRead() throws {
        let a = try AlertDecoder.decode(#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"camera":"gate","event":"zone_enter","severity":"warning","track_id":4,"label":"car","score":0.5,"box":[1,2.5,3,4],"zone":"drive","count":2,"snapshot":"/s.jpg","clip":"/c.mp4","clip_offset_s":1.5,"details":{"b":1,"a":"x"}}"#)
        #expect(a.timestamp == 1_796_000_000.123)
        #expect(a.mediaTime == 1)
        #expect(a.frame == 3)
        #expect(a.camera == "gate")
        #expect(a.severity == .warning)
        #expect(a.trackID == 4)
        #expect(a.label == "car")
        #expect(a.score == 0.5)
        #expect(a.box == Box(x1: 1, y1: 2.5, x2: 3, y2: 4))
        #expect(a.zone == "drive")
        #expect(a.count == 2)
        #expect(a.snapshot == "/s.jpg")
        #expect(a.clip == "/c.mp4")
        #expect(a.clipOffsetSeconds == 1.5)
        #expect(a.details?.map(\.0) == ["b", "a"])  // order kept
    }

    /// A newer node's line with keys this version does not define (anywhere in the line, of any JSON type)
    /// decodes to the alert the known keys describe: the format grows by adding keys.
    @Test func keysANewerNodeAddsAreIgnored() throws {
        var known = Alert(timestamp: 1_796_000_000.123, mediaTime: 1, frame: 3, camera: "gate", event: "zone_enter",
                          severity: .warning)
        known.label = "car"
        known.zone = "drive"
        let newer = #"{"schema":2,"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"camera":"gate","event":"zone_enter","severity":"warning","label":"car","colour":"red","zone":"drive","plate":{"text":"AB 123","score":0.9},"tags":["a",1,null],"gone":null,"ok":true}"#
        let a = try AlertDecoder.decode(newer)
        #expect(a == known)
        #expect(a.jsonLine() == known.jsonLine())
        #expect(!AlertDecoder.keys.contains("colour"))
    }

    /// Bad lines: each a clear error naming what is wrong, never a crash.
    @Test(arguments: [
        ("", "empty line"),
        ("not json", "not JSON"),
        (#"{"ts":"2026-11-30T00:53:20.123Z""#, "not JSON"),
        (#"[1,2]"#, "not a JSON object"),
        (#"{"media_time":1,"frame":3,"camera":"a","event":"e","severity":"info"}"#, "missing 'ts'"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","frame":3,"camera":"a","event":"e","severity":"info"}"#, "missing 'media_time'"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"camera":"a","event":"e","severity":"info"}"#, "missing 'frame'"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"event":"e","severity":"info"}"#, "missing 'camera'"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"camera":"a","severity":"info"}"#, "missing 'event'"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"camera":"a","event":"e"}"#, "missing 'severity'"),
        (#"{"ts":"yesterday","media_time":1,"frame":3,"camera":"a","event":"e","severity":"info"}"#, "'ts' is not an RFC 3339 time"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"camera":"a","event":"e","severity":"loud"}"#, "'severity' must be"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":"1","frame":3,"camera":"a","event":"e","severity":"info"}"#, "'media_time' must be a number"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3.5,"camera":"a","event":"e","severity":"info"}"#, "'frame' must be an integer"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"camera":"","event":"e","severity":"info"}"#, "'camera' is empty"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"camera":"a","event":"e","severity":"info","box":[1,2,3]}"#, "'box' must be"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"camera":"a","event":"e","severity":"info","details":[1]}"#, "'details' must be an object"),
        // A key this version does not know does not excuse a missing or mistyped one it does.
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"camera":"a","event":"e","severity":"info","colour":"red"}"#, "missing 'frame'"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"camera":"a","event":"e","severity":"info","colour":"red","zone":7}"#, "'zone' must be a string"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"camera":"a","event":"e","severity":"info"}"#, "duplicate key 'ts'"),
        (#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"camera":"a","event":"e","severity":"info"} x"#, "unexpected text after the value"),
    ])
    func malformedLinesAreRejected(_ line: String, _ expected: String) {
        let error = #expect(throws: AlertDecoder.DecodingError.self) { try AlertDecoder.decode(line) }
        #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
    }

    @Test func invalidUTF8IsRejected() {
        var bytes = Array(#"{"ts":"2026-11-30T00:53:20.123Z","media_time":1,"frame":3,"camera":"a","event":"e","severity":"info","label":"x"}"#.utf8)
        bytes[bytes.count - 3] = 0xFF
        #expect(throws: AlertDecoder.DecodingError.self) { try AlertDecoder.decode(bytes) }
    }
}

@Suite struct JSONParsingTests {
    @Test func valuesKeepOrderAndKind() throws {
        let v = try JSONValue.parse(#" {"z":1,"a":[true,false,null,-0.5,1e3,"\u00e9\ud83d\ude00\n"],"m":{}} "#)
        #expect(v.serialized() == #"{"z":1,"a":[true,false,null,-0.5,1000,"é😀\n"],"m":{}}"#)
        #expect(v["z"] == .int(1))
        #expect(v["missing"] == nil)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "+1", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"",
                      "NaN", "tru", "\"a\tb\"", "{a:1}", "1e999"])
    func malformedTextIsRejected(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
    }

    /// A hostile line of deep nesting is refused, not a stack overflow.
    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(deep) }
        let ok = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
    }
}
