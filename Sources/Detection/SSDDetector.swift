import Foundation
import Inference
import VigilCore

/// The `ssd-anchors` adapter: MediaPipe SSD detectors (BlazeFace short/full range, BlazePose detector).
/// Letterbox with a zero border, values `x/127.5 − 1`; regressors `[dx, dy, w, h, kp…]` in input pixels
/// relative to fixed-size anchors; scores `sigmoid(clip(c, −100, 100))`; weighted NMS (boxes and keypoints). A pose
/// model (`Parameters.bodyRegion`) reports the full-body region built from its keypoints as the box, and the
/// regressed (head) box, keypoints and rotation as the detection's `parts`.
///
/// Thread safety: `detect` is serialised by a lock (one input/output buffer set per instance).
public final class SSDDetector: Detector, @unchecked Sendable {
    // @unchecked: the buffers are touched only under `lock`; everything else is immutable.
    /// Parameters of one MediaPipe SSD model (samples/models/MODELS.md).
    public struct Parameters: Sendable, Equatable {
        public var anchors: SSDAnchors
        public var label: String
        public var keypoints: Int
        public var scoreThreshold: Float
        public var iouThreshold: Float = 0.3
        /// A pose model: the box is the body region built from the keypoints (the regressed box, the head, and
        /// the keypoints go to `Detection.parts`); nil: the regressed box.
        public var bodyRegion: BodyRegion? = nil

        public init(anchors: SSDAnchors, label: String, keypoints: Int, scoreThreshold: Float,
                    bodyRegion: BodyRegion? = nil) {
            self.anchors = anchors; self.label = label; self.keypoints = keypoints; self.scoreThreshold = scoreThreshold
            self.bodyRegion = bodyRegion
        }

        public static let blazeFaceShort = Parameters(
            anchors: SSDAnchors(strides: [8, 16, 16, 16], inputSize: 128, interpolatedAspectRatio: 1),
            label: "face", keypoints: 6, scoreThreshold: 0.5)
        public static let blazeFaceFull = Parameters(
            anchors: SSDAnchors(strides: [4], inputSize: 192, interpolatedAspectRatio: 0),
            label: "face", keypoints: 6, scoreThreshold: 0.6)
        public static let blazePose = Parameters(
            anchors: SSDAnchors(strides: [8, 16, 32, 32, 32], inputSize: 224, interpolatedAspectRatio: 1),
            label: "person", keypoints: 4, scoreThreshold: 0.5, bodyRegion: .blazePose)

        /// The shipped model with this input size and anchor count, if any.
        public static func matching(inputSize: Int, anchorCount: Int, regressors: Int) -> Parameters? {
            [blazeFaceShort, blazeFaceFull, blazePose].first {
                $0.anchors.inputSize == inputSize && $0.anchors.centres().count == anchorCount
                    && 4 + 2 * $0.keypoints == regressors
            }
        }
    }

    public let parameters: Parameters
    public var labels: [String] { [parameters.label] }
    public var inputSize: (width: Int, height: Int) { (parameters.anchors.inputSize, parameters.anchors.inputSize) }
    private let session: Session
    private let centres: [(x: Float, y: Float)]
    private let regressorOutput: Int
    private var input: [Float]
    private var regressors: [Float]
    private var scores: [Float]
    private var scratch = Letterbox.Scratch()
    private let lock = NSLock()

    /// `session` must have one input `1×3×S×S` and outputs `1×A×R` (regressors) and `1×A×1` (scores) in
    /// either order.
    public init(session: Session, parameters: Parameters) throws {
        self.session = session
        self.parameters = parameters
        centres = parameters.anchors.centres()
        let s = parameters.anchors.inputSize, a = centres.count, r = 4 + 2 * parameters.keypoints
        guard session.inputs.count == 1, session.inputs[0].shape == [1, 3, s, s], session.outputs.count == 2 else {
            throw DetectorError(model: "ssd-anchors", reason: "expected one 1×3×\(s)×\(s) input and two outputs")
        }
        if session.outputs[0].shape == [1, a, r], session.outputs[1].shape == [1, a, 1] {
            regressorOutput = 0
        } else if session.outputs[1].shape == [1, a, r], session.outputs[0].shape == [1, a, 1] {
            regressorOutput = 1
        } else {
            throw DetectorError(model: "ssd-anchors", reason: "outputs are not 1×\(a)×\(r) and 1×\(a)×1")
        }
        input = [Float](repeating: 0, count: 3 * s * s)
        regressors = [Float](repeating: 0, count: a * r)
        scores = [Float](repeating: 0, count: a)
    }

    public func detect(_ frame: PixelBuffer, region: Box?, sourceWidth: Int, sourceHeight: Int) throws -> [Detection] {
        lock.lock()
        defer { lock.unlock() }
        let s = parameters.anchors.inputSize
        let lb = Letterbox(sourceWidth: sourceWidth, sourceHeight: sourceHeight, width: s, height: s, region: region)
        input.withUnsafeMutableBufferPointer {
            lb.fill($0, from: frame, multiplier: 1 / 127.5, offset: -1, border: 0, scratch: &scratch)
        }
        try input.withUnsafeBufferPointer { x in
            try regressors.withUnsafeMutableBufferPointer { r in
                try scores.withUnsafeMutableBufferPointer { c in
                    try session.run(inputs: [x], outputs: regressorOutput == 0 ? [r, c] : [c, r])
                }
            }
        }
        let candidates = SSDDetector.decode(regressors: regressors, scores: scores, centres: centres,
                                            parameters: parameters)
        let kept = NonMaxSuppression.run(candidates, kind: .weighted, iouThreshold: parameters.iouThreshold)
        return kept.map { c in
            let b = Box(x1: c.box.x1 * Float(s), y1: c.box.y1 * Float(s), x2: c.box.x2 * Float(s), y2: c.box.y2 * Float(s))
            var d = Detection(box: lb.source(b), score: c.score, classIndex: 0, label: parameters.label)
            if let body = parameters.bodyRegion {
                let points = stride(from: 0, to: c.keypoints.count - 1, by: 2).flatMap { i -> [Float] in
                    let (x, y) = lb.source(x: c.keypoints[i] * Float(s), y: c.keypoints[i + 1] * Float(s))
                    return [x, y]
                }
                if let region = body.box(keypoints: points, width: sourceWidth, height: sourceHeight),
                   region.box.width >= 1, region.box.height >= 1 {
                    d.parts = DetectionParts(headBox: d.box, keypoints: points, rotationDegrees: region.rotationDegrees)
                    d.box = region.box
                }
            }
            return d
        }
    }

    /// Candidates above the score threshold, boxes and keypoints normalised to the letterboxed square.
    public static func decode(regressors: [Float], scores: [Float], centres: [(x: Float, y: Float)],
                              parameters: Parameters) -> [Candidate] {
        let s = Float(parameters.anchors.inputSize), r = 4 + 2 * parameters.keypoints
        var out: [Candidate] = []
        for (i, a) in centres.enumerated() {
            let score = 1 / (1 + expf(-min(max(scores[i], -100), 100)))
            guard score >= parameters.scoreThreshold else { continue }
            let o = i * r
            let xc = regressors[o] / s + a.x, yc = regressors[o + 1] / s + a.y
            let w = regressors[o + 2] / s, h = regressors[o + 3] / s
            var kp = [Float](repeating: 0, count: 2 * parameters.keypoints)
            for k in 0..<parameters.keypoints {
                kp[2 * k] = regressors[o + 4 + 2 * k] / s + a.x
                kp[2 * k + 1] = regressors[o + 5 + 2 * k] / s + a.y
            }
            out.append(Candidate(box: Box(x1: xc - w / 2, y1: yc - h / 2, x2: xc + w / 2, y2: yc + h / 2),
                                 score: score, keypoints: kp))
        }
        return out
    }
}
