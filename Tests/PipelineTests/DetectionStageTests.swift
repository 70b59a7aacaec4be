@testable import Analysis
import Config
import Detection
import Foundation
import Testing
import VigilCore
@testable import Pipeline

/// A detector that replays a scripted list of detections per call.
final class ScriptedDetector: Detector, @unchecked Sendable {  // unchecked: used from one test thread
    var script: [[Detection]]
    private var call = 0
    let labels = ["person"]
    let inputSize = (width: 64, height: 64)
    init(_ script: [[Detection]]) { self.script = script }
    func detect(_ frame: PixelBuffer, region: Box?, sourceWidth: Int, sourceHeight: Int) throws -> [Detection] {
        defer { call += 1 }
        return call < script.count ? script[call] : []
    }
}

@Suite struct DetectionStageTests {
    let frame = PixelBuffer(width: 64, height: 48, format: .rgb24)

    /// A person walking right on frames 0–9, then gone.
    func walk(_ n: Int = 10) -> [[Detection]] {
        (0..<n).map { (i: Int) -> [Detection] in
            let x = Float(100 + 10 * i)
            let box = Box(x1: x, y1: 100, x2: x + 60, y2: 260)
            return [Detection(box: box, score: 0.9, label: "person")]
        }
    }

    func run(_ stage: DetectionStage, frames: Int) throws -> [Alert] {
        var out: [Alert] = []
        for i in 0..<frames {
            out += try stage.analyze(rgb: frame, frame: i, mediaTime: Double(i) / 10, sourceWidth: 640, sourceHeight: 480).alerts
        }
        return out + stage.finish()
    }

    @Test(arguments: [TrackConfig.Kind.iou, .byte])
    func oneTrackEntersAndExits(_ kind: TrackConfig.Kind) throws {
        var track = TrackConfig()
        track.kind = kind
        track.minHits = 3
        track.maxAge = 2
        let stage = DetectionStage(detector: ScriptedDetector(walk()), camera: "cam", clock: .media(start: 0),
                                   detect: DetectionSettings(), track: track)
        let alerts = try run(stage, frames: 20)
        #expect(alerts.map(\.event) == ["object_enter", "object_exit"])
        #expect(alerts[0].frame == 2 && alerts[0].label == "person" && alerts[0].trackID == alerts[1].trackID)
        #expect(alerts[1].frame > 9 && alerts[1].frame <= 13)
        #expect(alerts[0].box != nil && (alerts[0].score ?? 0) > 0.8)
    }

    @Test func filtersAndEveryNFramesApply() throws {
        var detect = DetectionSettings()
        detect.labels = ["car"]
        let filtered = DetectionStage(detector: ScriptedDetector(walk()), camera: "cam", clock: .media(start: 0),
                                      detect: detect, track: TrackConfig())
        #expect(try run(filtered, frames: 12).isEmpty)
        detect = DetectionSettings()
        detect.everyNFrames = 2
        let detector = ScriptedDetector(walk())
        var track = TrackConfig()
        track.kind = .iou
        track.minHits = 3
        let sparse = DetectionStage(detector: detector, camera: "cam", clock: .media(start: 0), detect: detect, track: track)
        let alerts = try run(sparse, frames: 12)
        #expect(alerts.first?.event == "object_enter" && alerts.first?.frame == 4)  // analysed frames 0, 2, 4
    }

    @Test func repeatable() throws {
        func once() throws -> [String] {
            let stage = DetectionStage(detector: ScriptedDetector(walk()), camera: "cam", clock: .media(start: 0),
                                       detect: DetectionSettings(), track: TrackConfig())
            return try run(stage, frames: 20).map { $0.jsonLine() }
        }
        #expect(try once() == once())
    }
}
