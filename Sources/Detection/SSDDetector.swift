import Foundation
import Inference
import VigilCore

/// The `ssd-anchors` adapter: MediaPipe SSD detectors (BlazeFace short/full range, BlazePose detector).
/// Letterbox with a zero border, values `x/127.5 − 1`; regressors `[dx, dy, w, h, kp…]` in input pixels
/// relative to fixed-size anchors; scores `sigmoid(clip(c, −100, 100))`; weighted NMS (boxes and keypoints). A pose
/// model (`Parameters.bodyRegion`) reports the full-body region built from its keypoints as the box, and the
/// regressed (head) box, keypoints and rotation as the detection's `parts`.
///
/// The models are fully convolutional, so with `reshape` a whole frame that is not square (16:9) runs at an
/// input of its own aspect (`inputShape`) instead of the square with a letterbox border: the same scale and
/// anchors per input pixel, fewer pixels (a session per shape, made on first use; at most `maxShapes` kept, the
/// least recently used one replaced). Regions (square, from the region planner) keep the square. The shape
/// depends only on the frame size, never on which instance runs the job, so output stays deterministic.
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
    /// Makes a session of the same model for another input shape (width, height); nil: square input only.
    private let reshape: (@Sendable (Int, Int) throws -> Session)?
    /// The square input's buffers, and those of the other shapes made so far (by key, most recently used last).
    private let square: ShapedInput
    private var shaped: [(key: Int, input: ShapedInput)] = []
    /// Shapes that could not be made (the model is not fully convolutional at that size): letterboxed instead.
    private var refused: Set<Int> = []
    private var scratch = Letterbox.Scratch()
    private let lock = NSLock()
    /// Inferences per input shape, "W×H", for profiles (read under the lock by `inputShapeCounts`).
    private var shapeCounts: [String: Int] = [:]

    /// Most non-square input shapes kept per instance (each holds a prepared session, about 20 MiB).
    public static let maxShapes = 3
    /// Input sides of a non-square shape are multiples of this (the models' largest stride).
    public static let shapeGranule = 32

    /// `session` must have one input `1×3×S×S` and outputs `1×A×R` (regressors) and `1×A×1` (scores) in
    /// either order. `reshape`: the same model prepared for a `width`×`height` input (see `detect`).
    public init(session: Session, parameters: Parameters,
                reshape: (@Sendable (_ width: Int, _ height: Int) throws -> Session)? = nil) throws {
        self.parameters = parameters
        self.reshape = reshape
        let s = parameters.anchors.inputSize
        guard session.inputs.count == 1, session.inputs[0].shape == [1, 3, s, s], session.outputs.count == 2 else {
            throw DetectorError(model: "ssd-anchors", reason: "expected one 1×3×\(s)×\(s) input and two outputs")
        }
        square = try ShapedInput(session: session, width: s, height: s, parameters: parameters)
    }

    /// The input shape a `region` (source pixels, nil: the whole frame) is fitted into: the model's square, or
    /// — with `reshape`, for a whole frame — the model's side along the frame's longer side and the shorter side
    /// cut to the frame's aspect (rounded up to `shapeGranule`): the same scale as the letterbox, without running
    /// the model on the letterbox's border (a 16:9 frame at 224: 224×128 instead of 224×224, 43 % fewer pixels).
    public func inputShape(region: Box?, sourceWidth: Int, sourceHeight: Int) -> (width: Int, height: Int) {
        let s = parameters.anchors.inputSize
        guard reshape != nil, region == nil, sourceWidth > 0, sourceHeight > 0 else { return (s, s) }
        let g = SSDDetector.shapeGranule, w = Float(sourceWidth), h = Float(sourceHeight)
        func cut(_ side: Float) -> Int { min(s, max(g, (Int(side.rounded(.up)) + g - 1) / g * g)) }
        return w >= h ? (s, cut(Float(s) * h / w)) : (cut(Float(s) * w / h), s)
    }

    public func detect(_ frame: PixelBuffer, region: Box?, sourceWidth: Int, sourceHeight: Int) throws -> [Detection] {
        lock.lock()
        defer { lock.unlock() }
        let shape = inputShape(region: region, sourceWidth: sourceWidth, sourceHeight: sourceHeight)
        let io = buffers(shape)
        shapeCounts["\(io.width)×\(io.height)", default: 0] += 1
        let lb = Letterbox(sourceWidth: sourceWidth, sourceHeight: sourceHeight, width: io.width, height: io.height,
                           region: region)
        try io.run(frame, letterbox: lb, scratch: &scratch)
        let candidates = SSDDetector.decode(regressors: io.regressors, scores: io.scores, centres: io.centres,
                                            parameters: parameters, width: io.width, height: io.height)
        let kept = NonMaxSuppression.run(candidates, kind: .weighted, iouThreshold: parameters.iouThreshold)
        return kept.map { c in detection(c, lb, sourceWidth: sourceWidth, sourceHeight: sourceHeight) }
    }

    /// Inferences so far per input shape ("224×128": count), for profiles.
    public var inputShapeCounts: [String: Int] {
        lock.lock()
        defer { lock.unlock() }
        return shapeCounts
    }

    /// The buffers of `shape`, made on first use (replacing the least recently used beyond `maxShapes`); the
    /// square ones when it is square or the model cannot run at it. Called under the lock.
    private func buffers(_ shape: (width: Int, height: Int)) -> ShapedInput {
        let key = shape.width << 16 | shape.height
        if shape == (square.width, square.height) || refused.contains(key) { return square }
        if let i = shaped.firstIndex(where: { $0.key == key }) {
            let hit = shaped.remove(at: i)
            shaped.append(hit)
            return hit.input
        }
        guard let reshape else { return square }
        do {
            let io = try ShapedInput(session: try reshape(shape.width, shape.height), width: shape.width,
                                     height: shape.height, parameters: parameters)
            if shaped.count >= SSDDetector.maxShapes { shaped.removeFirst() }
            shaped.append((key, io))
            return io
        } catch {
            refused.insert(key)
            return square
        }
    }

    /// One candidate (input-normalised) as a detection in source pixels; a pose model's box is its body region.
    private func detection(_ c: Candidate, _ lb: Letterbox, sourceWidth: Int, sourceHeight: Int) -> Detection {
        let w = Float(lb.width), h = Float(lb.height)
        let b = Box(x1: c.box.x1 * w, y1: c.box.y1 * h, x2: c.box.x2 * w, y2: c.box.y2 * h)
        var d = Detection(box: lb.source(b), score: c.score, classIndex: 0, label: parameters.label)
        if let body = parameters.bodyRegion {
            let points = stride(from: 0, to: c.keypoints.count - 1, by: 2).flatMap { i -> [Float] in
                let (x, y) = lb.source(x: c.keypoints[i] * w, y: c.keypoints[i + 1] * h)
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

    /// Candidates above the score threshold, boxes and keypoints normalised to the letterboxed square.
    /// `width`×`height`: the input the model ran on (nil: its square); regressors are in its pixels.
    public static func decode(regressors: [Float], scores: [Float], centres: [(x: Float, y: Float)],
                              parameters: Parameters, width: Int? = nil, height: Int? = nil) -> [Candidate] {
        let sx = Float(width ?? parameters.anchors.inputSize), sy = Float(height ?? parameters.anchors.inputSize)
        let r = 4 + 2 * parameters.keypoints
        var out: [Candidate] = []
        for (i, a) in centres.enumerated() {
            let score = 1 / (1 + expf(-min(max(scores[i], -100), 100)))
            guard score >= parameters.scoreThreshold else { continue }
            let o = i * r
            let xc = regressors[o] / sx + a.x, yc = regressors[o + 1] / sy + a.y
            let w = regressors[o + 2] / sx, h = regressors[o + 3] / sy
            var kp = [Float](repeating: 0, count: 2 * parameters.keypoints)
            for k in 0..<parameters.keypoints {
                kp[2 * k] = regressors[o + 4 + 2 * k] / sx + a.x
                kp[2 * k + 1] = regressors[o + 5 + 2 * k] / sy + a.y
            }
            out.append(Candidate(box: Box(x1: xc - w / 2, y1: yc - h / 2, x2: xc + w / 2, y2: yc + h / 2),
                                 score: score, keypoints: kp))
        }
        return out
    }
}

/// One input shape of an `SSDDetector`: its session, anchors and buffers.
///
/// Thread safety: not thread-safe; used under the detector's lock.
final class ShapedInput {
    let session: Session
    let width: Int, height: Int
    let centres: [(x: Float, y: Float)]
    private let regressorOutput: Int
    private var input: [Float]
    private(set) var regressors: [Float]
    private(set) var scores: [Float]

    /// `session`: one input `1×3×height×width`, outputs `1×A×R` and `1×A×1` (either order) with A the anchors of
    /// that shape.
    init(session: Session, width: Int, height: Int, parameters: SSDDetector.Parameters) throws {
        self.session = session; self.width = width; self.height = height
        centres = parameters.anchors.centres(width: width, height: height)
        let a = centres.count, r = 4 + 2 * parameters.keypoints
        guard session.inputs.count == 1, session.inputs[0].shape == [1, 3, height, width], session.outputs.count == 2 else {
            throw DetectorError(model: "ssd-anchors", reason: "expected one 1×3×\(height)×\(width) input and two outputs")
        }
        if session.outputs[0].shape == [1, a, r], session.outputs[1].shape == [1, a, 1] {
            regressorOutput = 0
        } else if session.outputs[1].shape == [1, a, r], session.outputs[0].shape == [1, a, 1] {
            regressorOutput = 1
        } else {
            throw DetectorError(model: "ssd-anchors", reason: "outputs are not 1×\(a)×\(r) and 1×\(a)×1")
        }
        input = [Float](repeating: 0, count: 3 * width * height)
        regressors = [Float](repeating: 0, count: a * r)
        scores = [Float](repeating: 0, count: a)
    }

    /// Letterboxes `frame` into the input (`x/127.5 − 1`, zero border) and runs the session.
    func run(_ frame: PixelBuffer, letterbox lb: Letterbox, scratch: inout Letterbox.Scratch) throws {
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
    }
}
