import Foundation
import Testing
import Inference
import VigilCore
@testable import Detection

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let modelsDirectory = repositoryRoot.appendingPathComponent("samples/models")

@Suite struct AnchorTests {
    @Test func countsMatchTheShippedModels() {
        #expect(SSDDetector.Parameters.blazeFaceShort.anchors.centres().count == 896)
        #expect(SSDDetector.Parameters.blazeFaceFull.anchors.centres().count == 2304)
        #expect(SSDDetector.Parameters.blazePose.anchors.centres().count == 2254)
    }

    @Test func centresAreRowMajorPerCell() {
        let c = SSDDetector.Parameters.blazeFaceShort.anchors.centres()
        #expect(c[0] == (x: 0.5 / 16, y: 0.5 / 16) && c[1] == c[0])
        #expect(c[2] == (x: 1.5 / 16, y: 0.5 / 16))
        #expect(c[512] == (x: 0.5 / 8, y: 0.5 / 8) && c[517] == c[512] && c[518] == (x: 1.5 / 8, y: 0.5 / 8))
        #expect(c[895] == (x: 7.5 / 8, y: 7.5 / 8))
    }
}

@Suite struct NMSTests {
    let a = Candidate(box: Box(x1: 0, y1: 0, x2: 10, y2: 10), score: 0.9)
    let b = Candidate(box: Box(x1: 1, y1: 1, x2: 11, y2: 11), score: 0.6)        // IoU with a: 81/119
    let c = Candidate(box: Box(x1: 20, y1: 20, x2: 30, y2: 30), score: 0.7)
    let d = Candidate(box: Box(x1: 0, y1: 0, x2: 10, y2: 10), score: 0.95, classIndex: 1)

    @Test func hardKeepsTheBestOfEachGroupPerClass() {
        let kept = NonMaxSuppression.run([b, c, a, d], kind: .hard, iouThreshold: 0.5)
        #expect(kept == [d, a, c])
        #expect(NonMaxSuppression.run([b, c, a, d], kind: .hard, iouThreshold: 0.7) == [d, a, c, b])
        #expect(NonMaxSuppression.run([b, c, a, d], kind: .hard, iouThreshold: 0.5, maxDetections: 2) == [d, a])
    }

    @Test func weightedAveragesTheGroup() {
        let kp = Candidate(box: a.box, score: 0.9, keypoints: [2, 2])
        let kq = Candidate(box: b.box, score: 0.6, keypoints: [7, 7])
        let kept = NonMaxSuppression.run([kq, c, kp], kind: .weighted, iouThreshold: 0.3)
        #expect(kept.count == 2)
        #expect(kept[0].score == 0.9)
        #expect(abs(kept[0].box.x1 - 0.4) < 1e-5 && abs(kept[0].box.x2 - 10.4) < 1e-5)
        #expect(abs(kept[0].keypoints[0] - 4) < 1e-5)
        #expect(kept[1] == c)
    }

    @Test func equalScoresKeepInputOrder() {
        let e = Candidate(box: a.box, score: 0.9)
        let f = Candidate(box: Box(x1: 0.5, y1: 0, x2: 10.5, y2: 10), score: 0.9)
        #expect(NonMaxSuppression.run([f, e], kind: .hard, iouThreshold: 0.5) == [f])
        #expect(NonMaxSuppression.run([], kind: .weighted, iouThreshold: 0.5).isEmpty)
    }
}

@Suite struct LetterboxTests {
    @Test func widerFrameGetsTopAndBottomBorder() {
        let f = PixelBuffer(width: 4, height: 2, format: .rgb24)
        for y in 0..<2 { for x in 0..<12 { f.data[y * f.stride + x] = 255 } }
        let lb = Letterbox(sourceWidth: 4, sourceHeight: 2, width: 4, height: 4)
        #expect(lb.scale == 1 && lb.padX == 0 && lb.padY == 1)
        var out = [Float](repeating: 9, count: 48)
        out.withUnsafeMutableBufferPointer { lb.fill($0, from: f, multiplier: 1 / 127.5, offset: -1, border: 0) }
        for c in 0..<3 {
            for x in 0..<4 {
                #expect(out[c * 16 + x] == -1 && out[c * 16 + 12 + x] == -1)
                #expect(out[c * 16 + 4 + x] == 1 && out[c * 16 + 8 + x] == 1)
            }
        }
        let back = lb.source(Box(x1: 1, y1: 1, x2: 3, y2: 3))
        #expect(back == Box(x1: 1, y1: 0, x2: 3, y2: 2))
    }
}

@Suite struct SSDDecodeTests {
    /// ONNX Runtime's outputs for the model's test photo, decoded as scripts/detect_reference.py does:
    /// short-range face 0.9373 at [42.37, 35.63, 89.29, 82.55] input pixels.
    @Test func decodesONNXRuntimeOutputsLikeTheReference() throws {
        let dir = modelsDirectory.appendingPathComponent("blazeface_short_128/test_data_set_0")
        let o0 = try TensorFile.read(dir.appendingPathComponent("output_0.pb")).tensor
        let o1 = try TensorFile.read(dir.appendingPathComponent("output_1.pb")).tensor
        let (reg, cls) = o0.shape.last == 16 ? (o0, o1) : (o1, o0)
        let p = SSDDetector.Parameters.blazeFaceShort
        let cands = SSDDetector.decode(regressors: reg.floats, scores: cls.floats, centres: p.anchors.centres(), parameters: p)
        let kept = NonMaxSuppression.run(cands, kind: .weighted, iouThreshold: 0.3)
        #expect(kept.count == 1)
        let b = kept[0].box.scaled(x: 128, y: 128)
        #expect(abs(kept[0].score - 0.9373) < 1e-3)
        for (v, r) in zip([b.x1, b.y1, b.x2, b.y2], [Float(42.37), 35.63, 89.29, 82.55]) { #expect(abs(v - r) < 0.05) }
        #expect(kept[0].keypoints.count == 12)
    }

    @Test func plainFrameHasNoFaces() throws {
        let d = try DetectorLoader.load(DetectorLoader.resolve("blazeface_short_128", modelsDirectory: modelsDirectory), threads: 1)
        #expect(d is SSDDetector && d.labels == ["face"])
        let f = PixelBuffer(width: 64, height: 48, format: .rgb24)
        for i in 0..<f.byteCount { f.data[i] = 128 }
        #expect(try d.detect(f, sourceWidth: 640, sourceHeight: 480).isEmpty)
    }
}

@Suite struct YOLOTests {
    static let directory = repositoryRoot.appendingPathComponent("Tests/Fixtures/yolo_shaped_64")

    /// ONNX Runtime's output for the fixture, decoded in Python (argmax class, score ≥ 0.5624, hard NMS at IoU
    /// 0.45): classes 23, 39, 1, 39.
    @Test func decodesLikeAStraightforwardPythonDecode() throws {
        let y = try TensorFile.read(Self.directory.appendingPathComponent("test_data_set_0/output_0.pb")).tensor
        #expect(y.shape == [1, 84, 84])
        let kept = NonMaxSuppression.run(YOLODetector.decode(y.floats, classes: 80, anchors: 84, scoreThreshold: 0.5624),
                                         kind: .hard, iouThreshold: 0.45)
        #expect(kept.map(\.classIndex) == [23, 39, 1, 39])
        let expected: [[Float]] = [[-227.794, -195.369, 251.028, 285.335], [-15.669, -1.184, 104.078, 118.942],
                                   [-62.508, -65.573, 175.724, 176.417], [-7.711, -49.309, 112.182, 71.091]]
        for (k, e) in zip(kept, expected) {
            for (v, r) in zip([k.box.x1, k.box.y1, k.box.x2, k.box.y2], e) { #expect(abs(v - r) < 0.01) }
        }
        #expect(abs(kept[0].score - 0.57952) < 1e-4)
    }

    @Test func loaderPicksTheYOLOAdapter() throws {
        let d = try DetectorLoader.load(Self.directory.appendingPathComponent("model.onnx"), threads: 1)
        let y = try #require(d as? YOLODetector)
        #expect(y.labels.count == 80 && y.labels[0] == "person" && y.inputSize == (64, 64))
        // The fixture's own test input as a 64×64 frame (quantised to bytes): ONNX Runtime finds classes 23, 39,
        // 1, 39 above 0.56 on it, so the adapter must report detections, each inside the (10× larger) source.
        let x = try TensorFile.read(Self.directory.appendingPathComponent("test_data_set_0/input_0.pb")).tensor
        #expect(x.shape == [1, 3, 64, 64])
        let f = PixelBuffer(width: 64, height: 64, format: .rgb24)
        let v = x.floats
        for c in 0..<3 {
            for yy in 0..<64 {
                for xx in 0..<64 { f.data[yy * f.stride + xx * 3 + c] = UInt8((v[(c * 64 + yy) * 64 + xx] * 255).rounded()) }
            }
        }
        let dets = try d.detect(f, sourceWidth: 640, sourceHeight: 640)
        #expect(!dets.isEmpty, "no detections on the fixture's test input")
        #expect(dets.contains { $0.label == y.labels[23] }, "the reference's best class (23) is missing: \(dets.map(\.label))")
        for det in dets {
            #expect(det.box.x1 >= 0 && det.box.y1 >= 0 && det.box.x2 <= 640 && det.box.y2 <= 640 && det.score > 0.25)
        }
    }
}

@Suite struct BadModelTests {
    @Test func missingFileIsAConfigError() {
        #expect(throws: DetectorError.self) { try DetectorLoader.load(URL(fileURLWithPath: "/nonexistent/model.onnx")) }
        do { _ = try DetectorLoader.load(URL(fileURLWithPath: "/nonexistent/model.onnx")) } catch let e as DetectorError {
            #expect(e.exitStatus == .config)
        } catch { Issue.record("\(error)") }
    }

    @Test func nonONNXFileIsAConfigError() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-not-onnx-\(getpid()).onnx")
        try Data("not a model".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: DetectorError.self) { try DetectorLoader.load(url) }
    }
}
