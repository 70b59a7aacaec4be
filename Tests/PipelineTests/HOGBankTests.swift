@testable import Analysis
import Config
import Detection
import Testing
import TestSupport
import VigilCore
@testable import Pipeline

/// `hog_people` named in `detect.models` loads like the CNN models: one instance per pool slot, label
/// `person`, its 64×128 window as input size (the region planner's aspect), and runs on frames and regions.
struct HOGBankTests {
    @Test func bankLoadsHOGBesideACNNModel() throws {
        var detect = DetectConfig()
        detect.models = ["blazeface_short_128", "hog_people"]
        let pool = InferencePool(maxInFlight: 2)
        let bank = try DetectorBank.load(detect: DetectionSettings(detect), modelsDirectory: Fixtures.repoRoot.appendingPathComponent("samples/models"),
                                         pool: pool)
        #expect(bank.models.map(\.labels) == [["face"], ["person"]])
        #expect(bank.models[1].inputSize == (64, 128))
        let frame = PixelBuffer(width: 80, height: 80, format: .rgb24)   // black: nothing in it
        let jobs = [DetectorBank.Job(model: 1, region: nil), .init(model: 1, region: Box(x1: 0, y1: 0, x2: 40, y2: 70)),
                    .init(model: 0, region: nil)]
        #expect(try bank.detect(frame, jobs: jobs, sourceWidth: 80, sourceHeight: 80) == [[], [], []])
        #expect(bank.latency.map { $0.snapshot().count } == [1, 2])
    }
}
