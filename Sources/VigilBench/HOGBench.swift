import Analysis
import ArgumentParser
import Detection
import Foundation
import Media
import Pipeline
import VigilCore

/// `vigil bench hog VIDEO`: Vigil's `hog_people` beside OpenCV's `HOGDescriptor.detectMultiScale`
/// (scripts/hog_reference.py, one thread each) on the same frames with the same upscale, pyramid step, stride
/// and threshold, alternating which runs first; boxes compared; with `--truth`, the share of walkers found
/// and where the box bottoms lie, for Vigil, OpenCV and the detectors of `--before`.
///
/// Thread safety: used from the command's thread only.
struct HOGBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "hog",
        abstract: "hog_people beside OpenCV's HOGDescriptor on the same frames; with --truth, walkers found."
    )
    static var shared: BenchOptions.Uses { [.rounds] }

    @OptionGroup var common: BenchOptions

    @Argument(help: "A video or image (e.g. opencv-doc's vtest.avi).")
    var input: String

    @Option(help: "Ground truth CSV (frame,x1,y1,x2,y2), e.g. samples/groundtruth/vtest_walkers.csv.")
    var truth: String?

    @Option(help: "Frame indices, comma-separated (default: the truth's frames, else every 100th up to 700).")
    var frames: String?

    @Option(help: "Pyramid upscale of the frame (0…8).")
    var upscale: Float = HOGPeopleDetector.Parameters().upscale

    @Option(help: "Pyramid step (1…4).")
    var scale: Double = HOGPeopleDetector.Parameters().scaleStep

    @Option(help: "SVM hit threshold.")
    var hit: Float = HOGPeopleDetector.Parameters().hitThreshold

    @Option(help: "Detectors compared against the truth too, comma-separated, or none.")
    var before = "blazeface_short_128,blazepose_detector_224"

    @Option(help: "Python with OpenCV (Debian python3-opencv).")
    var python = "/usr/bin/python3"

    func validateSuite() throws {
        guard upscale > 0, upscale <= 8 else { throw ValidationError("--upscale: bad value '\(upscale)'") }
        guard scale > 1, scale < 4 else { throw ValidationError("--scale: bad value '\(scale)'") }
        guard hit.isFinite else { throw ValidationError("--hit: bad value '\(hit)'") }
        _ = try frameList()
    }

    func frameList() throws -> [Int] {
        try (frames ?? "").split(separator: ",").map {
            guard let n = Int($0), n >= 0 else { throw ValidationError("--frames: bad index '\($0)'") }
            return n
        }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        var parameters = HOGPeopleDetector.Parameters()
        parameters.upscale = upscale
        parameters.scaleStep = scale
        parameters.hitThreshold = hit
        let run = HOGBenchRun(input: input, truthPath: truth, frameList: try frameList(), rounds: common.rounds ?? 3,
                              parameters: parameters, before: before.split(separator: ",").map(String.init).filter { $0 != "none" },
                              python: python)
        return try run.run(progress)
    }
}

/// One `hog` benchmark run.
///
/// Thread safety: used from the command's thread only.
struct HOGBenchRun {
    var input: String
    var truthPath: String?
    var frameList: [Int]
    var rounds: Int
    var parameters: HOGPeopleDetector.Parameters
    var before: [String]
    var python: String

    func run(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let truth = try truthPath.map(Walker.load) ?? []
        var wanted = frameList
        if wanted.isEmpty { wanted = truth.isEmpty ? [0, 100, 200, 300, 400, 500, 600, 700] : Array(Set(truth.map(\.frame))).sorted() }
        let frames = try BenchFrames(path: input, indices: wanted)
        progress("\(frames.buffers.count) frames of \(frames.width)×\(frames.height), upscale \(parameters.upscale), pyramid step \(parameters.scaleStep), stride 8, hit threshold \(parameters.hitThreshold), group threshold \(parameters.groupThreshold), \(HOGPeopleDetector.kernelBody) kernels")
        var windowParameters = parameters
        windowParameters.marginX = 0; windowParameters.marginY = 0  // OpenCV's windows, for the comparison
        let url = DetectorLoader.resolve("hog_people", modelsDirectory: ModelLocator.directory())
        let vigil = try HOGPeopleDetector(contentsOf: url, parameters: windowParameters)
        let reference = try HOGReference(python: python, frames: frames, parameters: parameters)
        defer { reference.stop() }
        var vigilMs: [Double] = [], openCVMs: [Double] = []
        var vigilBoxes = [[Detection]](repeating: [], count: frames.buffers.count)
        var openCVBoxes = [[Detection]](repeating: [], count: frames.buffers.count)
        for round in 0..<rounds {
            for (k, buffer) in frames.buffers.enumerated() {
                for side in (round + k) % 2 == 0 ? [0, 1] : [1, 0] {
                    if side == 0 {
                        let t0 = MonotonicClock.nanoseconds()
                        vigilBoxes[k] = try vigil.detect(buffer, sourceWidth: frames.width, sourceHeight: frames.height)
                        vigilMs.append(Double(MonotonicClock.nanoseconds() - t0) / 1e6)
                    } else {
                        let (ms, boxes) = try reference.detect(k)
                        openCVMs.append(ms)
                        openCVBoxes[k] = boxes
                    }
                }
            }
            progress("round \(round + 1)/\(rounds) done, load average \(MachineLoad.read())")
        }
        var figures = timing(vigilMs, openCVMs, progress)
        figures += agreement(vigilBoxes, openCVBoxes, progress)
        if !truth.isEmpty {
            figures += try truthFigures(truth, frames: frames, windows: (vigilBoxes, openCVBoxes), progress)
        }
        return figures
    }

    private func timing(_ v: [Double], _ o: [Double], _ progress: (String) -> Void) -> [BenchFigure] {
        let sv = Spread(v), so = Spread(o)
        progress("per frame, ms: Vigil median \(sv.text), OpenCV median \(so.text) (p10–p90; \(v.count) runs each, alternating which runs first)")
        return [BenchFigure(name: "hog_people per frame (median of \(v.count))", value: sv.median, unit: "ms",
                            reference: "OpenCV 4.6 detectMultiScale, 1 thread", referenceValue: so.median,
                            higherIsBetter: false)]
    }

    private func agreement(_ v: [[Detection]], _ o: [[Detection]], _ progress: (String) -> Void) -> [BenchFigure] {
        var pairs: [(Float, Float)] = []
        var nv = 0, no = 0
        for (a, b) in zip(v, o) {
            nv += a.count; no += b.count
            for (i, j) in Matching.greedy(a.map(\.box), b.map(\.box), minIoU: 0.5) {
                pairs.append((Self.margin(a[i].score), Self.margin(b[j].score)))
            }
        }
        let r = Self.pearson(pairs)
        progress("boxes: Vigil \(nv), OpenCV \(no), matched at IoU ≥ 0.5: \(pairs.count); SVM-margin correlation of the matched pairs \(String(format: "%.3f", r))")
        return [BenchFigure(name: "OpenCV's boxes matched by Vigil's at IoU ≥ 0.5", value: Double(pairs.count), unit: "boxes",
                            reference: "OpenCV's boxes", referenceValue: Double(no), higherIsBetter: true),
                BenchFigure(name: "Vigil's boxes matched by OpenCV's at IoU ≥ 0.5", value: Double(pairs.count), unit: "boxes",
                            reference: "Vigil's boxes", referenceValue: Double(nv), higherIsBetter: true),
                BenchFigure(name: "SVM-margin correlation of matched boxes", value: r, unit: "r",
                            reference: "identical margins", referenceValue: 1, higherIsBetter: true)]
    }

    /// Found walkers and box bottoms for Vigil's hog_people (person boxes), OpenCV's windows less the same
    /// margin, and the `--before` detectors.
    private func truthFigures(_ truth: [Walker], frames: BenchFrames, windows: ([[Detection]], [[Detection]]),
                              _ progress: (String) -> Void) throws -> [BenchFigure] {
        let inset = { (d: Detection) -> Detection in
            var d = d
            let mx = d.box.width * parameters.marginX, my = d.box.height * parameters.marginY
            d.box = Box(x1: d.box.x1 + mx, y1: d.box.y1 + my, x2: d.box.x2 - mx, y2: d.box.y2 - my)
            return d
        }
        let vigil = WalkerScore(truth, frames: frames.indices, detections: windows.0.map { $0.map(inset) })
        let openCV = WalkerScore(truth, frames: frames.indices, detections: windows.1.map { $0.map(inset) })
        progress("ground truth \(truthPath ?? ""): \(truth.count) isolated walkers on \(Set(truth.map(\.frame)).count) frames")
        progress("hog_people: \(vigil.text)")
        progress("OpenCV HOG: \(openCV.text)")
        var figures = [
            BenchFigure(name: "walkers found, hog_people", value: vigil.foundShare * 100, unit: "%",
                        reference: "OpenCV HOG, same frames", referenceValue: openCV.foundShare * 100, higherIsBetter: true),
            BenchFigure(name: "found walkers with the box bottom within 20 % of their height of the feet, hog_people",
                        value: vigil.feetShare * 100, unit: "%", reference: "OpenCV HOG", referenceValue: openCV.feetShare * 100,
                        higherIsBetter: true),
        ]
        if !before.isEmpty {
            let dir = ModelLocator.directory()
            let models = try before.map {
                try DetectorLoader.load(DetectorLoader.resolve($0, modelsDirectory: dir), threads: 1, relabelSingleClass: false)
            }
            let found = try frames.buffers.map { b in
                DetectionStage.mergeAcrossJobs(try models.flatMap { try $0.detect(b, sourceWidth: frames.width, sourceHeight: frames.height) })
            }
            let old = WalkerScore(truth, frames: frames.indices, detections: found)
            progress("before (\(before.joined(separator: " + "))): \(old.text)")
            figures.append(BenchFigure(name: "walkers found, hog_people", value: vigil.foundShare * 100, unit: "%",
                                       reference: "before: \(before.joined(separator: " + "))", referenceValue: old.foundShare * 100,
                                       higherIsBetter: true))
        }
        return figures
    }

    static func margin(_ score: Float) -> Float { log(score / (1 - score)) }

    static func pearson(_ p: [(Float, Float)]) -> Double {
        guard p.count > 1 else { return 0 }
        let n = Double(p.count)
        let mx = p.reduce(0) { $0 + Double($1.0) } / n, my = p.reduce(0) { $0 + Double($1.1) } / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (x, y) in p {
            let dx = Double(x) - mx, dy = Double(y) - my
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }
}

/// Median and p10–p90 of a set of times.
struct Spread {
    var median: Double, p10: Double, p90: Double
    init(_ v: [Double]) {
        let s = v.sorted()
        func q(_ f: Double) -> Double { s.isEmpty ? 0 : s[min(s.count - 1, Int(f * Double(s.count - 1) + 0.5))] }
        median = q(0.5); p10 = q(0.1); p90 = q(0.9)
    }
    var text: String { String(format: "%.1f (%.1f–%.1f)", median, p10, p90) }
}

/// Greedy one-to-one matching of two box lists by IoU, best pairs first.
enum Matching {
    static func greedy(_ a: [Box], _ b: [Box], minIoU: Float) -> [(Int, Int)] {
        var cands: [(Float, Int, Int)] = []
        for (i, x) in a.enumerated() {
            for (j, y) in b.enumerated() where x.iou(y) >= minIoU { cands.append((x.iou(y), i, j)) }
        }
        cands.sort { $0.0 > $1.0 }
        var usedA = Set<Int>(), usedB = Set<Int>(), out: [(Int, Int)] = []
        for (_, i, j) in cands where !usedA.contains(i) && !usedB.contains(j) {
            usedA.insert(i); usedB.insert(j); out.append((i, j))
        }
        return out
    }
}
