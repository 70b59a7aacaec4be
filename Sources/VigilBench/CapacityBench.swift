import Analysis
import ArgumentParser
import CommandSupport
import Config
import Foundation
import Logging
import Pipeline
import Service
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// `vigil bench capacity URL[=LABEL] …`: how many live cameras of each stream one Vigil process analyses at
/// the asked rate with less than 1 % of frames dropped after warm-up, found by stepping the camera count
/// (doubling, then bisecting between the last count that held and the first that did not). Every trial runs
/// the daemon's own pipeline (ingest, decimation, scaling, motion, the default detectors gated by motion,
/// tracker, rules, alerts to /dev/null) and prints per camera the analysed fps, the dropped share and the CPU
/// time of each stage from the daemon's stage timers. Reference, same run: one ffmpeg CLI pull of each stream
/// doing the decode and scale part, against Vigil's decode + scale stages per camera; it runs before the search
/// for the first stream and after it for the next (alternating). `scripts/bench-capacity.sh` serves the
/// streams and runs it.
///
/// Thread safety: used from the command's thread only.
struct CapacityBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Cameras per stream at < 1 % drops (stepping the count), per-stage CPU per camera."
    )

    @OptionGroup var common: BenchOptions

    @Argument(help: "Stream URLs, each optionally =LABEL (scripts/bench-capacity.sh starts the servers).")
    var streams: [String]

    @Option(help: "Analysed frames per second per camera.")
    var fps = 10.0

    @Option(name: .customLong("settle"), help: "Seconds each trial runs before it is measured (connect, probe, warm-up).")
    var settle = 5.0

    @Option(help: "Seconds each trial is measured.")
    var seconds = 15.0

    @Option(name: .customLong("max"), help: "Most cameras tried.")
    var maxCameras = 16

    @Option(help: "Detectors, comma-separated, or none (motion only); default: the default detectors.")
    var model: String?

    @Option(name: .customLong("tracked-every"),
            help: "detect.tracked_every_n_frames of every camera (default: the config's default; 1: all motion every frame).")
    var trackedEvery: Int?

    @Option(name: .customLong("server-pid"), help: "A test server's process, whose CPU is printed beside each trial (repeatable).")
    var serverPIDs: [Int32] = []

    func validateSuite() throws {
        guard fps > 0, settle > 0, seconds > 0 else { throw ValidationError("--fps, --settle and --seconds need positive numbers") }
        guard maxCameras >= 1 else { throw ValidationError("--max needs a positive number") }
        if let t = trackedEvery, !(1...100).contains(t) { throw ValidationError("--tracked-every needs 1…100") }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        guard let ffmpeg = findExecutable("ffmpeg") else {
            throw UsageError(message: "bench capacity: the ffmpeg CLI (the reference) is not installed")
        }
        var options = CapacityOptions()
        options.streams = streams.map { a in
            let parts = a.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : URLRedaction.redact(parts[0]))
        }
        options.fps = fps; options.warmup = settle; options.seconds = seconds; options.maxCameras = maxCameras
        options.models = BenchDetectors.parse(model)
        options.serverPIDs = serverPIDs
        options.trackedEvery = trackedEvery
        var figures: [BenchFigure] = []
        for (n, stream) in options.streams.enumerated() {
            var reference: Double? = n % 2 == 0 ? try ffmpegDecodeScaleCPU(ffmpeg, stream.url, options, progress) : nil
            let (best, trials) = try searchCapacity(stream, options, progress)
            if reference == nil { reference = try ffmpegDecodeScaleCPU(ffmpeg, stream.url, options, progress) }
            progress(CapacityTrial.table(label: stream.label, trials: trials, best: best, options: options))
            figures.append(BenchFigure(
                name: "cameras at < 1 % drops (\(stream.label), \(options.modelTag), \(JSONValue.format(options.fps)) fps analysed)",
                value: Double(best?.cameras ?? 0), unit: "cameras", reference: "issue 16's goal (not measured)",
                referenceValue: 8, higherIsBetter: true))
            if let best, let reference {
                figures.append(BenchFigure(
                    name: "decode + scale CPU per camera at \(best.cameras) cameras (\(stream.label))",
                    value: best.stagePercent[0] + best.stagePercent[1], unit: "% of a core",
                    reference: "one ffmpeg -threads 1 pull: \(CapacityOptions.referenceFilter(options))",
                    referenceValue: reference, higherIsBetter: false))
            }
        }
        return figures
    }
}

/// What one capacity search runs.
///
/// Thread safety: a plain value.
struct CapacityOptions {
    var streams: [(url: String, label: String)] = []
    var fps = 10.0
    var warmup = 5.0
    var seconds = 15.0
    var maxCameras = 16
    var models: [String]? = nil
    /// `detect.tracked_every_n_frames` (nil: the config's default).
    var trackedEvery: Int? = nil
    /// The test servers' processes (their CPU is printed beside each trial).
    var serverPIDs: [Int32] = []
    /// The motion frame height (the daemon's default).
    var motionHeight = MotionConfig().frameHeight

    /// The reference's pixel work, as Vigil's: the analysed frames to grey at the motion height (area) and, with
    /// detectors, to RGB at most `detectHeight` (480) rows (bilinear).
    static func referenceFilter(_ o: CapacityOptions) -> String {
        let grey = "scale=-2:\(o.motionHeight):flags=area,format=gray"
        if o.models == [] { return "[0:v]fps=\(JSONValue.format(o.fps)),\(grey)[g]" }
        return "[0:v]fps=\(JSONValue.format(o.fps)),split[a][b];[a]\(grey)[g];[b]scale=-2:'min(480,ih)':flags=bilinear,format=rgb24[c]"
    }

    var modelTag: String {
        BenchDetectors.tag(models ?? DetectConfig.defaultModels)
    }
}

/// One trial: `cameras` cameras on one stream, measured after warm-up.
///
/// Thread safety: a plain value.
struct CapacityTrial {
    var cameras: Int
    /// Analysed frames per second per camera: the mean and the slowest camera's.
    var analysedFPS: Double, slowestFPS: Double
    var decodedFPS: Double
    /// Dropped ÷ (analysed + dropped), after warm-up, percent.
    var droppedPercent: Double
    /// Skipped frames the decoder did not decode at all, percent of the frames received.
    var notDecodedPercent: Double
    /// Per camera, percent of one core, in `StageTimes.Stage` order.
    var stagePercent: [Double]
    /// The whole process per camera, percent of one core.
    var processPercent: Double
    var serverPercent: Double?
    var futureDated: Int
    var camerasUp: Int
    var load: String
    /// Where detection looked and what it cost, per analysed frame.
    var profile = DetectionProfile()

    /// Less than 1 % dropped, every camera up, and the slowest within 10 % of the asked rate.
    func holds(fps: Double) -> Bool {
        camerasUp == cameras && droppedPercent < 1 && slowestFPS >= 0.9 * fps
    }

    var row: String {
        let stages = stagePercent.map { String(format: "%5.1f", $0) }.joined(separator: " ")
        return String(format: "%4d  %6.2f %6.2f  %6.1f  %6.2f%%  %5.1f%%  ", cameras, analysedFPS, slowestFPS, decodedFPS,
                      droppedPercent, notDecodedPercent)
            + stages + String(format: "  %6.1f", processPercent)
            + (serverPercent.map { String(format: "  %6.1f", $0) } ?? "       -")
            + "  \(futureDated)  load \(load)"
    }

    static func table(label: String, trials: [CapacityTrial], best: CapacityTrial?, options: CapacityOptions) -> String {
        let stages = StageTimes.Stage.allCases.map { String($0.name.prefix(5)).padding(toLength: 5, withPad: " ", startingAt: 0) }
        var lines = ["== \(label): \(options.modelTag), tracked_every_n_frames \(options.trackedEvery ?? DetectConfig().trackedEveryNFrames), \(JSONValue.format(options.fps)) fps asked, \(JSONValue.format(options.warmup)) s warm-up + \(JSONValue.format(options.seconds)) s measured per trial",
                     "cams  fps/cam slowest  dec/cam dropped  not-dec " + stages.joined(separator: " ")
                        + "  process  server  future  (CPU: % of one core per camera; server: whole server)"]
        for t in trials.sorted(by: { $0.cameras < $1.cameras }) {
            lines.append(t.row)
            if !t.profile.models.isEmpty { lines.append("      detection per analysed frame: " + t.profile.line) }
        }
        if let best {
            lines.append("\(label): \(best.cameras) camera(s) at < 1 % drops; per camera: "
                + zip(StageTimes.Stage.allCases, best.stagePercent).map { String(format: "%@ %.1f %%", $0.name, $1) }
                    .joined(separator: ", ")
                + String(format: " of a core (process %.1f %%)", best.processPercent))
        } else {
            lines.append("\(label): not even one camera held < 1 % drops at \(JSONValue.format(options.fps)) fps")
        }
        return lines.joined(separator: "\n")
    }
}

/// Counters of every camera summed, with the process and server CPU clocks, at one instant.
private struct CapacitySample {
    var time = MonotonicClock.seconds()
    var analysed = 0, dropped = 0, decoded = 0, notDecoded = 0, futureDated = 0, up = 0
    var perCameraAnalysed: [Int] = []
    var stages = [Double](repeating: 0, count: StageTimes.Stage.allCases.count)
    var processCPU = processCPUSeconds(RUSAGE_SELF)
    var serverCPU: Double?
    var detection = DetectionProfile()

    init(_ metrics: [CameraMetrics], serverPIDs: [Int32], cameras: [LiveCamera]) {
        detection = DetectionProfile(cameras)
        for m in metrics {
            let a = m.framesAnalyzed.load(ordering: .relaxed)
            analysed += a
            perCameraAnalysed.append(a)
            dropped += m.framesDropped.load(ordering: .relaxed)
            decoded += m.framesDecoded.load(ordering: .relaxed)
            notDecoded += m.framesNotDecoded.load(ordering: .relaxed)
            futureDated += m.framesFutureDated.load(ordering: .relaxed)
            up += m.framesDecoded.load(ordering: .relaxed) > 0 ? 1 : 0
            for (i, s) in m.stages.snapshot().enumerated() { stages[i] += s }
        }
        let cpu = serverPIDs.compactMap(processCPUSeconds(pid:))
        serverCPU = cpu.isEmpty ? nil : cpu.reduce(0, +)
    }
}

/// Steps the camera count on one stream: 1, 2, 4, … while the count holds (`CapacityTrial.holds`), then
/// bisects between the last count that held and the first that did not.
private func searchCapacity(_ stream: (url: String, label: String), _ options: CapacityOptions,
                            _ progress: (String) -> Void) throws -> (CapacityTrial?, [CapacityTrial]) {
    var trials: [CapacityTrial] = []
    var good: CapacityTrial? = nil
    var bad: Int? = nil
    func attempt(_ n: Int) throws -> Bool {
        let t = try runCapacityTrial(stream.url, cameras: n, options)
        trials.append(t)
        progress("\(stream.label): " + t.row + (t.holds(fps: options.fps) ? "  holds" : "  does not hold"))
        if t.holds(fps: options.fps) { good = t; return true }
        bad = n
        return false
    }
    var n = 1
    while n <= options.maxCameras, try attempt(n) { n *= 2 }
    if bad == nil, let g = good, g.cameras < options.maxCameras { _ = try attempt(options.maxCameras) }
    while let b = bad, b - (good?.cameras ?? 0) > 1 {
        _ = try attempt(((good?.cameras ?? 0) + b) / 2)
    }
    return (good, trials)
}

/// Runs `cameras` cameras on `url` through the daemon: `warmup` seconds, then `seconds` measured.
private func runCapacityTrial(_ url: String, cameras: Int, _ options: CapacityOptions) throws -> CapacityTrial {
    var config = VigilConfig()
    config.alerts.path = "/dev/null"
    config.snapshots.enabled = false
    config.cameras = (1...cameras).map { n in
        var c = CameraConfig(name: "cam\(n)", url: url)
        c.detect.fps = options.fps
        if let models = options.models { c.detect.models = models }
        if let t = options.trackedEvery { c.detect.trackedEveryNFrames = t }
        c.motion = config.motion
        c.tamper = config.tamper
        return c
    }
    let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    let daemon = try Daemon(configPath: "<bench>", config: config, logger: quiet,
                            notifier: SystemdNotifier(environment: [:]))
    try daemon.start()
    defer { _ = daemon.stop() }
    usleep(UInt32(options.warmup * 1e6))
    let metrics = daemon.cameraMetrics.sorted { $0.key < $1.key }.map(\.value)
    let cams = daemon.cameraMetrics.keys.sorted().compactMap { daemon.camera(named: $0) }
    let a = CapacitySample(metrics, serverPIDs: options.serverPIDs, cameras: cams)
    usleep(UInt32(options.seconds * 1e6))
    let b = CapacitySample(metrics, serverPIDs: options.serverPIDs, cameras: cams)
    let wall = b.time - a.time, n = Double(cameras)
    let analysed = b.analysed - a.analysed, dropped = b.dropped - a.dropped
    let received = (b.decoded - a.decoded) + (b.notDecoded - a.notDecoded)
    let slowest = zip(a.perCameraAnalysed, b.perCameraAnalysed).map { $1 - $0 }.min() ?? 0
    return CapacityTrial(
        cameras: cameras, analysedFPS: Double(analysed) / wall / n, slowestFPS: Double(slowest) / wall,
        decodedFPS: Double(b.decoded - a.decoded) / wall / n,
        droppedPercent: analysed + dropped > 0 ? 100 * Double(dropped) / Double(analysed + dropped) : 100,
        notDecodedPercent: received > 0 ? 100 * Double(b.notDecoded - a.notDecoded) / Double(received) : 0,
        stagePercent: zip(a.stages, b.stages).map { 100 * ($1 - $0) / wall / n },
        processPercent: 100 * (b.processCPU - a.processCPU) / wall / n,
        serverPercent: zip2(a.serverCPU, b.serverCPU).map { 100 * ($1 - $0) / wall },
        futureDated: b.futureDated - a.futureDated, camerasUp: b.up, load: String(format: "%.1f", MachineLoad.read().oneMinute),
        profile: b.detection.since(a.detection, analysed: analysed))
}

private func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

/// CPU percent of one core of one ffmpeg CLI pull of `url` decoding and scaling at the asked rate, over the
/// trial's length (`warmup` + `seconds`; its start-up included, as in Vigil's warm-up).
private func ffmpegDecodeScaleCPU(_ ffmpeg: String, _ url: String, _ options: CapacityOptions,
                                  _ progress: (String) -> Void) throws -> Double {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: ffmpeg)
    var a = ["-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1"]
    if url.lowercased().hasPrefix("rtsp") { a += ["-rtsp_transport", "tcp"] }
    a += ["-i", url, "-an", "-sn", "-dn", "-filter_complex", CapacityOptions.referenceFilter(options), "-map", "[g]", "-f", "null", "-"]
    if options.models != [] { a += ["-map", "[c]", "-f", "null", "-"] }
    p.arguments = a
    p.standardError = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    let cpu0 = processCPUSeconds(RUSAGE_CHILDREN), t0 = MonotonicClock.seconds()
    try p.run()
    usleep(UInt32((options.warmup + options.seconds) * 1e6))
    kill(p.processIdentifier, SIGINT)
    p.waitUntilExit()
    let cpu = 100 * (processCPUSeconds(RUSAGE_CHILDREN) - cpu0) / (MonotonicClock.seconds() - t0)
    progress(String(format: "ffmpeg reference on %@: %.1f %% of a core (load %@)", URLRedaction.redact(url), cpu, MachineLoad.read().description))
    return cpu
}

/// User + system CPU seconds of process `pid` (/proc/PID/stat), nil when unreadable.
func processCPUSeconds(pid: Int32) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return nil }
    let fields = text[text.index(after: close)...].split(separator: " ")
    // After the command: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
    guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return nil }
    return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Where detection looked and what it cost (every camera summed; banks shared by cameras counted once), and —
/// as a difference of two samples — per analysed frame: the passes by kind, and per model the inferences, their
/// CPU time, the model input's pixels and the searched regions' side. Robust to the machine's load (counts, and
/// CPU time of the inference threads), unlike the camera count.
///
/// Thread safety: a plain value.
struct DetectionProfile {
    var analysed = 0
    var full = 0, regionPasses = 0, still = 0, regions = 0, tracked = 0
    var models: [(name: String, usage: ModelUsage.Totals)] = []

    init() {}

    init(_ cameras: [LiveCamera]) {
        var banks: [ObjectIdentifier: DetectorBank] = [:]
        for c in cameras {
            if let s = c.detectionStats {
                full += s.fullFramePasses; regionPasses += s.regionPasses; still += s.noMotionFrames
                regions += s.regionsSearched; tracked += s.trackedFrames
            }
            if let b = c.detectors { banks[ObjectIdentifier(b)] = b }
        }
        var byName: [String: ModelUsage.Totals] = [:]
        var order: [String] = []
        for b in banks.values.sorted(by: { $0.models[0].name < $1.models[0].name }) {
            for (m, u) in zip(b.models, b.usage) {
                if byName[m.name] == nil { order.append(m.name); byName[m.name] = ModelUsage.Totals() }
                let t = u.totals
                byName[m.name]!.inferences += t.inferences; byName[m.name]!.fullFrame += t.fullFrame
                byName[m.name]!.cpuNanoseconds += t.cpuNanoseconds; byName[m.name]!.regionSides += t.regionSides
                byName[m.name]!.inputPixels += t.inputPixels
            }
        }
        models = order.map { ($0, byName[$0]!) }
    }

    /// `self − earlier`, with `analysed` frames analysed in between.
    func since(_ earlier: DetectionProfile, analysed: Int) -> DetectionProfile {
        var d = DetectionProfile()
        d.analysed = analysed
        d.full = full - earlier.full; d.regionPasses = regionPasses - earlier.regionPasses
        d.still = still - earlier.still; d.regions = regions - earlier.regions; d.tracked = tracked - earlier.tracked
        d.models = models.map { m in
            (m.name, m.usage.since(earlier.models.first { $0.name == m.name }?.usage ?? ModelUsage.Totals()))
        }
        return d
    }

    var line: String {
        guard analysed > 0 else { return "no analysed frames" }
        let a = Double(analysed)
        var parts = [String(format: "full-frame passes %.2f, region passes %.2f (%.2f regions each), no motion %.2f, held by tracks %.2f",
                            Double(full) / a, Double(regionPasses) / a,
                            regionPasses > 0 ? Double(regions) / Double(regionPasses) : 0, Double(still) / a,
                            Double(tracked) / a)]
        for (name, u) in models where u.inferences > 0 {
            let n = Double(u.inferences), inRegions = u.inferences - u.fullFrame
            parts.append(String(format: "%@ %.2f inferences (%.2f full-frame) × %.2f ms CPU = %.2f ms, input %.0f px",
                                name, n / a, Double(u.fullFrame) / a, Double(u.cpuNanoseconds) / n / 1e6,
                                Double(u.cpuNanoseconds) / a / 1e6, Double(u.inputPixels) / n)
                + (inRegions > 0 ? String(format: ", region side %.0f px", Double(u.regionSides) / Double(inRegions)) : ""))
        }
        return parts.joined(separator: "; ")
    }
}
