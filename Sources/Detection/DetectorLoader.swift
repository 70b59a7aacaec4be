import Foundation
import Inference

/// Opens a model file and picks the adapter from its input and output shapes: two outputs `1×A×(4+2K)` and
/// `1×A×1` with a known MediaPipe anchor layout → `ssd-anchors`; one output `1×(4+C)×N` (YOLOv8/YOLO11) or
/// `1×N×(5+C)` (YOLOv5, with objectness) → `yolo`. A `.f32` file of linear-SVM coefficients (the shipped
/// `hog_people`) → the HOG people detector. Names of the shipped models (`blazeface_short_128`, `hog_people`, …)
/// resolve under `modelsDirectory`.
///
/// Thread safety: stateless; safe from any thread.
public enum DetectorLoader {
    public enum Adapter: String, Sendable, CaseIterable { case ssdAnchors = "ssd-anchors", yolo }

    /// `name` is a path to an `.onnx` or `.f32` file, a model directory holding `model.onnx` (or `svm.f32`), or a
    /// shipped model name.
    public static func resolve(_ name: String, modelsDirectory: URL) -> URL {
        var url = URL(fileURLWithPath: name)
        if !name.contains("/"), !FileManager.default.fileExists(atPath: name) {
            url = modelsDirectory.appendingPathComponent(name)
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            let svm = url.appendingPathComponent(hogCoefficients)
            url = FileManager.default.fileExists(atPath: svm.path) ? svm : url.appendingPathComponent("model.onnx")
        }
        return url
    }

    /// `adaptInputShape`: an `ssd-anchors` model runs a rectangle that is not square at an input of its aspect
    /// (`SSDDetector.inputShape`; the daemon's and replay's banks) instead of letterboxing it into its square
    /// (ONNX Runtime's reference recipe, `vigil detect`).
    /// `labels` name a `yolo` model's classes; an `ssd-anchors` model (one class) takes the first as its label
    /// unless `relabelSingleClass` is false (several models share one `label_names`: the MediaPipe models keep
    /// `face` / `person`).
    public static func load(_ url: URL, adapter: Adapter? = nil, labels: [String]? = nil, scoreThreshold: Float? = nil,
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                            relabelSingleClass: Bool = true, adaptInputShape: Bool = false) throws -> any Detector {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DetectorError(model: url.path, reason: "no such file")
        }
        if url.pathExtension == "f32" {
            var p = HOGPeopleDetector.Parameters()
            if let t = scoreThreshold { p.scoreThreshold = t }
            let label = relabelSingleClass ? labels?.first ?? "person" : "person"
            return try HOGPeopleDetector(contentsOf: url, parameters: p, label: label)
        }
        let session: Session
        do {
            session = try Session(contentsOf: url, options: Session.Options(threads: threads))
        } catch {
            throw DetectorError(model: url.path, reason: "cannot load: \(error)")
        }
        let outs = session.outputs.map(\.shape)
        let inShape = session.inputs.first?.shape ?? []
        if adapter != .yolo, outs.count == 2, inShape.count == 4, inShape[2] == inShape[3],
           let (a, r) = ssdShape(outs),
           var p = SSDDetector.Parameters.matching(inputSize: inShape[2], anchorCount: a, regressors: r) {
            if let t = scoreThreshold { p.scoreThreshold = t }
            if relabelSingleClass, let l = labels?.first { p.label = l }
            let reshape = adaptInputShape ? reshaping(url, input: session.inputs[0].name, threads: threads) : nil
            let parameters = p
            return try wrap(url) { try SSDDetector(session: session, parameters: parameters, reshape: reshape) }
        }
        if adapter != .ssdAnchors, outs.count == 1, inShape.count == 4,
           YOLODetector.Layout.of(outs[0], inputWidth: inShape[3], inputHeight: inShape[2]) != nil {
            return try wrap(url) {
                try YOLODetector(session: session, labels: labels ?? COCOLabels.all, scoreThreshold: scoreThreshold ?? 0.25)
            }
        }
        throw DetectorError(model: url.path, reason: "outputs \(outs.map { $0.map(String.init).joined(separator: "×") }) match no adapter (ssd-anchors: 1×A×(4+2K) and 1×A×1 with a MediaPipe anchor layout; yolo: 1×(4+C)×N or 1×N×(5+C) with YOLOv5's anchor count)")
    }

    /// Prepares the model at `url` again for a `width`×`height` input.
    private static func reshaping(_ url: URL, input: String, threads: Int) -> @Sendable (Int, Int) throws -> Session {
        { (width: Int, height: Int) throws -> Session in
            try Session(contentsOf: url, options: Session.Options(threads: threads, inputShapes: [input: [1, 3, height, width]]))
        }
    }

    /// The coefficient file of a HOG model directory.
    public static let hogCoefficients = "svm.f32"

    private static func ssdShape(_ outs: [[Int]]) -> (Int, Int)? {
        for (i, j) in [(0, 1), (1, 0)] where outs[i].count == 3 && outs[j] == [1, outs[i][1], 1] && outs[i][0] == 1 {
            return (outs[i][1], outs[i][2])
        }
        return nil
    }

    private static func wrap(_ url: URL, _ make: () throws -> any Detector) throws -> any Detector {
        do { return try make() } catch let e as DetectorError {
            throw DetectorError(model: url.path, reason: e.reason)
        }
    }
}
