import Foundation
import Testing
import TestSupport

/// `tamper_cleared` end to end: `vigil replay` on generated clips that are covered or blurred for
/// 4 <= t < 7 s (frames 100…174) and fine again afterwards (samples/make_samples.sh). With the default
/// `min_s: 2` at 25 fps: `tamper` at frame 150 as before, `tamper_cleared` at frame 225 (50 frames after the
/// first clean frame 175), `duration_s` 3 (frames 100…174).
@Suite struct TamperClearedReplayTests {
    func tamperEvents(_ r: ProcessResult) -> [(event: String, kind: String, frame: Int, severity: String, duration: Double?)] {
        r.lines.compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let event = o["event"] as? String, event.hasPrefix("tamper") else { return nil }
            let d = o["details"] as? [String: Any]
            return (event, d?["kind"] as? String ?? "?", o["frame"] as? Int ?? -1, o["severity"] as? String ?? "?",
                    (d?["duration_s"] as? NSNumber)?.doubleValue)
        }
    }

    @Test(arguments: [("tamper-covered-recover.mp4", "covered"), ("tamper-blur-recover.mp4", "defocused")])
    func clearedAfterTheConditionHasBeenGoneForMinSeconds(_ clip: String, _ kind: String) {
        let r = vigil(["replay", Fixtures.path(clip), "--camera", "cam"] + Fixtures.motionOnly)
        #expect(r.status == 0, "\(r.stderr)")
        let t = tamperEvents(r)
        #expect(t.map(\.event) == ["tamper", "tamper_cleared"], "\(clip): \(r.stdout)")
        guard t.count == 2 else { return }
        #expect(t[0].kind == kind && t[0].severity == "critical" && (150...152).contains(t[0].frame), "\(t[0])")
        #expect(t[1].kind == kind && t[1].severity == "info" && (225...227).contains(t[1].frame), "\(t[1])")
        // The condition lasted frames 100…174: 3 s, give or take the frame the detector notices it.
        #expect(t[1].duration.map { abs($0 - 3) <= 0.12 } == true, "\(t[1])")
        // The `tamper` line is the same as on the clip that never recovers (frames up to 200 are identical).
        let never = vigil(["replay", Fixtures.path(kind == "covered" ? "tamper-covered.mp4" : "tamper-blur.mp4"), "--camera", "cam"]
                          + Fixtures.motionOnly)
        let first = { (r: ProcessResult) in r.lines.first { $0.contains("\"event\":\"tamper\"") } }
        #expect(first(r) != nil && first(r) == first(never))
    }

    @Test func minSecondsAppliesToTheClearingToo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-tamper-cleared-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = dir.appendingPathComponent("fast.yaml").path
        try "tamper:\n  min_s: 1\ndetect:\n  models: []\n".write(toFile: cfg, atomically: true, encoding: .utf8)
        let t = tamperEvents(vigil(["replay", Fixtures.path("tamper-covered-recover.mp4"), "--config", cfg]))
        #expect(t.map(\.event) == ["tamper", "tamper_cleared"])
        #expect(t.last.map { (200...202).contains($0.frame) } == true, "\(t)")
    }
}
