import Detection
import Foundation
import Media
import Pipeline
import VigilCore

extension BenchSuite {
    /// `vigil bench hog VIDEO`: Vigil's `hog_people` beside OpenCV's `HOGDescriptor.detectMultiScale`
    /// (scripts/hog_reference.py, one thread each) on the same frames with the same upscale, pyramid step, stride
    /// and threshold, alternating which runs first; boxes compared; with `--truth`, the share of walkers found
    /// and where the box bottoms lie, for Vigil, OpenCV and the detectors of `--before`.
    static let hog = BenchSuite(
        name: "hog",
        usage: "VIDEO_OR_IMAGE [--truth CSV] [--frames a,b,…] [--rounds 3] [--upscale 2] [--scale 1.05] [--hit 0] [--before m1,m2|none] [--python /usr/bin/python3]",
        run: { arguments, progress in try HOGBench(arguments: arguments).run(progress) }
    )
}

/// The `hog` benchmark suite.
///
/// Thread safety: used from the command's thread only.
struct HOGBench {
    var input = ""
    var truthPath: String?
    var frameList: [Int] = []
    var rounds = 3
    var parameters = HOGPeopleDetector.Parameters()
    var before = ["blazeface_short_128", "blazepose_detector_224"]
    var python = "/usr/bin/python3"

    init(arguments: [String]) throws {
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < arguments.count else { throw BenchError("\(arguments[i - 1]) needs a value") }
            return arguments[i]
        }
        func number(_ ok: (Double) -> Bool) throws -> Double {
            let name = arguments[i]
            guard let v = Double(try value()), ok(v) else { throw BenchError("\(name): bad value '\(arguments[i])'") }
            return v
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--truth": truthPath = try value()
            case "--frames":
                frameList = try value().split(separator: ",").map {
                    guard let n = Int($0), n >= 0 else { throw BenchError("--frames: bad index '\($0)'") }
                    return n
                }
            case "--rounds": rounds = Int(try number { $0 >= 1 && $0 == $0.rounded() })
            case "--upscale": parameters.upscale = Float(try number { $0 > 0 && $0 <= 8 })
            case "--scale": parameters.scaleStep = try number { $0 > 1 && $0 < 4 }
            case "--hit": parameters.hitThreshold = Float(try number { $0.isFinite })
            case "--before": before = try value().split(separator: ",").map(String.init).filter { $0 != "none" }
            case "--python": python = try value()
            default:
                guard input.isEmpty, !arguments[i].hasPrefix("-") else { throw BenchError("unknown argument '\(arguments[i])'") }
                input = arguments[i]
            }
            i += 1
        }
        guard !input.isEmpty else { throw BenchError("hog needs a video or image (e.g. opencv-doc's vtest.avi)") }
    }

    func run(_ progress: (String) -> Void) throws -> [BenchFigure] {
        progress("load average at start: \(Self.loadAverage()) (2 cores; figures from a busy machine vary)")
        let truth = try truthPath.map(Walker.load) ?? []
        var wanted = frameList
        if wanted.isEmpty { wanted = truth.isEmpty ? [0, 100, 200, 300, 400, 500, 600, 700] : Array(Set(truth.map(\.frame))).sorted() }
        let frames = try BenchFrames(path: input, indices: wanted)
        progress("\(frames.buffers.count) frames of \(frames.width)×\(frames.height), upscale \(parameters.upscale), pyramid step \(parameters.scaleStep), stride 8, hit threshold \(parameters.hitThreshold), group threshold \(parameters.groupThreshold)")
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
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        vigilBoxes[k] = try vigil.detect(buffer, sourceWidth: frames.width, sourceHeight: frames.height)
                        vigilMs.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                    } else {
                        let (ms, boxes) = try reference.detect(k)
                        openCVMs.append(ms)
                        openCVBoxes[k] = boxes
                    }
                }
            }
            progress("round \(round + 1)/\(rounds) done, load average \(Self.loadAverage())")
        }
        var figures = timing(vigilMs, openCVMs, progress)
        figures += agreement(vigilBoxes, openCVBoxes, progress)
        if !truth.isEmpty {
            figures += try truthFigures(truth, frames: frames, windows: (vigilBoxes, openCVBoxes), progress)
        }
        progress("load average at end: \(Self.loadAverage())")
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

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
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
