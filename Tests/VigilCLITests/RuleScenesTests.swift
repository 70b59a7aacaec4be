import Foundation
import Testing
import TestSupport

/// The golden rule scenes end to end: `vigil replay SCENE --config samples/scenes/rules.yaml --camera scene` on
/// the clips samples/make_scenes.sh makes from a real face photo moving along known paths (opencv-doc's
/// face_swapped.jpg; runs when VIGIL_OPENCV_DATA names its folder, as scripts/test.sh does). The detector, the
/// tracker, the rules and the snapshots all run; the test asserts the exact sequence of object and rule alerts.
///
/// Expected frames follow from the paths in make_scenes.sh (frame n at t = n/5 s, anchor = the box's bottom
/// centre) and the config: `zone_enter`/`zone_exit` one frame after the first frame in (out), since
/// `inertia: 2`; `line_cross` at the first frame past the line; `object_enter` at the face's second detection
/// (`min_hits: 2`); `object_exit` three frames after the last one (`max_age: 2`); `loitering` `loiter_s` (15
/// frames) after the first frame in the zone; `stationary_object` once the tracker calls the box still (10
/// matched frames after it settles) plus `stationary_s` (15 frames). Each path keeps the anchor at least 15 px
/// from every zone edge and line on every frame, so detector jitter cannot move an alert by a whole frame;
/// the tolerance of one frame covers the tracker's Kalman box, which lags a frame behind the face after it
/// turns back (face-cross: the way back) or when it is still cut by the picture's edge (face-left).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil))
struct RuleScenesTests {
    /// The scenes, generated once per test process.
    static let scenes = clipsFromOpenCVData(script: "samples/make_scenes.sh", label: "rule-scenes")

    struct Expected: CustomStringConvertible {
        var event: String
        var frame: Int
        var zone: String? = nil
        var line: String? = nil
        var direction: String? = nil
        var count: Int? = nil
        var description: String {
            [event, "@\(frame)", zone.map { "zone=\($0)" }, line.map { "line=\($0)" }, direction, count.map { "count=\($0)" }]
                .compactMap { $0 }.joined(separator: " ")
        }
    }

    /// Replays `scene` with the scenes' config (snapshots into a fresh directory); returns the alerts other
    /// than motion, and the snapshot directory.
    func replay(_ scene: String) throws -> (alerts: [[String: Any]], raw: String, snaps: String) {
        let dir = makeTemporaryDirectory("rule-scene-\(scene)")
        let snaps = dir.appendingPathComponent("snaps").path
        let template = try String(contentsOf: Fixtures.repoRoot.appendingPathComponent("samples/scenes/rules.yaml"),
                                  encoding: .utf8)
        #expect(template.contains("dir: /tmp/vigil-scene-snapshots"))
        let cfg = dir.appendingPathComponent("rules.yaml").path
        try template.replacingOccurrences(of: "dir: /tmp/vigil-scene-snapshots", with: "dir: \(snaps)")
            .write(toFile: cfg, atomically: true, encoding: .utf8)
        let env = ["VIGIL_MODELS": Fixtures.repoRoot.appendingPathComponent("samples/models").path]
        let clip = Self.scenes.appendingPathComponent(scene).path
        let r = vigil(["replay", clip, "--config", cfg, "--camera", "scene", "--alerts", "-"], environment: env)
        #expect(r.status == 0, "\(scene): \(r.stderr)")
        let alerts = r.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(alerts.count == r.lines.count, "\(scene): a line that is not JSON")
        return (alerts.filter { !(($0["event"] as? String) ?? "").hasPrefix("motion_") }, r.stdout, snaps)
    }

    func check(_ scene: String, _ got: [[String: Any]], _ expected: [Expected]) {
        func show(_ a: [String: Any]) -> String {
            let e = Expected(event: a["event"] as? String ?? "?", frame: a["frame"] as? Int ?? -1, zone: a["zone"] as? String,
                             line: a["line"] as? String, direction: a["direction"] as? String, count: a["count"] as? Int)
            return e.description
        }
        let summary = "\(scene): got \(got.map(show)), expected \(expected)"
        #expect(got.count == expected.count, "\(summary)")
        for (a, e) in zip(got, expected) {
            #expect(a["event"] as? String == e.event && a["zone"] as? String == e.zone && a["line"] as? String == e.line
                    && a["direction"] as? String == e.direction && a["count"] as? Int == e.count, "\(summary)")
            let frame = a["frame"] as? Int ?? -100
            #expect(abs(frame - e.frame) <= 1, "\(scene): \(e.event) at frame \(frame), expected \(e.frame) ± 1")
            #expect(a["camera"] as? String == "scene" && a["label"] as? String == "face" && a["track_id"] as? Int == 1)
        }
    }

    /// Every object alert names a snapshot: a whole JPEG under the configured directory, one file per alert.
    func checkSnapshots(_ alerts: [[String: Any]], in snaps: String, exceptLast: Bool = false) throws {
        var paths = Set<String>()
        for (i, a) in alerts.enumerated() where a["track_id"] != nil {
            let isEndOfInputExit = exceptLast && i == alerts.count - 1
            guard let path = a["snapshot"] as? String else {
                Issue.record("\(a["event"] ?? "?") at frame \(a["frame"] ?? "?") has no snapshot (end of input: \(isEndOfInputExit))")
                continue
            }
            #expect(path.hasPrefix(snaps + "/") && paths.insert(path).inserted, "\(path)")
            let jpeg = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(jpeg.count > 2000 && jpeg.prefix(2) == Data([0xFF, 0xD8]) && jpeg.suffix(2) == Data([0xFF, 0xD9]),
                    "\(path): \(jpeg.count) bytes, not a whole JPEG")
        }
    }

    /// Left to right across the zone and the line, a pause, and back: two visits, a crossing each way.
    @Test func crossingAZoneAndALineInBothDirections() throws {
        let (alerts, _, snaps) = try replay("face-cross.mp4")
        check("face-cross", alerts, [
            Expected(event: "object_enter", frame: 6),
            Expected(event: "zone_enter", frame: 11, zone: "middle"),      // anchor 249.5 at frame 10
            Expected(event: "zone_exit", frame: 17, zone: "middle"),       // 429.5 at frame 16
            Expected(event: "line_cross", frame: 18, line: "gate", direction: "left_to_right", count: 1),  // 489.5
            Expected(event: "line_cross", frame: 28, line: "gate", direction: "right_to_left", count: 1),  // 459.5
            Expected(event: "zone_enter", frame: 31, zone: "middle"),      // 399.5 at frame 30
            Expected(event: "zone_exit", frame: 37, zone: "middle"),       // 219.5 at frame 36
            Expected(event: "object_exit", frame: 48),                     // last seen at frame 45
        ])
        let exits = alerts.filter { $0["event"] as? String == "zone_exit" }.compactMap { ($0["dwell_s"] as? NSNumber)?.doubleValue }
        #expect(exits.count == 2 && exits.allSatisfy { abs($0 - 1.2) <= 0.2 + 1e-9 }, "dwell \(exits)")  // 6 frames in
        try checkSnapshots(alerts, in: snaps)
    }

    /// Into the zone, wandering inside past `loiter_s` (never still long enough to be stationary), then out
    /// over the line.
    @Test func stayingInAZonePastLoiterSeconds() throws {
        let (alerts, _, snaps) = try replay("face-loiter.mp4")
        check("face-loiter", alerts, [
            Expected(event: "object_enter", frame: 6),
            Expected(event: "zone_enter", frame: 10, zone: "middle"),      // anchor 259.5 at frame 9
            Expected(event: "loitering", frame: 24, zone: "middle"),       // frame 9 + 15
            Expected(event: "zone_exit", frame: 45, zone: "middle"),       // 427.5 at frame 44
            Expected(event: "line_cross", frame: 46, line: "gate", direction: "left_to_right", count: 1),  // 491.5
            Expected(event: "object_exit", frame: 50),                     // last seen at frame 47
        ])
        let loiter = alerts.first { $0["event"] as? String == "loitering" }
        #expect((loiter?["dwell_s"] as? NSNumber).map { abs($0.doubleValue - 3) <= 0.2 + 1e-9 } == true)
        #expect(loiter?["severity"] as? String == "warning")
        try checkSnapshots(alerts, in: snaps)
    }

    /// Slides in and is left where it stopped: one `stationary_object` (a face is not a person), not one per frame.
    @Test func leftStillIsStationaryOnce() throws {
        let (alerts, _, snaps) = try replay("face-left.mp4")
        check("face-left", alerts, [
            Expected(event: "object_enter", frame: 8),    // first found at frame 7, with a sixth of it off the picture
            Expected(event: "stationary_object", frame: 36),  // settled by frame 11, still from 21, + 15 frames
            Expected(event: "object_exit", frame: 49),    // the end of the input
        ])
        try checkSnapshots(alerts, in: snaps, exceptLast: true)
    }
}
