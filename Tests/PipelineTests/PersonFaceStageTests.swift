@testable import Analysis
import Config
import Detection
import Foundation
import Testing
import TestSupport
import VigilCore
@testable import Motion
@testable import Pipeline

/// One object per human in the detection stage: a generated scene (1280×720, 5 analysed frames per second,
/// motion-gated) where a person walks right with the face at the top of the body, seen by a face model and a
/// person model at once (two `SceneDetector`s in one bank).
@Suite struct PersonFaceStageTests {
    let rgb = PixelBuffer(width: 64, height: 36, format: .rgb24)

    func run(models: [SceneDetector], frames: Int = 20) throws -> [Alert] {
        var track = TrackConfig()
        track.kind = .byte
        track.minHits = 2
        track.maxAge = 2
        let bank = DetectorBank(names: models.map { $0.labels[0] }, instances: models.map { [$0] },
                                pool: InferencePool(maxInFlight: 1))
        let stage = DetectionStage(detectors: bank, camera: "cam", clock: .media(start: 0), detect: DetectionSettings(),
                                   track: track)
        var out: [Alert] = []
        for i in 0..<frames {
            let x = Float(200 + 30 * i)
            let body = Box(x1: x, y1: 200, x2: x + 120, y2: 560), face = Box(x1: x + 20, y1: 210, x2: x + 100, y2: 290)
            let inView = i < 14
            for m in models { m.show(inView ? [m.labels[0] == "face" ? face : body] : []) }
            let motion = MotionResult(regions: inView ? [MotionRegion(box: body, changedPixels: 500)] : [],
                                      changedFraction: 0.02, lightingChange: false)
            out += try stage.analyze(rgb: rgb, frame: i, mediaTime: Double(i) / 5, sourceWidth: 1280, sourceHeight: 720,
                                     motion: motion).alerts
        }
        return out + stage.finish()
    }

    @Test func aWalkerWithAVisibleFaceIsOneObject() throws {
        let alerts = try run(models: [SceneDetector(label: "face"), SceneDetector(label: "person")])
        #expect(alerts.map(\.event) == ["object_enter", "object_exit"])
        #expect(alerts.allSatisfy { $0.label == "person" })
        let details = alerts.first?.details ?? []
        #expect(details.first?.0 == "face_score" && details.first?.1 == .double(0.9))
        #expect(details.contains { $0.0 == "face_box" })
    }

    /// Without a person model the face stays a face object (the fusion needs a body).
    @Test func aFaceWithoutABodyStaysAFace() throws {
        let alerts = try run(models: [SceneDetector(label: "face")])
        #expect(alerts.map(\.event) == ["object_enter", "object_exit"])
        #expect(alerts.allSatisfy { $0.label == "face" && $0.details == nil })
    }
}

/// The detectors a replay or a camera gets from a config that names none, and from `models: []`.
@Suite struct DefaultDetectorSetTests {
    let models = Fixtures.repoRoot.appendingPathComponent("samples/models")

    @Test func aConfigNamingNoDetectorLoadsTheDefaultSet() throws {
        let config = try ConfigLoader.parse("cameras:\n  - name: a\n    url: a.mp4\n")
        let detect = try #require(config.camera(named: "a")).detect
        let bank = try DetectorBank.load(detect: DetectionSettings(detect), modelsDirectory: models, pool: InferencePool(maxInFlight: 1))
        #expect(bank.models.map(\.name) == ["blazeface_full_192", "blazepose_detector_224", "hog_people"])
        #expect(bank.models.map(\.labels) == [["face"], ["person"], ["person"]])
        #expect(bank.models.map(\.searchCostsByArea) == [false, false, true])
        let none = try ConfigLoader.parse("detect:\n  models: []\ncameras:\n  - name: a\n    url: a.mp4\n")
        #expect(try ModelLocator.detectors(for: DetectionSettings(none.cameras[0].detect), pool: InferencePool(maxInFlight: 1)) == nil)
    }
}
