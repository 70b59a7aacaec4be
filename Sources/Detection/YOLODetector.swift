import Foundation
import Inference
import VigilCore

/// The `yolo` adapter: one output, no NMS in the graph, boxes as cx, cy, w, h in input pixels, in one of two
/// layouts (told apart by shape: the anchors outnumber the channels):
/// - `1×(4+C)×N` (ultralytics YOLOv8/YOLO11 exports): then C class scores; score = the best class's;
/// - `1×N×(5+C)` (YOLOv5-style exports): then objectness and C class probabilities; score = objectness × the
///   best class's.
/// Letterbox with grey (114) padding, values `x/255`; each candidate takes its best class; class-aware hard NMS.
/// scripts/yolo_reference.py is the Python reference.
///
/// Thread safety: `detect` is serialised by a lock (one input/output buffer set per instance).
public final class YOLODetector: Detector, @unchecked Sendable {
    // @unchecked: the buffers are touched only under `lock`; everything else is immutable.
    public let labels: [String]
    public let scoreThreshold: Float
    public let iouThreshold: Float
    public let maxDetections: Int
    public let inputSize: (width: Int, height: Int)
    public let layout: Layout
    private let session: Session
    private let classes: Int, anchors: Int

    /// How the output holds the candidates.
    public enum Layout: String, Sendable {
        /// `1×(4+C)×N`, channel-major, no objectness (YOLOv8/YOLO11).
        case channelsFirst = "1x(4+C)xN"
        /// `1×N×(5+C)`, one row per anchor, with objectness (YOLOv5).
        case rowsWithObjectness = "1xNx(5+C)"

        /// The layout of an output shape for a `inputWidth`×`inputHeight` input, nil when it is neither. Rows
        /// must be YOLOv5's anchor count (3 per cell of the stride 8, 16, 32 grids, and 64 for P6 models), so
        /// a graph with NMS inside (`1×300×6`: boxes, score, class) is refused rather than misread.
        public static func of(_ shape: [Int], inputWidth w: Int, inputHeight h: Int) -> Layout? {
            guard shape.count == 3, shape[0] == 1 else { return nil }
            let cells = { (strides: [Int]) in strides.reduce(0) { $0 + 3 * ((w + $1 - 1) / $1) * ((h + $1 - 1) / $1) } }
            if shape[2] > 5, shape[1] == cells([8, 16, 32]) || shape[1] == cells([8, 16, 32, 64]) {
                return .rowsWithObjectness
            }
            return shape[1] > 4 && shape[2] >= shape[1] ? .channelsFirst : nil
        }
    }
    private var input: [Float]
    private var output: [Float]
    private var scratch = Letterbox.Scratch()
    private let lock = NSLock()

    public init(session: Session, labels: [String] = COCOLabels.all, scoreThreshold: Float = 0.25,
                iouThreshold: Float = 0.7, maxDetections: Int = 300) throws {
        guard session.inputs.count == 1, session.inputs[0].shape.count == 4, session.inputs[0].shape[0] == 1,
              session.inputs[0].shape[1] == 3 else {
            throw DetectorError(model: "yolo", reason: "expected one 1×3×H×W input")
        }
        let inShape = session.inputs[0].shape
        guard session.outputs.count == 1,
              let layout = Layout.of(session.outputs[0].shape, inputWidth: inShape[3], inputHeight: inShape[2]) else {
            throw DetectorError(model: "yolo", reason: "expected one 1×(4+C)×N or 1×N×(5+C) output")
        }
        self.session = session
        self.layout = layout
        let shape = session.outputs[0].shape
        switch layout {
        case .channelsFirst: classes = shape[1] - 4; anchors = shape[2]
        case .rowsWithObjectness: classes = shape[2] - 5; anchors = shape[1]
        }
        self.labels = labels.count == classes ? labels : (0..<classes).map { $0 < labels.count ? labels[$0] : "class\($0)" }
        self.scoreThreshold = scoreThreshold
        self.iouThreshold = iouThreshold
        self.maxDetections = maxDetections
        inputSize = (session.inputs[0].shape[3], session.inputs[0].shape[2])
        input = [Float](repeating: 0, count: 3 * inputSize.width * inputSize.height)
        output = [Float](repeating: 0, count: shape[1] * shape[2])
    }

    public func detect(_ frame: PixelBuffer, region: Box?, sourceWidth: Int, sourceHeight: Int) throws -> [Detection] {
        lock.lock()
        defer { lock.unlock() }
        let lb = Letterbox(sourceWidth: sourceWidth, sourceHeight: sourceHeight,
                           width: inputSize.width, height: inputSize.height, region: region)
        input.withUnsafeMutableBufferPointer { lb.fill($0, from: frame, multiplier: 1 / 255, offset: 0, border: 114, scratch: &scratch) }
        try input.withUnsafeBufferPointer { x in
            try output.withUnsafeMutableBufferPointer { y in try session.run(inputs: [x], outputs: [y]) }
        }
        let candidates = layout == .channelsFirst
            ? YOLODetector.decode(output, classes: classes, anchors: anchors, scoreThreshold: scoreThreshold)
            : YOLODetector.decodeRows(output, classes: classes, anchors: anchors, scoreThreshold: scoreThreshold)
        let kept = NonMaxSuppression.run(candidates, kind: .hard, iouThreshold: iouThreshold, maxDetections: maxDetections)
        return kept.map { Detection(box: lb.source($0.box), score: $0.score, classIndex: $0.classIndex,
                                    label: labels[$0.classIndex]) }
    }

    /// Candidates of a `(4+C)×N` output (channel-major): best class per column, boxes in input pixels.
    public static func decode(_ y: [Float], classes: Int, anchors n: Int, scoreThreshold: Float) -> [Candidate] {
        var out: [Candidate] = []
        for i in 0..<n {
            var best = 0
            var score = y[4 * n + i]
            for c in 1..<max(1, classes) where y[(4 + c) * n + i] > score {
                score = y[(4 + c) * n + i]; best = c
            }
            guard score > scoreThreshold else { continue }
            let cx = y[i], cy = y[n + i], w = y[2 * n + i], h = y[3 * n + i]
            out.append(Candidate(box: Box(x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2),
                                 score: score, classIndex: best))
        }
        return out
    }

    /// Candidates of an `N×(5+C)` output (a row per anchor: cx, cy, w, h, objectness, class probabilities):
    /// score = objectness × the best class's, boxes in input pixels.
    public static func decodeRows(_ y: [Float], classes: Int, anchors n: Int, scoreThreshold: Float) -> [Candidate] {
        var out: [Candidate] = []
        let r = 5 + classes
        for i in 0..<n {
            let o = i * r
            let objectness = y[o + 4]
            guard objectness > scoreThreshold else { continue }  // score ≤ objectness: cannot pass
            var best = 0
            var p = y[o + 5]
            for c in 1..<max(1, classes) where y[o + 5 + c] > p { p = y[o + 5 + c]; best = c }
            let score = objectness * p
            guard score > scoreThreshold else { continue }
            let cx = y[o], cy = y[o + 1], w = y[o + 2], h = y[o + 3]
            out.append(Candidate(box: Box(x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2),
                                 score: score, classIndex: best))
        }
        return out
    }
}
