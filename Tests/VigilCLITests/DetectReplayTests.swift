import Foundation
import Testing
import TestSupport

/// `vigil replay` with a detector: a real face photo (opencv-doc's face_swapped.jpg, fetched by
/// scripts/fetch-test-images.sh; runs when VIGIL_OPENCV_DATA names its folder) moving over a plain background
/// from t = 1 s to t = 2.4 s of a 4 s, 5 fps clip: one track, enter and exit, byte for byte repeatable.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil))
struct DetectReplayTests {
    @Test func oneFaceEntersAndExits() throws {
        let dir = makeTemporaryDirectory("detect-replay")
        let clip = try FaceClip.make(dir.appendingPathComponent("face.mp4").path, rate: 5, seconds: 4, scale: 300,
                                     x: "if(between(t,1,2.4),20+60*(t-1),-1000)", y: 20)
        let cfg = dir.appendingPathComponent("c.yaml").path
        let snaps = dir.appendingPathComponent("snaps").path
        try "detect:\n  model: blazeface_short_128\ntrack:\n  kind: byte\n  min_hits: 2\n  max_age: 2\nsnapshots:\n  dir: \(snaps)\n"
            .write(toFile: cfg, atomically: true, encoding: .utf8)
        let env = ["VIGIL_MODELS": Fixtures.repoRoot.appendingPathComponent("samples/models").path]
        let r = vigil(["replay", clip, "--config", cfg, "--alerts", "-"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let objects = r.lines.filter { $0.contains("\"object_") }
        let events = objects.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(events.map { $0["event"] as? String } == ["object_enter", "object_exit"])
        #expect(events.map { $0["track_id"] as? Int } == [1, 1])
        #expect(events.first?["label"] as? String == "face")
        #expect(events.first?["frame"] as? Int == 6)   // face from frame 5, confirmed at its second hit
        #expect(events.last?["frame"] as? Int == 14)   // max_age 2: the track ends two misses after its last match
        // Each object alert names its snapshot: a JPEG of the frame with the box drawn.
        for e in events {
            let path = try #require(e["snapshot"] as? String)
            #expect(path.hasPrefix(snaps + "/"))
            let jpeg = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(jpeg.count > 1000 && jpeg.prefix(2) == Data([0xFF, 0xD8]))
        }
        #expect(vigil(["replay", clip, "--config", cfg, "--alerts", "-"], environment: env).stdout == r.stdout)
        let bad = dir.appendingPathComponent("bad.yaml").path
        try "detect:\n  model: /nonexistent/model.onnx\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(vigil(["replay", clip, "--config", bad], environment: env).status == 78)
    }
}
