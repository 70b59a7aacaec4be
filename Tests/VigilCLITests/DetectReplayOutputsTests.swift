import Foundation
import Testing
import TestSupport

/// A replay with a detector (a real face, opencv-doc's face_swapped.jpg, moving over a plain background; runs
/// when VIGIL_OPENCV_DATA names the photos' folder): snapshots go only where asked, an object mask drops
/// the object, and `--frames` / `--annotate` carry its detections and track.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil))
struct DetectReplayOutputsTests {
    static let env = ["VIGIL_MODELS": Fixtures.repoRoot.appendingPathComponent("samples/models").path]

    /// 4 s at 5 fps, 640×360: the face (300 px wide, top at y = 20) slides right over t = 1…2.4 s.
    func clip(in dir: URL) throws -> String {
        try FaceClip.make(dir.appendingPathComponent("face.mp4").path, rate: 5, seconds: 4, scale: 300,
                          x: "if(between(t,1,2.4),20+60*(t-1),-1000)", y: 20)
    }

    func write(_ text: String, _ name: String, in dir: URL) -> String {
        let p = dir.appendingPathComponent(name).path
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func objects(_ r: ProcessResult) -> [[String: Any]] {
        r.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { ($0["event"] as? String)?.hasPrefix("object_") == true }
    }

    @Test func snapshotsOnlyWhereAsked() throws {
        let dir = makeTemporaryDirectory("replay-snaps")
        defer { try? FileManager.default.removeItem(at: dir) }
        let clip = try clip(in: dir)
        let cfg = write("detect:\n  model: blazeface_short_128\ntrack:\n  min_hits: 2\n  max_age: 2\n", "c.yaml", in: dir)
        let plain = vigil(["replay", clip, "--config", cfg], environment: Self.env)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(objects(plain).map { $0["event"] as? String } == ["object_enter", "object_exit"])
        #expect(objects(plain).allSatisfy { $0["snapshot"] == nil })
        #expect(!plain.stderr.contains("snapshot"), "\(plain.stderr)")
        let snaps = dir.appendingPathComponent("snaps").path
        let asked = vigil(["replay", clip, "--config", cfg, "--snapshots", snaps], environment: Self.env)
        #expect(asked.status == 0, "\(asked.stderr)")
        let paths = objects(asked).compactMap { $0["snapshot"] as? String }
        #expect(paths.count == 2 && paths.allSatisfy { $0.hasPrefix(snaps + "/") && FileManager.default.fileExists(atPath: $0) })
    }

    /// The face box's bottom centre stays near y ≈ 215 (the face of the 300 px photo, top at y = 20): a mask over the lower band
    /// drops it — no track, no alerts — and a mask for another label, or above it, does not.
    @Test func objectMaskDropsTheFace() throws {
        let dir = makeTemporaryDirectory("replay-objmask")
        defer { try? FileManager.default.removeItem(at: dir) }
        let clip = try clip(in: dir)
        let base = "detect:\n  model: blazeface_short_128\n  filters:\n    face:\n"
        let band = "[[[0, 180], [640, 180], [640, 360], [0, 360]]]"
        let masked = vigil(["replay", clip, "--config", write(base + "      mask: \(band)\n", "m.yaml", in: dir)],
                           environment: Self.env)
        #expect(masked.status == 0, "\(masked.stderr)")
        #expect(objects(masked).isEmpty)
        let allLabels = vigil(["replay", clip, "--config",
                               write("detect:\n  model: blazeface_short_128\n  mask: \(band)\n", "a.yaml", in: dir)],
                              environment: Self.env)
        #expect(objects(allLabels).isEmpty)
        let other = vigil(["replay", clip, "--config",
                           write(base + "      min_score: 0\n    person:\n      mask: \(band)\n", "o.yaml", in: dir)],
                          environment: Self.env)
        #expect(objects(other).count == 2)
        let above = vigil(["replay", clip, "--config",
                           write(base + "      mask: [[[0, 0], [640, 0], [640, 100], [0, 100]]]\n", "t.yaml", in: dir)],
                          environment: Self.env)
        #expect(objects(above).count == 2)
    }

    @Test func framesAndAnnotateCarryTheTrack() throws {
        let dir = makeTemporaryDirectory("replay-frames")
        defer { try? FileManager.default.removeItem(at: dir) }
        let clip = try clip(in: dir)
        let cfg = write("""
        cameras:
          - name: door
            url: /elsewhere.mp4
            zones:
              - {name: right, polygon: [[220, 0], [640, 0], [640, 360], [220, 360]], inertia: 1}
            lines:
              - {name: mid, from: [200, 0], to: [200, 360]}
        detect:
          model: blazeface_short_128
        track:
          min_hits: 2
          max_age: 2
        """, "c.yaml", in: dir)
        let frames = dir.appendingPathComponent("frames.jsonl").path
        let video = dir.appendingPathComponent("annotated.mkv").path
        let r = vigil(["replay", clip, "--config", cfg, "--frames", frames, "--annotate", video, "--stats"],
                      environment: Self.env)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: frames, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 20)
        let objs = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let withFace = objs.filter { (($0["detections"] as? [[String: Any]]) ?? []).contains { $0["label"] as? String == "face" } }
        #expect(withFace.count >= 6, "the face is in view over frames 5…12")
        let tracked = objs.compactMap { ($0["tracks"] as? [[String: Any]])?.first { $0["state"] as? String == "confirmed" } }
        #expect(!tracked.isEmpty && tracked.allSatisfy { $0["id"] as? Int == 1 && $0["label"] as? String == "face" })
        #expect(objs.allSatisfy { ($0["zones"] as? [String: Any])?["right"] != nil && ($0["lines"] as? [String: Any])?["mid"] != nil })
        // The alerts dated at the frame that raised them are in its line (motion_end names the last frame with
        // motion and goes out later; the end of the input's object_exit follows the last frame).
        let alerts = r.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let dated = alerts.filter { ["object_enter", "zone_enter", "zone_exit", "line_cross"].contains($0["event"] as? String ?? "") }
        #expect(dated.contains { $0["event"] as? String == "line_cross" } && dated.contains { $0["event"] as? String == "zone_enter" },
                "\(alerts)")
        for a in dated {
            guard let f = a["frame"] as? Int, f < objs.count, let e = a["event"] as? String else { continue }
            #expect((objs[f]["events"] as? [String])?.contains(e) == true, "\(e) at \(f)")
        }
        let p = run("/usr/bin/env", ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                                     "stream=width,height,nb_read_frames", "-of", "csv=p=0", video])
        #expect(p.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "640,360,20", "\(p.stdout) \(p.stderr)")
    }
}
