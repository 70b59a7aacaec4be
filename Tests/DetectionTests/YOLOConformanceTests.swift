import Foundation
import Inference
import Testing
import VigilCore
@testable import Detection

/// Users' YOLO models: a real ultralytics export (YOLOv8 from ultralytics' yolov8.yaml, scripts/
/// make_ultralytics_fixture.py) and a YOLOv5-layout graph (1×N×(5+C) with objectness, scripts/
/// make_yolo_graph.py --v5), both with convolutions rescaled to unit output level so the output depends on
/// the image. The tensor engine matches ONNX Runtime on each; decode + NMS on a real photo match
/// scripts/yolo_reference.py (ONNX Runtime + the Python decode and NMS; Tests/Fixtures/*/basketball1.jsonl).
@Suite struct YOLOConformanceTests {
    static let fixtures = [("ultralytics_v8_320", Float(0.25), YOLODetector.Layout.channelsFirst),
                           ("yolo_v5_320", Float(0.6), YOLODetector.Layout.rowsWithObjectness)]

    @Test(arguments: fixtures.map(\.0))
    func engineMatchesONNXRuntime(_ name: String) {
        let results = BackendTest(threads: 2).run(directory: repositoryRoot.appendingPathComponent("Tests/Fixtures/\(name)"))
        #expect(results.count == 1)
        for r in results { #expect(r.outcome == .passed, "\(r.name): \(r.outcome)") }
    }

    @Test(arguments: fixtures.map(\.0))
    func loadsWithTheRightLayout(_ name: String) throws {
        let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/\(name)/model.onnx")
        let d = try #require(try DetectorLoader.load(url, threads: 1) as? YOLODetector)
        #expect(d.layout == Self.fixtures.first { $0.0 == name }!.2)
        #expect(d.labels.count == 80 && d.labels[0] == "person" && d.inputSize == (320, 320))
    }

    /// The two layouts' decoders on hand-made outputs: objectness multiplies the class probability.
    @Test func decodesBothLayouts() {
        // 2 anchors, 2 classes. Channel-major: cx, cy, w, h, c0, c1 rows of 2 (a score must exceed the threshold).
        let v8 = YOLODetector.decode([10, 50, 20, 60, 4, 8, 6, 8, 0.9, 0.1, 0.2, 0.25], classes: 2, anchors: 2,
                                     scoreThreshold: 0.25)
        #expect(v8 == [Candidate(box: Box(x1: 8, y1: 17, x2: 12, y2: 23), score: 0.9, classIndex: 0)])
        // Rows: cx, cy, w, h, objectness, p0, p1.
        let v5 = YOLODetector.decodeRows([10, 20, 4, 6, 0.5, 0.2, 0.8, 50, 60, 8, 8, 0.2, 1, 0], classes: 2,
                                         anchors: 2, scoreThreshold: 0.25)
        #expect(v5 == [Candidate(box: Box(x1: 8, y1: 17, x2: 12, y2: 23), score: 0.4, classIndex: 1)])
        #expect(YOLODetector.Layout.of([1, 84, 8400], inputWidth: 640, inputHeight: 640) == .channelsFirst)
        #expect(YOLODetector.Layout.of([1, 25200, 85], inputWidth: 640, inputHeight: 640) == .rowsWithObjectness)
        #expect(YOLODetector.Layout.of([1, 25500, 6], inputWidth: 640, inputHeight: 640) == .rowsWithObjectness)  // P6
        #expect(YOLODetector.Layout.of([1, 4, 100], inputWidth: 640, inputHeight: 640) == nil)
        #expect(YOLODetector.Layout.of([2, 84, 8400], inputWidth: 640, inputHeight: 640) == nil)
        // NMS inside the graph (x1, y1, x2, y2, score, class per row): refused, not read as one class
        #expect(YOLODetector.Layout.of([1, 300, 6], inputWidth: 640, inputHeight: 640) == nil)
    }
}

@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil))
struct YOLOPhotoConformanceTests {
    @Test(arguments: YOLOConformanceTests.fixtures.map { ($0.0, $0.1) })
    func detectionsMatchThePythonReference(_ name: String, _ threshold: Float) throws {
        let expected = try jsonLines("Tests/Fixtures/\(name)/basketball1.jsonl")
        let found = try RealImageTests().detect("basketball1.png", "Tests/Fixtures/\(name)/model.onnx".withRoot,
                                                scoreThreshold: threshold)
        #expect(expected.count > 50)
        #expect(found.count == expected.count)
        // In order, but candidates whose scores tie to 1e-3 may come in either order.
        var unmatched = Array(found.indices)
        for (n, e) in expected.enumerated() {
            let b = try #require(box(e["box"])), score = Float(e["score"] as! Double), c = e["class"] as! Int
            let hit = unmatched.first {
                found[$0].classIndex == c && abs(found[$0].score - score) < 1e-3 && maxDistance(found[$0].box, b) < 0.5
            }
            guard let hit else { Issue.record("\(name): expected #\(n) \(e) not found"); continue }
            #expect(abs(hit - n) <= 3 || abs(found[n].score - score) < 1e-3)
            unmatched.removeAll { $0 == hit }
        }
        #expect(unmatched.isEmpty)
    }
}

extension String {
    var withRoot: String { repositoryRoot.appendingPathComponent(self).path }
}
