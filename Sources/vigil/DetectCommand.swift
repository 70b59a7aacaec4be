import Analysis
import ArgumentParser
import CommandSupport
import Config
import Detection
import Foundation
import Media
import Pipeline
import VigilCore

/// `vigil detect IMAGE_OR_VIDEO`: runs a detector on one frame and prints its detections as JSON lines.
struct DetectCommand: RunsKernels {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Run an object detector on one image or video frame; print detections as JSON lines.",
        discussion: """
        One line per detection: {"frame":N,"label":…,"score":…,"box":[x1,y1,x2,y2]} in source pixels, best \
        score first, then "details" when the detector saw more (a person's head_box and keypoints, its face's \
        face_score and face_box: a face inside a person's box is that person's, not a second object). --model \
        takes a shipped model name (blazeface_short_128, blazeface_full_192, blazepose_detector_224, hog_people, \
        looked up in $VIGIL_MODELS, else share/vigil/models beside the binary, else samples/models), a model \
        directory, an .onnx file or a HOG .f32 coefficient file; the adapter (ssd-anchors or yolo) follows from \
        an ONNX model's outputs. Without --model: the config's detect.model or detect.models (detections of \
        several models merged), else the default set (\(DetectConfig.defaultModels.joined(separator: ", "))). A \
        config opened here needs no camera's ${VARIABLE}.
        Exit status: 66 when the input is missing, 78 for a model that is missing, unreadable or matches no \
        adapter, 65 when the frame cannot be decoded.
        """
    )

    @Argument(help: "Image or video file (anything FFmpeg reads).")
    var input: String

    @Option(help: "YAML config (its detect: section gives the model, labels and thresholds).")
    var config: String?

    @Option(help: "Model name, directory or .onnx file.")
    var model: String?

    @Option(help: "Frame index to analyse in a video (from 0).")
    var frame: Int = 0

    @Option(help: "Lowest score reported (default: the adapter's threshold).")
    var minScore: Float?

    @Option(help: "Threads for inference.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Write the frame with boxes, labels and scores drawn (JPEG).")
    var annotate: String?

    func validate() throws {
        if frame < 0 { throw ValidationError("--frame must not be negative") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let minScore, !(0...1).contains(minScore) { throw ValidationError("--min-score must be in 0...1") }
    }

    func run() throws {
        try reportingErrors {
            var detect = DetectConfig()
            if let config { detect = try ConfigLoader.load(path: config, opensCameras: false).detect }
            let names = model.map { [$0] } ?? detect.modelNames
            if names.isEmpty {
                throw UsageError(message: "\(config ?? "the config"): detect.models is empty (motion only): no detector to run; give --model")
            }
            let dir = ModelLocator.directory()
            let detectors = try names.map {
                try DetectorLoader.load(DetectorLoader.resolve($0, modelsDirectory: dir), labels: detect.labelNames,
                                        scoreThreshold: minScore ?? detect.minScore, threads: threads,
                                        relabelSingleClass: names.count == 1)
            }
            try requireInputExists(input)
            var options = SourceOptions()
            options.analysisHeight = 1 << 20  // full resolution: the detector letterboxes from it
            let source = try VideoSource(url: input, options: options)
            let buffer = PixelBuffer(width: source.analysisWidth, height: source.analysisHeight, format: .rgb24)
            var decoded: DecodedFrame? = nil
            while let f = try source.next(into: buffer, scaling: { _ in true }) {
                if f.index == frame { decoded = f; break }
            }
            guard let decoded else {
                throw UsageError(message: "\(input): has no frame \(frame)")
            }
            let all = try detectors.flatMap {
                try $0.detect(buffer, sourceWidth: decoded.sourceWidth, sourceHeight: decoded.sourceHeight)
            }
            let found = PersonFaceFusion.fuse((detectors.count > 1 ? DetectionStage.mergeAcrossJobs(all) : all)
                .filter { [filters = DetectionSettings(detect)] in
                    filters.accepts(label: $0.label, score: $0.score, width: $0.box.width, height: $0.box.height,
                                   frameWidth: decoded.sourceWidth, frameHeight: decoded.sourceHeight)
                })
            for d in found {
                print(DetectCommand.jsonLine(frame: frame, d))
            }
            if let annotate {
                let scale = (x: Float(buffer.width) / Float(decoded.sourceWidth), y: Float(buffer.height) / Float(decoded.sourceHeight))
                let boxes = found.map { d in
                    (box: d.box.scaled(x: scale.x, y: scale.y), text: "\(d.label) \(String(format: "%.2f", d.score))")
                }
                FrameAnnotator.draw(boxes, on: buffer)
                try ImageWriter.writeJPEG(buffer, to: annotate)
            }
        }
    }

    static func jsonLine(frame: Int, _ d: Detection) -> String {
        func r(_ v: Float) -> String { String(format: "%.1f", v) }
        let label = d.label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let details = d.parts.map(\.details).flatMap { $0.isEmpty ? nil : JSONValue.object($0).serialized() }
        return "{\"frame\":\(frame),\"label\":\"\(label)\",\"score\":\(String(format: "%.4f", d.score)),"
            + "\"box\":[\(r(d.box.x1)),\(r(d.box.y1)),\(r(d.box.x2)),\(r(d.box.y2))]"
            + (details.map { ",\"details\":\($0)" } ?? "") + "}"
    }
}
