import Foundation
import Inference
import VigilCore

/// The `yolo` adapter: ultralytics YOLOv8/YOLO11 exports with one output `1×(4+C)×N` (cx, cy, w, h in input
/// pixels, then C class scores; no objectness, no NMS in the graph). Letterbox with grey (114) padding,
/// values `x/255`; each candidate takes its best class; class-aware hard NMS.
///
/// Thread safety: `detect` is serialised by a lock (one input/output buffer set per instance).
public final class YOLODetector: Detector, @unchecked Sendable {
    // @unchecked: the buffers are touched only under `lock`; everything else is immutable.
    public let labels: [String]
    public let scoreThreshold: Float
    public let iouThreshold: Float
    public let maxDetections: Int
    public let inputSize: (width: Int, height: Int)
    private let session: Session
    private let classes: Int, anchors: Int
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
        guard session.outputs.count == 1, session.outputs[0].shape.count == 3, session.outputs[0].shape[0] == 1,
              session.outputs[0].shape[1] > 4 else {
            throw DetectorError(model: "yolo", reason: "expected one 1×(4+C)×N output")
        }
        self.session = session
        classes = session.outputs[0].shape[1] - 4
        anchors = session.outputs[0].shape[2]
        self.labels = labels.count == classes ? labels : (0..<classes).map { $0 < labels.count ? labels[$0] : "class\($0)" }
        self.scoreThreshold = scoreThreshold
        self.iouThreshold = iouThreshold
        self.maxDetections = maxDetections
        inputSize = (session.inputs[0].shape[3], session.inputs[0].shape[2])
        input = [Float](repeating: 0, count: 3 * inputSize.width * inputSize.height)
        output = [Float](repeating: 0, count: (4 + classes) * anchors)
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
        let kept = NonMaxSuppression.run(
            YOLODetector.decode(output, classes: classes, anchors: anchors, scoreThreshold: scoreThreshold),
            kind: .hard, iouThreshold: iouThreshold, maxDetections: maxDetections)
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
}
