import Foundation
import Testing
import TestSupport

/// `vigil detect` as a user runs it: JSON lines, annotated JPEG, clear errors for bad models and inputs.
@Suite struct DetectCommandTests {
    let env = ["VIGIL_MODELS": Fixtures.repoRoot.appendingPathComponent("samples/models").path]

    /// A plain grey 320×240 PNG (no faces, no people).
    func plainFrame() -> String {
        let dir = makeTemporaryDirectory("detect")
        let p = dir.appendingPathComponent("plain.png").path
        let r = run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=320x240",
                                         "-frames:v", "1", p])
        #expect(r.status == 0, "\(r.stderr)")
        return p
    }

    @Test func plainFrameHasNoDetectionsAndAnnotates() throws {
        let img = plainFrame()
        let out = URL(fileURLWithPath: img).deletingLastPathComponent().appendingPathComponent("a.jpg").path
        for model in ["blazeface_short_128", "blazepose_detector_224"] {
            let r = vigil(["detect", img, "--model", model, "--annotate", out], environment: env)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.lines.isEmpty)
        }
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(jpeg.count > 100 && jpeg[0] == 0xFF && jpeg[1] == 0xD8)
    }

    /// Installed as the README says (the binary in PREFIX/bin, the models in PREFIX/share/vigil/models) and started
    /// through PATH from another folder: shipped model names resolve beside the binary, not in the working
    /// directory (argv[0] is just `vigil` then).
    @Test func shippedModelsResolveBesideTheInstalledBinary() throws {
        let img = plainFrame()
        let prefix = makeTemporaryDirectory("install")
        let bin = prefix.appendingPathComponent("bin"), share = prefix.appendingPathComponent("share/vigil")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: share, withIntermediateDirectories: true)
        let installed = bin.appendingPathComponent("vigil").path
        do { try FileManager.default.linkItem(atPath: Fixtures.vigil, toPath: installed) } catch {
            try FileManager.default.copyItem(atPath: Fixtures.vigil, toPath: installed)
        }
        try FileManager.default.createSymbolicLink(atPath: share.appendingPathComponent("models").path,
                                                   withDestinationPath: Fixtures.repoRoot.appendingPathComponent("samples/models").path)
        let elsewhere = makeTemporaryDirectory("cwd").path
        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let r = run("/usr/bin/env", ["-C", elsewhere, "PATH=\(path)", "VIGIL_MODELS=", "vigil", "detect", img,
                                     "--model", "blazeface_short_128"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.isEmpty)
    }

    /// The documented config tunes detection without the cameras' secrets (its camera URL names
    /// ${VIGIL_FRONT_PASSWORD}); `vigil check` accepts it too and says `vigil run` needs the variable.
    @Test func documentedConfigNeedsNoCameraSecrets() {
        let config = Fixtures.repoRoot.appendingPathComponent("config/vigil.yaml").path
        var env = ProcessInfo.processInfo.environment.merging(self.env) { $1 }
        env.removeValue(forKey: "VIGIL_FRONT_PASSWORD")
        let r = vigil(["detect", plainFrame(), "--config", config], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.isEmpty)
        let c = vigil(["check", config], environment: env)
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stderr.contains("camera front") && c.stderr.contains("vigil run needs it"))
    }

    /// `detect: {models: []}` is motion only: `vigil detect` has nothing to run and says so (64).
    @Test func motionOnlyConfigHasNoDetector() throws {
        let dir = makeTemporaryDirectory("detect-cfg")
        let config = dir.appendingPathComponent("c.yaml").path
        try "detect:\n  models: []\n".write(toFile: config, atomically: true, encoding: .utf8)
        let r = vigil(["detect", plainFrame(), "--config", config], environment: env)
        #expect(r.status == 64)
        #expect(r.stderr.contains("motion only") && r.stderr.contains("--model"))
    }

    /// Without --model or a config: the default set (full-range faces and people). messi5.jpg: the small face
    /// and the player are one person, the face's score in its details.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil))
    func defaultSetFindsMessiAsOnePerson() throws {
        let img = URL(fileURLWithPath: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"]!)
            .appendingPathComponent("messi5.jpg").path
        let r = vigil(["detect", img], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.count == 1)
        let o = try #require(try JSONSerialization.jsonObject(with: Data((r.lines.first ?? "{}").utf8)) as? [String: Any])
        let details = o["details"] as? [String: Any]
        #expect(o["label"] as? String == "person")
        #expect(abs((details?["face_score"] as? Double ?? 0) - 0.83) < 0.01)
        #expect((details?["head_box"] as? [Double])?.count == 4 && (details?["keypoints"] as? [[Double]])?.count == 4)
        let b = try #require(o["box"] as? [Double])
        #expect(b[3] > 300, "the body box reaches the legs: \(b)")
    }

    @Test func yoloModelByPath() {
        let model = Fixtures.repoRoot.appendingPathComponent("Tests/Fixtures/yolo_shaped_64/model.onnx").path
        let r = vigil(["detect", plainFrame(), "--model", model, "--min-score", "0.3"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        for line in r.lines {
            let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(o?["label"] is String && (o?["box"] as? [Double])?.count == 4)
        }
    }

    @Test func badModelsAreConfigErrors() throws {
        let img = plainFrame()
        let junk = URL(fileURLWithPath: img).deletingLastPathComponent().appendingPathComponent("junk.onnx").path
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: junk))
        let missing = vigil(["detect", img, "--model", "/nonexistent/model.onnx"], environment: env)
        #expect(missing.status == 78 && missing.stderr.contains("no such file"))
        #expect(vigil(["detect", img, "--model", junk], environment: env).status == 78)
        #expect(vigil(["detect", "/nonexistent.png"], environment: env).status == 66)
        #expect(vigil(["detect", img, "--frame", "-1"], environment: env).status == 64)
    }
}
