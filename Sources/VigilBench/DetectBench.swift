import Analysis
import ArgumentParser
import Config
import Detection
import Foundation
import Media
import Motion
import Pipeline
import VigilCore

/// `vigil bench detect CLIP`: the detection chain (decode, motion, detector, tracker) on a clip, motion-gated
/// beside every frame in the same run: CPU seconds, inferences, fps, per-frame latency from decoded frame to
/// detections (p50/p99), and whether both found the same tracks; then fps gated vs every frame per model.
///
/// Thread safety: used from the command's thread only.
struct DetectBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "The detection chain on a clip, motion-gated beside every frame: CPU, inferences, fps, latency."
    )

    @OptionGroup var common: BenchOptions

    @Argument(help: "A clip (samples/make_samples.sh --detect makes samples/out/face-720p.mp4).")
    var clip: String

    @Option(help: "A config whose detect, track, motion and decoder settings are used.")
    var config: String?

    @Option(help: "Detectors, comma-separated (default: the config's, else blazeface_short_128).")
    var models: String?

    @Option(name: .customLong("per-model"), help: "Models timed one by one, comma-separated, or none.")
    var perModel = "blazeface_short_128,blazeface_full_192,blazepose_detector_224"

    @Option(name: .customLong("max-in-flight"), help: "Inference slots (1…256; default: the config's).")
    var maxInFlight: Int?

    func validateSuite() throws {
        if let maxInFlight, !(1...256).contains(maxInFlight) { throw ValidationError("--max-in-flight needs 1…256") }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        guard FileManager.default.fileExists(atPath: clip) else { throw BenchError("\(clip): no such file") }
        let run = DetectBenchRun(clip: clip, config: try config.map { try ConfigLoader.load(path: $0) } ?? VigilConfig(),
                                 models: models.map { $0.split(separator: ",").map(String.init) },
                                 perModel: perModel == "none" ? [] : perModel.split(separator: ",").map(String.init),
                                 maxInFlight: maxInFlight)
        return try run.run(progress)
    }
}

/// One `detect` benchmark: the chain on the clip, gated and not, then per model.
///
/// Thread safety: used from the command's thread only.
struct DetectBenchRun {
    var clip: String
    var config: VigilConfig
    var models: [String]?
    var perModel: [String]
    var maxInFlight: Int?

    /// What one pass over the clip measured.
    struct Run {
        var cpuSeconds = 0.0
        var wallSeconds = 0.0
        var frames = 0
        var inferences = 0
        var latencies: [Double] = []
        /// `object_enter` alerts as `label#track_id@frame`.
        var tracks: [String] = []
        var fps: Double { wallSeconds > 0 ? Double(frames) / wallSeconds : 0 }
        func latency(_ q: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let s = latencies.sorted()
            return s[min(s.count - 1, Int((q * Double(s.count - 1)).rounded()))]
        }
    }

    func run(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let modelsDirectory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["VIGIL_MODELS"] ?? "samples/models")
        let pool = InferencePool(maxInFlight: maxInFlight ?? config.detect.maxInFlight)
        var detect = config.detect
        if let models { detect.model = nil; detect.models = models }
        if detect.modelNames.isEmpty { detect.models = ["blazeface_short_128"] }
        var figures: [BenchFigure] = []
        let bank = try DetectorBank.load(detect: DetectionSettings(detect), modelsDirectory: modelsDirectory, pool: pool)
        let label = detect.modelNames.joined(separator: "+")
        progress("detect: \(clip), models \(label), \(pool.capacity) inference slots")
        var everyConfig = detect
        everyConfig.motionGating = false
        let baseline = try pass(detect, bank: nil, progress)
        let gated = try pass(detect, bank: bank, progress)
        let every = try pass(everyConfig, bank: bank, progress)
        let same = gated.tracks.map { $0.split(separator: "@")[0] } == every.tracks.map { $0.split(separator: "@")[0] }
        progress("tracks gated:       \(gated.tracks.joined(separator: " "))")
        progress("tracks every frame: \(every.tracks.joined(separator: " "))")
        let p50 = pool.stats.latency.quantile(0.5).map { JSONValue.format(JSONValue.rounded($0 * 1000, places: 2)) } ?? "-"
        progress("per inference (both runs, pool histogram): p50 ≈ \(p50) ms, \(pool.stats.waits) waits, peak \(pool.stats.peakInFlight) in flight")
        let ref = "every frame"
        figures += [
            BenchFigure(name: "detect_cpu_seconds[\(label)]", value: gated.cpuSeconds, unit: "s", reference: ref,
                        referenceValue: every.cpuSeconds, higherIsBetter: false),
            // the detection stage's own share: the chain's CPU less that of the same chain without a detector
            BenchFigure(name: "detect_detector_cpu_seconds[\(label)]", value: max(0, gated.cpuSeconds - baseline.cpuSeconds),
                        unit: "s", reference: ref, referenceValue: max(0, every.cpuSeconds - baseline.cpuSeconds),
                        higherIsBetter: false),
            BenchFigure(name: "detect_inferences[\(label)]", value: Double(gated.inferences), unit: "inferences",
                        reference: ref, referenceValue: Double(every.inferences), higherIsBetter: false),
            BenchFigure(name: "detect_fps[\(label)]", value: gated.fps, unit: "fps", reference: ref,
                        referenceValue: every.fps, higherIsBetter: true),
            BenchFigure(name: "detect_latency_p50[\(label)]", value: gated.latency(0.5) * 1000, unit: "ms",
                        reference: ref, referenceValue: every.latency(0.5) * 1000, higherIsBetter: false),
            BenchFigure(name: "detect_latency_p99[\(label)]", value: gated.latency(0.99) * 1000, unit: "ms",
                        reference: ref, referenceValue: every.latency(0.99) * 1000, higherIsBetter: false),
            BenchFigure(name: "detect_tracks[\(label)]", value: Double(gated.tracks.count), unit: same ? "tracks (same)" : "tracks (differ)",
                        reference: ref, referenceValue: Double(every.tracks.count), higherIsBetter: true),
        ]
        for name in perModel {
            var one = detect
            one.model = nil
            one.models = [name]
            let b = try DetectorBank.load(detect: DetectionSettings(one), modelsDirectory: modelsDirectory, pool: pool)
            var off = one
            off.motionGating = false
            let g = try pass(one, bank: b, progress), e = try pass(off, bank: b, progress)
            figures.append(BenchFigure(name: "detect_fps[\(name)]", value: g.fps, unit: "fps", reference: ref,
                                       referenceValue: e.fps, higherIsBetter: true))
        }
        return figures
    }

    /// One pass over the clip with `detect` (gated or not) on `bank`; without a bank, the same chain with no
    /// detector (decode, RGB scaling, motion: the baseline).
    func pass(_ detect: DetectConfig, bank: DetectorBank?, _ progress: (String) -> Void) throws -> Run {
        var options = SourceOptions()
        options.threads = config.decoder.threads
        options.analysisHeight = config.motion.frameHeight
        let source = try VideoSource(url: clip, options: options)
        let (rw, rh) = VideoSource.analysisSize(width: source.info.width, height: source.info.height, targetHeight: 480)
        let gray = PixelBuffer(width: source.analysisWidth, height: source.analysisHeight, format: .gray8)
        let rgb = PixelBuffer(width: rw, height: rh, format: .rgb24)
        let camera = CameraID("bench")
        let clock = AlertClock.media(start: 0)
        let motion = MotionStage(camera: camera, clock: clock, config: config.motion)
        let stage = bank.map { DetectionStage(detectors: $0, camera: camera, clock: clock, detect: DetectionSettings(detect),
                                                    track: config.track) }
        var run = Run()
        run.latencies.reserveCapacity(4096)
        let inferences0 = bank?.pool.stats.inferences ?? 0
        let cpu0 = processCPUSeconds(RUSAGE_SELF), wall0 = MonotonicClock.seconds()
        while let d = try source.next(into: gray, rgb: rgb) {
            let t0 = MonotonicClock.seconds()
            var frame = Frame(camera: camera, index: d.index, mediaTime: d.mediaTime, sourceWidth: d.sourceWidth,
                              sourceHeight: d.sourceHeight, gray: gray)
            frame.rgb = rgb
            _ = motion.analyze(frame)
            for a in try stage?.analyze(rgb: rgb, frame: d.index, mediaTime: d.mediaTime, sourceWidth: d.sourceWidth,
                                        sourceHeight: d.sourceHeight, motion: motion.lastResult).enters ?? [] {
                run.tracks.append("\(a.label ?? "?")#\(a.trackID ?? 0)@\(a.frame)")
            }
            run.latencies.append(MonotonicClock.seconds() - t0)
            run.frames += 1
        }
        _ = stage?.finish()
        run.wallSeconds = MonotonicClock.seconds() - wall0
        run.cpuSeconds = processCPUSeconds(RUSAGE_SELF) - cpu0
        run.inferences = (bank?.pool.stats.inferences ?? 0) - inferences0
        guard let s = stage?.stats else {
            progress("  no detector: \(run.frames) frames, \(JSONValue.format(JSONValue.rounded(run.cpuSeconds, places: 2))) CPU s")
            return run
        }
        progress("  \(detect.motionGating ? "gated" : "every frame"): \(run.frames) frames, \(run.inferences) inferences "
            + "(\(s.fullFramePasses) full-frame passes, \(s.regionPasses) region passes / \(s.regionsSearched) regions, "
            + "\(s.noMotionFrames) frames without motion, \(s.trackedFrames) held by tracks), \(JSONValue.format(JSONValue.rounded(run.cpuSeconds, places: 2))) CPU s, "
            + "\(JSONValue.format(JSONValue.rounded(run.fps, places: 1))) fps")
        return run
    }
}
