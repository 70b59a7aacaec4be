import Foundation
import Inference
import Media
import Synchronization
import Testing
import TestSupport
import VigilCore
@testable import Detection

/// `SSDDetector` with `adaptInputShape` (the daemon's and replay's banks) runs a rectangle that is not square at
/// an input of its own aspect instead of the letterboxed square: on real photos and clip frames from Debian's
/// opencv-doc (VIGIL_OPENCV_DATA) it keeps the square's detections — the same objects, boxes and scores close —
/// while running on fewer pixels.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil))
struct ShapedInputTests {
    /// One frame of `file` as RGB at its own size.
    static func picture(_ file: String, frame: Int = 0) throws -> (PixelBuffer, width: Int, height: Int) {
        var options = SourceOptions()
        options.analysisHeight = 1 << 20
        let source = try VideoSource(url: RealImageTests.data.appendingPathComponent(file).path, options: options)
        let buffer = PixelBuffer(width: source.analysisWidth, height: source.analysisHeight, format: .rgb24)
        while let f = try source.next(into: buffer, scaling: { _ in true }), f.index <= frame {
            if f.index == frame { return (buffer, f.sourceWidth, f.sourceHeight) }
        }
        throw DetectorError(model: file, reason: "no frame \(frame)")
    }

    static func load(_ model: String, adapt: Bool) throws -> SSDDetector {
        let d = try DetectorLoader.load(DetectorLoader.resolve(model, modelsDirectory: modelsDirectory), threads: 1,
                                        adaptInputShape: adapt)
        return try #require(d as? SSDDetector)
    }

    /// The top `rows` rows of a picture (a 16:9 view of a 4:3 one).
    static func top(_ p: PixelBuffer, rows: Int) -> PixelBuffer {
        let out = PixelBuffer(width: p.width, height: rows, format: p.format)
        for y in 0..<rows { (out.data + y * out.stride).update(from: p.data + y * p.stride, count: p.width * 3) }
        return out
    }

    /// (file, frame, model, rows: the top rows only, 0: all). The photos' sizes: messi5 548×342, basketball1 640×480
    /// (its top 360 rows: 16:9), Megamind 720×528.
    @Test(arguments: [
        ("messi5.jpg", 0, "blazeface_full_192", 0), ("messi5.jpg", 0, "blazepose_detector_224", 0),
        ("basketball1.png", 0, "blazepose_detector_224", 0), ("basketball1.png", 0, "blazepose_detector_224", 360),
        ("Megamind.avi", 50, "blazeface_full_192", 0), ("Megamind.avi", 100, "blazeface_full_192", 0),
        ("Megamind.avi", 50, "blazeface_short_128", 0), ("Megamind.avi", 100, "blazeface_short_128", 0),
    ])
    func keepsTheSquaresDetections(_ file: String, _ frame: Int, _ model: String, _ rows: Int) throws {
        var (rgb, w, h) = try Self.picture(file, frame: frame)
        if rows > 0 { rgb = Self.top(rgb, rows: rows); h = rows }
        let square = try Self.load(model, adapt: false), shaped = try Self.load(model, adapt: true)
        let expected = try square.detect(rgb, sourceWidth: w, sourceHeight: h)
        let found = try shaped.detect(rgb, sourceWidth: w, sourceHeight: h)
        // The subject ran: a non-square input, of fewer pixels than the square.
        let shape = shaped.inputShape(region: nil, sourceWidth: w, sourceHeight: h)
        let s = shaped.inputSize.width
        #expect(shape.width * shape.height < s * s, "\(file) \(w)×\(h) at \(shape)")
        #expect(shaped.inputShapeCounts == ["\(shape.width)×\(shape.height)": 1])
        #expect(square.inputShapeCounts == ["\(s)×\(s)": 1])
        #expect(!expected.isEmpty, "\(file): the square finds nothing to compare")
        // Every detection of the square is kept: the same head (the regressed box) within IoU 0.8, the score
        // within 0.08; a pose model's body box, built from keypoints and often reaching past the picture,
        // within IoU 0.75.
        var matched: [Int] = []
        for e in expected {
            let i = found.indices.max { found[$0].box.iou(e.box) < found[$1].box.iou(e.box) }
            guard let i else { Issue.record("\(file) \(model): \(e.box) not found"); continue }
            matched.append(i)
            let b = found[i], head = (b.parts?.headBox ?? b.box).iou(e.parts?.headBox ?? e.box)
            #expect(head >= 0.8 && b.box.iou(e.box) >= 0.75, "\(file) \(model): \(e.box) vs \(b.box) (head IoU \(head))")
            #expect(abs(b.score - e.score) < 0.08, "\(file) \(model): score \(b.score) vs \(e.score)")
        }
        // Without the letterbox's border the input's edge is the picture's: Megamind's frame 100 gives the
        // short-range face model one more, weak box (on hair at the top edge, below 0.6); any extra one is weak.
        for (i, d) in found.enumerated() where !matched.contains(i) {
            #expect(d.score < 0.6, "\(file) \(model): an extra \(d.label) at \(d.box) scores \(d.score)")
        }
        #expect(found.count <= expected.count + 1, "\(file) \(model): \(found.map(\.box)) vs \(expected.map(\.box))")
    }

    /// A 16:9 frame at 224 runs at 224×128, the side rounded up to the models' largest stride (32); a tall
    /// frame is turned; regions (square from the planner) keep the square.
    @Test func inputShapes() throws {
        let pose = try Self.load("blazepose_detector_224", adapt: true)
        #expect(pose.inputShape(region: nil, sourceWidth: 640, sourceHeight: 360) == (224, 128))
        #expect(pose.inputShape(region: nil, sourceWidth: 1280, sourceHeight: 720) == (224, 128))
        #expect(pose.inputShape(region: nil, sourceWidth: 768, sourceHeight: 576) == (224, 192))
        #expect(pose.inputShape(region: nil, sourceWidth: 360, sourceHeight: 640) == (128, 224))
        #expect(pose.inputShape(region: nil, sourceWidth: 500, sourceHeight: 500) == (224, 224))
        #expect(pose.inputShape(region: Box(x1: 0, y1: 0, x2: 640, y2: 180), sourceWidth: 640, sourceHeight: 360) == (224, 224))
        let face = try Self.load("blazeface_full_192", adapt: true)
        #expect(face.inputShape(region: nil, sourceWidth: 640, sourceHeight: 360) == (192, 128))
        let fixed = try Self.load("blazepose_detector_224", adapt: false)
        #expect(fixed.inputShape(region: nil, sourceWidth: 640, sourceHeight: 360) == (224, 224))
    }

    /// A model that cannot be prepared at the frame's shape (not fully convolutional) runs letterboxed, as
    /// before, and is not asked again.
    @Test func aShapeTheModelRefusesFallsBackToTheSquare() throws {
        let url = DetectorLoader.resolve("blazepose_detector_224", modelsDirectory: modelsDirectory)
        let asked = AskCount()
        let (rgb, w, h) = try Self.picture("messi5.jpg")
        // Bit-equal runs need the same kernels: no Inference suite may change the process-wide ISA cap between them,
        // nor while the two sessions are prepared (their kernels are chosen then).
        let refusing = try ISALevel.exclusive {
            let session = try Session(contentsOf: url, options: Session.Options(threads: 1))
            let refusing = try SSDDetector(session: session, parameters: .blazePose) { w, h in
                asked.count.withLock { $0 += 1 }
                throw DetectorError(model: "test", reason: "no \(w)×\(h)")
            }
            let square = try Self.load("blazepose_detector_224", adapt: false)
            let expected = try square.detect(rgb, sourceWidth: w, sourceHeight: h)
            for _ in 0..<2 {
                let found = try refusing.detect(rgb, sourceWidth: w, sourceHeight: h)
                #expect(found.map(\.box) == expected.map(\.box) && found.map(\.score) == expected.map(\.score))
            }
            return refusing
        }
        #expect(asked.count.withLock { $0 } == 1)
        #expect(refusing.inputShapeCounts == ["224×224": 2])
    }

    /// The anchors of a non-square input: ⌈W ÷ stride⌉ × ⌈H ÷ stride⌉ cells per feature map, centres normalised to it.
    @Test func anchorsOfANonSquareInput() {
        let a = SSDDetector.Parameters.blazePose.anchors
        // strides 8, 16, 32×3 (two anchors per cell, layers of one stride share a map): 224×128
        #expect(a.centres(width: 224, height: 128).count == 28 * 16 * 2 + 14 * 8 * 2 + 7 * 4 * 6)
        #expect(a.centres(width: 224, height: 224).count == a.centres().count)
        let c = a.centres(width: 224, height: 128)
        #expect(abs(c[0].x - 0.5 / 28) < 1e-6 && abs(c[0].y - 0.5 / 16) < 1e-6)
    }
}

/// How often a reshape was asked for.
///
/// Thread safety: a mutex.
final class AskCount: Sendable {
    let count = Mutex(0)
}
