import Foundation
import Testing
import TestSupport

/// `vigil replay --config` applies the config's camera (its zones, lines and overrides), refuses to guess
/// between several, and writes snapshots only where a flag or the config says.
@Suite struct ReplayCameraTests {
    func config(_ text: String) -> String {
        let dir = makeTemporaryDirectory("replay-camera")
        let p = dir.appendingPathComponent("c.yaml").path
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func cameras(_ r: ProcessResult) -> Set<String> {
        Set(r.lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["camera"] as? String
        })
    }

    /// Masks every pixel of the 640×360 clip: no motion at all when this camera's settings apply.
    static let blind = "{mask: [[[0, 0], [640, 0], [640, 360], [0, 360]]]}"

    @Test func theOnlyCameraApplies() {
        let clip = Fixtures.path("boxes.mp4")
        let plain = vigil(["replay", clip, "--config", config("cameras:\n  - {name: gate, url: /elsewhere.mp4}\n")])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.lines.count == 4)
        #expect(cameras(plain) == ["gate"])
        // Its override applies (a mask over the whole picture): nothing moves.
        let blind = vigil(["replay", clip, "--config",
                           config("cameras:\n  - {name: gate, url: /elsewhere.mp4, motion: \(Self.blind)}\n")])
        #expect(blind.status == 0, "\(blind.stderr)")
        #expect(blind.stdout.isEmpty)
    }

    @Test func severalCamerasNeedAChoice() {
        let clip = Fixtures.path("boxes.mp4")
        let cfg = config("""
        cameras:
          - {name: north, url: /n.mp4, motion: \(Self.blind)}
          - {name: south, url: /s.mp4}
        """)
        let r = vigil(["replay", clip, "--config", cfg])
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("north") && r.stderr.contains("south") && r.stderr.contains("--camera"), "\(r.stderr)")
        let south = vigil(["replay", clip, "--config", cfg, "--camera", "south"])
        #expect(south.status == 0 && south.lines.count == 4 && cameras(south) == ["south"], "\(south.stderr)")
        let north = vigil(["replay", clip, "--config", cfg, "--camera", "north"])
        #expect(north.status == 0 && north.stdout.isEmpty, "\(north.stderr)")
        let none = vigil(["replay", clip, "--config", cfg, "--camera", "east"])
        #expect(none.status == 64)
        #expect(none.stderr.contains("east") && none.stderr.contains("north, south"), "\(none.stderr)")
        // The camera whose URL is the input is no guess.
        let byURL = config("""
        cameras:
          - {name: north, url: /n.mp4}
          - {name: south, url: \(clip), motion: \(Self.blind)}
        """)
        let r2 = vigil(["replay", clip, "--config", byURL])
        #expect(r2.status == 0 && r2.stdout.isEmpty, "\(r2.stderr)")
    }

    /// Without a config's cameras `--camera` only names the alerts (unchanged).
    @Test func withoutCamerasTheFlagNamesTheAlerts() {
        let r = vigil(["replay", Fixtures.path("boxes.mp4"), "--config", config("motion: {min_frames: 3}\n"),
                       "--camera", "porch"])
        #expect(r.status == 0 && cameras(r) == ["porch"], "\(r.stderr)")
    }
}

/// The clock clip of samples/make_samples.sh: an on-screen clock changes every frame, a box crosses over
/// frames 76…150. Without a mask the clock is motion from the start; with it masked, only the box.
@Suite struct MotionMaskReplayTests {
    struct Event: Equatable { var event: String; var frame: Int; var x2: Double }

    func events(_ r: ProcessResult) -> [Event] {
        r.lines.compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let e = o["event"] as? String, let f = o["frame"] as? Int else { return nil }
            return Event(event: e, frame: f, x2: (o["box"] as? [Double])?[2] ?? -1)
        }
    }

    @Test func maskedClockLeavesOnlyTheObject() throws {
        let clip = Fixtures.path("clock.mp4")
        let unmasked = events(vigil(["replay", clip] + Fixtures.motionOnly))
        // The clock moves from the start: the first event begins within the first frames, over the clock.
        let first = try #require(unmasked.first)
        #expect(first.event == "motion_start" && first.frame <= 5, "\(unmasked)")
        let dir = makeTemporaryDirectory("mask-replay")
        let cfg = dir.appendingPathComponent("m.yaml").path
        try "detect:\n  models: []\ncameras:\n  - name: clock\n    url: \(clip)\n    motion:\n      mask: [[[0, 0], [260, 0], [260, 56], [0, 56]]]\n"
            .write(toFile: cfg, atomically: true, encoding: .utf8)
        let r = vigil(["replay", clip, "--config", cfg, "--stats"])
        #expect(r.status == 0, "\(r.stderr)")
        let masked = events(r)
        #expect(masked.map(\.event) == ["motion_start", "motion_end"], "\(masked)")
        guard masked.count == 2 else { return }
        // The box is visible over frames 76…150 (see make_samples.sh).
        #expect(abs(masked[0].frame - 76) <= 3, "\(masked)")
        #expect(abs(masked[1].frame - 150) <= 3, "\(masked)")
        #expect(masked[0].x2 > 0 && masked[0].x2 < 120)  // the box entering at the left, not the clock
    }
}
