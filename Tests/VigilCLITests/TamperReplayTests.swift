import Foundation
import Testing
import TestSupport

/// Camera tamper end to end: `vigil replay` on generated clips that go black, blur or shift at frame 100
/// (samples/make_samples.sh); with the default `min_s: 2` at 25 fps the alert comes at frame 150.
@Suite struct TamperReplayTests {
    func tamper(_ r: ProcessResult) -> [(kind: String, frame: Int)] {
        r.lines.compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["event"] as? String == "tamper" else { return nil }
            #expect(o["severity"] as? String == "critical")
            return ((o["details"] as? [String: Any])?["kind"] as? String ?? "?", o["frame"] as? Int ?? -1)
        }
    }

    @Test(arguments: [("tamper-covered.mp4", "covered"), ("tamper-blur.mp4", "defocused"), ("tamper-moved.mp4", "moved")])
    func oneAlertOfTheRightKindAtTheKnownFrame(_ clip: String, _ kind: String) {
        let r = vigil(["replay", Fixtures.path(clip)] + Fixtures.motionOnly)
        #expect(r.status == 0, "\(r.stderr)")
        let t = tamper(r)
        #expect(t.map(\.kind) == [kind], "\(clip): \(r.stdout)")
        #expect(t.first.map { (150...152).contains($0.frame) } == true, "\(clip): \(t)")
    }

    @Test(arguments: ["tamper-still.mp4", "boxes.mp4", "static.mp4"])
    func unchangedScenesHaveNoTamper(_ clip: String) {
        let r = vigil(["replay", Fixtures.path(clip)] + Fixtures.motionOnly)
        #expect(r.status == 0)
        #expect(tamper(r).isEmpty, "\(clip): \(r.stdout)")
    }

    @Test func configTurnsItOffOrChangesIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-tamper-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let off = dir.appendingPathComponent("off.yaml").path
        try "tamper:\n  enabled: false\ndetect:\n  models: []\n".write(toFile: off, atomically: true, encoding: .utf8)
        #expect(tamper(vigil(["replay", Fixtures.path("tamper-covered.mp4"), "--config", off])).isEmpty)
        let slow = dir.appendingPathComponent("slow.yaml").path
        try "tamper:\n  min_s: 1\n  severity: critical\ndetect:\n  models: []\n".write(toFile: slow, atomically: true, encoding: .utf8)
        let t = tamper(vigil(["replay", Fixtures.path("tamper-covered.mp4"), "--config", slow]))
        #expect(t.map(\.frame).first.map { (125...127).contains($0) } == true, "\(t)")
    }
}
