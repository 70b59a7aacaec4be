import Foundation
import Media
import Testing
import VigilCore
@testable import Detection

/// The shipped models on real photos and clips from Debian's opencv-doc package, fetched by
/// scripts/fetch-test-images.sh (never committed); runs when VIGIL_OPENCV_DATA names that folder (test.sh sets it).
/// Expected scores: samples/models/MODELS.md (ONNX Runtime), within 0.01 unless noted.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil))
struct RealImageTests {
    static let data = URL(fileURLWithPath: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] ?? "/nonexistent")

    func detect(_ file: String, _ model: String, frame: Int = 0, scoreThreshold: Float? = nil) throws -> [Detection] {
        let detector = try DetectorLoader.load(DetectorLoader.resolve(model, modelsDirectory: modelsDirectory),
                                               scoreThreshold: scoreThreshold, threads: 2)
        var options = SourceOptions()
        options.analysisHeight = 1 << 20
        let source = try VideoSource(url: Self.data.appendingPathComponent(file).path, options: options)
        let buffer = PixelBuffer(width: source.analysisWidth, height: source.analysisHeight, format: .rgb24)
        while let f = try source.next(into: buffer, scaling: { _ in true }), f.index <= frame {
            if f.index == frame { return try detector.detect(buffer, sourceWidth: f.sourceWidth, sourceHeight: f.sourceHeight) }
        }
        Issue.record("\(file) has no frame \(frame)")
        return []
    }

    @Test func shortRangeFindsTheFaceInFaceSwapped() throws {
        let d = try detect("face_swapped.jpg", "blazeface_short_128")
        #expect(d.count == 1)
        #expect(abs(d[0].score - 0.937) < 0.01)
        #expect(d[0].box.iou(Box(x1: 106, y1: 89, x2: 223, y2: 206)) >= 0.9)
    }

    /// samples/models/MODELS.md reports ≥ 0.91 for all four; with our bilinear letterbox the fourth scores 0.869 (ONNX Runtime
    /// on the same preprocessed input agrees to 1e-4: scripts/detect_reference.py).
    @Test func shortRangeFindsFourFacesInFacereg() throws {
        let d = try detect("facereg.jpg", "blazeface_short_128")
        #expect(d.count == 4)
        #expect(d.allSatisfy { $0.score > 0.85 })
    }

    @Test func shortRangeOnMegamindFrames() throws {
        let d50 = try detect("Megamind.avi", "blazeface_short_128", frame: 50)
        let d100 = try detect("Megamind.avi", "blazeface_short_128", frame: 100)
        #expect(d50.count == 1 && abs(d50[0].score - 0.945) < 0.01)
        #expect(d100.count == 1 && abs(d100[0].score - 0.882) < 0.01)
    }

    @Test func fullRangeFindsTheSmallFaceInMessi() throws {
        let d = try detect("messi5.jpg", "blazeface_full_192")
        #expect(d.count == 1 && abs(d[0].score - 0.83) < 0.01)
    }

    @Test func poseDetectorFindsThePlayers() throws {
        let m = try detect("messi5.jpg", "blazepose_detector_224")
        let b = try detect("basketball1.png", "blazepose_detector_224")
        #expect(m.count == 1 && abs(m[0].score - 0.947) < 0.01)
        #expect(b.count == 1 && abs(b[0].score - 0.886) < 0.01)
    }
}
