import Foundation
import Testing
import TestSupport
import VigilCore

/// `vigil replay` and `vigil check` as a user runs them: the built binary, real generated clips.
@Suite struct ReplayCommandTests {
    struct Event: Equatable { var event: String; var frame: Int }

    func events(_ r: ProcessResult) -> [Event] {
        r.lines.compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let e = o["event"] as? String, let f = o["frame"] as? Int else {
                Issue.record("not an alert line: \(line)")
                return nil
            }
            return Event(event: e, frame: f)
        }
    }

    /// Ground truth of samples/make_samples.sh: motion over frames 51…137 and 201…249.
    func expectBoxesTruth(_ got: [Event], _ label: String) {
        let truth = [Event(event: "motion_start", frame: 51), Event(event: "motion_end", frame: 137),
                     Event(event: "motion_start", frame: 201), Event(event: "motion_end", frame: 249)]
        #expect(got.map(\.event) == truth.map(\.event), "\(label)")
        guard got.count == truth.count else { return }
        for (g, t) in zip(got, truth) {
            #expect(abs(g.frame - t.frame) <= 2, "\(label): \(g.event) at frame \(g.frame), truth \(t.frame)")
        }
    }

    /// boxes.mp4 as the README runs it (no config: the default detectors too, which find nothing in the boxes);
    /// the other containers and codecs motion only.
    @Test(arguments: ["boxes.mp4", "boxes.mkv", "boxes.ts", "boxes-mpeg4.mkv", "boxes-mpeg4.avi"])
    func motionAlertsAtTheRightFrames(_ clip: String) {
        let r = vigil(["replay", Fixtures.path(clip)] + (clip == "boxes.mp4" ? [] : Fixtures.motionOnly))
        #expect(r.status == 0, "\(r.stderr)")
        expectBoxesTruth(events(r), clip)
    }

    @Test func staticSceneHasNoAlerts() {
        let r = vigil(["replay", Fixtures.path("static.mp4"), "--stats"] + Fixtures.motionOnly)
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(#""frames_analyzed":200"#))
    }

    @Test func alertFormatAndTimestamps() throws {
        let r = vigil(["replay", Fixtures.path("boxes.mp4")] + Fixtures.motionOnly)
        let first = try #require(r.lines.first)
        // creation_time of the clip is 2026-01-01T00:00:00Z; frame 51 is media time 2.04.
        #expect(first.hasPrefix(#"{"ts":"2026-01-01T00:00:02.0"#))
        let o = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(o["camera"] as? String == "boxes")
        #expect(o["severity"] as? String == "info")
        #expect((o["box"] as? [Double])?.count == 4)
        let shifted = vigil(["replay", Fixtures.path("boxes.mp4"), "--start-time", "2026-11-30T08:00:00Z",
                             "--camera", "gate"] + Fixtures.motionOnly)
        #expect(shifted.lines.first?.hasPrefix(#"{"ts":"2026-11-30T08:00:02.0"#) == true)
        #expect(shifted.lines.first?.contains(#""camera":"gate""#) == true)
    }

    @Test func replayIsByteForByteRepeatable() throws {
        let a = vigil(["replay", Fixtures.path("boxes.mp4"), "--threads", "1"] + Fixtures.motionOnly)
        let b = vigil(["replay", Fixtures.path("boxes.mp4"), "--threads", "2"] + Fixtures.motionOnly)
        #expect(!a.stdout.isEmpty)
        #expect(a.stdout == b.stdout)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-alerts-\(getpid()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let c = vigil(["replay", Fixtures.path("boxes.mp4"), "--alerts", file] + Fixtures.motionOnly)
        #expect(c.status == 0 && c.stdout.isEmpty)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == a.stdout)
    }

    @Test func statsAreOneJSONObjectOnStderr() throws {
        let r = vigil(["replay", Fixtures.path("boxes.mp4"), "--stats"])
        let line = try #require(r.stderr.split(separator: "\n").last)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(o["frames_decoded"] as? Int == 300)
        #expect(o["frames_analyzed"] as? Int == 300)
        #expect(o["alerts"] as? Int == 4)
        #expect((o["wall_seconds"] as? Double ?? 0) > 0)
        #expect((o["fps"] as? Double ?? 0) > 0)
    }

    @Test(arguments: [("empty.mp4", 65), ("random.mp4", 65), ("text.mp4", 65), ("header-only.mp4", 65),
                      ("audio.wav", 65), ("no-such-file.mp4", 66)])
    func badInputsGetAClearMessageAndExitStatus(_ name: String, _ status: Int32) {
        let r = vigil(["replay", Fixtures.path(name)])
        #expect(r.status == status, "\(name): \(r.stderr)")
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(lines.first?.hasPrefix("vigil: ") == true)
        #expect(lines.first?.contains(name) == true)
    }

    @Test func damagedFilesAreAnalysedToTheEnd() {
        let t = vigil(["replay", Fixtures.path("truncated.ts"), "--stats"] + Fixtures.motionOnly)
        #expect(t.status == 0, "\(t.stderr)")
        #expect(events(t).first == Event(event: "motion_start", frame: 51))
        let f = vigil(["replay", Fixtures.path("bitflipped.ts"), "--stats"] + Fixtures.motionOnly)
        #expect(f.status == 0, "\(f.stderr)")
        #expect(f.stderr.contains("damaged data"))
        #expect(events(f).count >= 2)
    }

    @Test func usageErrors() {
        #expect(vigil(["replay", Fixtures.path("boxes.mp4"), "--start-time", "noon"]).status == 64)
        #expect(vigil(["replay"]).status == 64)
        #expect(vigil(["replay", Fixtures.path("boxes.mp4"), "--threads", "-1"]).status == 64)
    }
}

@Suite struct CheckCommandTests {
    func write(_ text: String) -> String {
        let p = makeTemporaryFile("cfg", extension: "yaml").path
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    @Test func shippedExampleConfigIsValid() {
        let r = vigil(["check", Fixtures.repoRoot.appendingPathComponent("config/vigil.yaml").path],
                      environment: ["VIGIL_FRONT_PASSWORD": "x"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("ok"))
    }

    @Test func errorsNameTheLineAndKeyPath() {
        let p = write("alerts:\n  path: /tmp/a.jsonl\ncameras:\n  - name: a\n    url: a.mp4\n    motion:\n      threshold: 999\n")
        let r = vigil(["check", p])
        #expect(r.status == 78)
        #expect(r.stderr == "vigil: \(p):7: cameras[0].motion.threshold: 999 is out of range 1…255\n")
    }

    @Test func missingConfigIsNoInput() {
        #expect(vigil(["check", "/nonexistent/vigil.yaml"]).status == 66)
        #expect(vigil(["replay", Fixtures.path("boxes.mp4"), "--config", "/nonexistent/vigil.yaml"]).status == 66)
    }

    @Test func replayRefusesABadConfig() {
        let p = write("motion:\n  thresold: 3\n")
        let r = vigil(["replay", Fixtures.path("boxes.mp4"), "--config", p])
        #expect(r.status == 78)
        #expect(r.stderr.contains(":2: motion.thresold: unknown key"))
    }

    @Test func configThresholdsChangeTheResult() {
        // A minimum region bigger than any box: nothing moves enough.
        let p = write("motion:\n  min_region_area: 0.2\ndetect:\n  models: []\n")
        let r = vigil(["replay", Fixtures.path("boxes.mp4"), "--config", p])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
    }
}
