import Analysis
import ArgumentParser
import CommandSupport
import Config
import Foundation
import Logging
import Media
import Pipeline
import Service
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// `vigil bench pipeline URL`: N live cameras pulling URL through the daemon's pipeline (ingest thread,
/// decimation to `--fps`, scaling, drop-oldest ring, motion analysis), against N ffmpeg CLI processes
/// pulling the same stream and doing the same pixel work (`-vf fps=F,scale=-2:H:flags=area,format=gray`),
/// over the same wall time, in the same run.
///
/// Thread safety: used from the command's thread only.
struct PipelineBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "CPU, analysed fps and RSS per live camera beside N ffmpeg CLI pulls of the same stream."
    )

    @OptionGroup var common: BenchOptions

    @Argument(help: "A stream URL (scripts/bench-pipeline.sh starts a server).")
    var url: String

    @Option(help: "Live cameras on the URL.")
    var cameras = 1

    @Option(help: "Seconds each side runs.")
    var seconds = 10.0

    @Option(help: "Analysed frames per second per camera.")
    var fps = 10.0

    @Option(help: "Analysis height (at least 40).")
    var height = 120

    @Option(help: "A detector (name or path), several comma-separated, or none (motion only); default: the default detectors.")
    var model: String?

    func validateSuite() throws {
        guard cameras >= 1 else { throw ValidationError("--cameras needs a positive number") }
        guard seconds > 0, fps > 0 else { throw ValidationError("--seconds and --fps need a positive number") }
        guard height >= 40 else { throw ValidationError("--height must be at least 40") }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        guard let ffmpeg = findExecutable("ffmpeg") else {
            throw UsageError(message: "bench pipeline: the ffmpeg CLI (the reference) is not installed")
        }
        FFmpegLog.configureFromEnvironment()
        let vigil = try runVigil(progress)
        let ff = try runFFmpeg(ffmpeg, seconds: vigil.wall, progress)
        let n = Double(cameras)
        // What ran, as the daemon's cameras were configured (the default detectors without --model).
        let tag = "\(cameras) camera\(cameras == 1 ? "" : "s"), " + BenchDetectors.tag(vigil.detectors)
        return [
            BenchFigure(name: "CPU per camera (\(tag), \(JSONValue.format(fps)) fps analysed)", value: 100 * vigil.cpu / vigil.wall / n,
                        unit: "% of a core", reference: "ffmpeg -vf fps,scale,format=gray -f null, one process per camera",
                        referenceValue: 100 * ff.cpu / ff.wall / n, higherIsBetter: false),
            // Closer to the asked rate is better, above it as much as below (ratio: closeness vs ffmpeg's).
            BenchFigure(name: "analysed fps per camera (\(tag), asked \(JSONValue.format(fps)))", value: Double(vigil.analysed) / vigil.wall / n,
                        unit: "frames/s", reference: "ffmpeg fps filter output", referenceValue: Double(ff.frames) / ff.wall / n,
                        higherIsBetter: true, target: fps),
            BenchFigure(name: "RSS added per camera (\(tag), one process)", value: max(0, vigil.rssDuring - vigil.rssBefore) / n / 1_048_576,
                        unit: "MiB", reference: "ffmpeg peak RSS (VmHWM), one process per camera", referenceValue: ff.rss / 1_048_576,
                        higherIsBetter: false),
        ]
    }

    /// What one side measured.
    struct Side {
        var cpu = 0.0
        var wall = 0.0
        var analysed = 0
        var frames = 0
        var rssBefore = 0.0
        var rssDuring = 0.0
        var rss = 0.0
        /// The detectors the daemon's cameras ran ([]: motion only).
        var detectors: [String] = []
    }

    /// The daemon's config: `cameras` cameras on the URL, alerts to /dev/null.
    func daemonConfig() -> VigilConfig {
        var config = VigilConfig()
        config.alerts.path = "/dev/null"
        config.snapshots.enabled = false
        config.motion.frameHeight = height
        config.cameras = (1...cameras).map { n in
            var c = CameraConfig(name: "cam\(n)", url: url)
            c.detect.fps = fps
            c.motion = config.motion
            // --model a,b: several models (detect.models); none: motion only; absent: the default detectors.
            if let names = BenchDetectors.parse(model) { c.detect.models = names }
            c.tamper = config.tamper
            return c
        }
        return config
    }

    /// Vigil: the daemon in this process for `seconds`.
    func runVigil(_ progress: (String) -> Void) throws -> Side {
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        var side = Side()
        side.rssBefore = Daemon.residentBytes()
        let cpu0 = processCPUSeconds(RUSAGE_SELF)
        let t0 = MonotonicClock.seconds()
        let daemon = try Daemon(configPath: "<bench>", config: daemonConfig(), logger: quiet,
                                notifier: SystemdNotifier(environment: [:]))
        try daemon.start()
        side.detectors = daemon.cameraStates().first?.camera.options.models ?? []
        progress("vigil: detectors: \(BenchDetectors.tag(side.detectors))")
        progress("vigil: \(cameras) camera(s) on \(URLRedaction.redact(url)) for \(JSONValue.format(seconds)) s")
        // Start-up (connect, probe, the burst of frames buffered while probing) is inside the run's figures;
        // drops are also counted from `settle` seconds on, the steady state a camera lives in for months.
        let settle = min(3, seconds / 4)
        usleep(UInt32(settle * 1e6))
        let early = (Self.total(daemon.cameraMetrics) { $0.framesAnalyzed.load(ordering: .relaxed) },
                     Self.total(daemon.cameraMetrics) { $0.framesDropped.load(ordering: .relaxed) })
        usleep(UInt32((seconds - settle) * 1e6))
        side.rssDuring = Daemon.residentBytes()
        let metrics = daemon.cameraMetrics
        daemon.stop()
        side.wall = MonotonicClock.seconds() - t0
        side.cpu = processCPUSeconds(RUSAGE_SELF) - cpu0
        side.analysed = Self.total(metrics) { $0.framesAnalyzed.load(ordering: .relaxed) }
        let dropped = Self.total(metrics) { $0.framesDropped.load(ordering: .relaxed) }
        let steadyAnalysed = side.analysed - early.0, steadyDropped = dropped - early.1
        progress(String(format: "vigil: after the first %.0f s: analysed %d, dropped %d (%.2f%%)", settle,
                        steadyAnalysed, steadyDropped,
                        steadyAnalysed + steadyDropped > 0 ? 100 * Double(steadyDropped) / Double(steadyAnalysed + steadyDropped) : 0))
        let up = metrics.values.filter { $0.framesDecoded.load(ordering: .relaxed) > 0 }.count
        guard up == cameras else {
            throw UsageError(message: "bench pipeline: only \(up) of \(cameras) cameras received frames from \(URLRedaction.redact(url))")
        }
        reportLatency(metrics, progress)
        reportRates(metrics, side, progress)
        return side
    }

    static func total(_ metrics: [String: CameraMetrics], _ f: (CameraMetrics) -> Int) -> Int {
        metrics.values.reduce(0) { $0 + f($1) }
    }

    /// Frame latency (decoder → analysed, alerts written) and glass-to-analysed: p50/p99 over all cameras.
    func reportLatency(_ metrics: [String: CameraMetrics], _ progress: (String) -> Void) {
        func merge(_ pick: (CameraMetrics) -> LatencyHistogram) -> LatencyHistogram {
            LatencyHistogram.merged(metrics.values.map(pick))
        }
        func ms(_ h: LatencyHistogram, _ q: Double) -> Double { 1000 * (h.quantile(q) ?? 0) }
        let merged = merge { $0.frameLatencySeconds }
        let glass = merge { $0.glassToAnalysedSeconds }, glassAlert = merge { $0.glassToAlertSeconds }
        if glass.snapshot().count > 0 {
            progress(String(format: "vigil: glass to analysed (sender's RTCP wall clock → analysis done, alerts written) p50 ≤ %.0f ms, p99 ≤ %.0f ms over %d frames; glass to alert written p50 ≤ %.0f ms, p99 ≤ %.0f ms over %d frames with alerts",
                            ms(glass, 0.5), ms(glass, 0.99), glass.snapshot().count,
                            ms(glassAlert, 0.5), ms(glassAlert, 0.99), glassAlert.snapshot().count))
        } else {
            progress("vigil: glass to analysed: the source gave no wall-clock mapping (no RTCP sender report)")
        }
        progress(String(format: "vigil: frame latency (decoded → analysed, alerts written) p50 ≤ %.1f ms, p99 ≤ %.1f ms (histogram estimate)",
                        ms(merged, 0.5), ms(merged, 0.99)))
    }

    /// Decoded, analysed, detector and dropped rates per camera, analysis time and memory.
    func reportRates(_ metrics: [String: CameraMetrics], _ side: Side, _ progress: (String) -> Void) {
        let decoded = Self.total(metrics) { $0.framesDecoded.load(ordering: .relaxed) }
        let dropped = Self.total(metrics) { $0.framesDropped.load(ordering: .relaxed) }
        let reconnects = Self.total(metrics) { $0.reconnects.load(ordering: .relaxed) }
        let detected = Self.total(metrics) { $0.detectorFrames.load(ordering: .relaxed) }
        let analysis = LatencyHistogram.merged(metrics.values.map(\.analysisSeconds)).snapshot()
        let latMean = analysis.count > 0 ? analysis.sum / Double(analysis.count) : 0
        let perCamera = { (n: Int) in Double(n) / side.wall / Double(cameras) }
        progress(String(format: "vigil: decoded %.1f fps/camera, analysed %.1f fps/camera, detector on %.1f fps/camera, dropped %.2f%%, reconnects %d, analysis %.2f ms/frame, process RSS %.1f MiB (%.1f before the cameras)",
                        perCamera(decoded), perCamera(side.analysed), perCamera(detected),
                        side.analysed + dropped > 0 ? 100 * Double(dropped) / Double(side.analysed + dropped) : 0,
                        reconnects, latMean * 1000, side.rssDuring / 1_048_576, side.rssBefore / 1_048_576))
    }

    /// ffmpeg: N processes for the same wall time, then SIGINT (ffmpeg ends cleanly and prints its count).
    func runFFmpeg(_ ffmpeg: String, seconds wall: Double, _ progress: (String) -> Void) throws -> Side {
        let childCPU0 = processCPUSeconds(RUSAGE_CHILDREN)
        let f0 = MonotonicClock.seconds()
        var procs: [(Process, Pipe)] = []
        for _ in 0..<cameras {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: ffmpeg)
            var a = ["-nostdin", "-hide_banner", "-loglevel", "error", "-stats", "-threads", "1"]
            if url.lowercased().hasPrefix("rtsp") { a += ["-rtsp_transport", "tcp"] }
            a += ["-i", url, "-an", "-sn", "-dn", "-vf", "fps=\(JSONValue.format(fps)),scale=-2:\(height):flags=area,format=gray",
                  "-f", "null", "-"]
            p.arguments = a
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            procs.append((p, err))
        }
        progress("ffmpeg: \(cameras) process(es) for \(JSONValue.format(wall)) s")
        usleep(UInt32(wall * 1e6))
        var side = Side()
        // Peak RSS of each ffmpeg (VmHWM of its own address space; getrusage's children figure would include
        // this process's pages shared at spawn time).
        side.rss = procs.map { peakResidentBytes(pid: $0.0.processIdentifier) }.reduce(0, +) / Double(cameras)
        for (p, _) in procs { kill(p.processIdentifier, SIGINT) }
        for (p, err) in procs {
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            if let r = text.range(of: "frame=", options: .backwards) {
                let rest = text[r.upperBound...].drop { $0 == " " }
                side.frames += Int(rest.prefix { $0.isNumber }) ?? 0
            }
        }
        side.wall = MonotonicClock.seconds() - f0
        side.cpu = processCPUSeconds(RUSAGE_CHILDREN) - childCPU0
        return side
    }
}

/// User + system CPU seconds of this process (`RUSAGE_SELF`) or its waited-for children (`RUSAGE_CHILDREN`).
func processCPUSeconds(_ who: __rusage_who) -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(who.rawValue), &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
        + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

/// `VmHWM` (peak resident set) of process `pid`, bytes; 0 when unreadable.
func peakResidentBytes(pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Double($0) } ?? 0
        return kb * 1024
    }
    return 0
}
