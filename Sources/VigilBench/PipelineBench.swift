import CommandSupport
import Config
import Foundation
import Logging
import Media
import Pipeline
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

extension BenchSuite {
    /// `vigil bench pipeline URL`: N live cameras pulling URL through the daemon's pipeline (ingest thread,
    /// decimation to `--fps`, scaling, drop-oldest ring, motion analysis), against N ffmpeg CLI processes
    /// pulling the same stream and doing the same pixel work (`-vf fps=F,scale=-2:H:flags=area,format=gray`),
    /// over the same wall time, in the same run.
    static let pipeline = BenchSuite(
        name: "pipeline",
        usage: "URL [--cameras N] [--seconds S] [--fps F] [--height H] [--model NAME|PATH[,NAME…]]   CPU, analysed fps, RSS per live camera vs N ffmpeg CLI pulls"
    ) { args, progress in
        var url: String? = nil
        var cameras = 1, fps = 10.0, height = 120
        var seconds = 10.0
        var model: String? = nil
        var i = 0
        func number(_ name: String) throws -> Double {
            i += 1
            guard i < args.count, let v = Double(args[i]), v > 0 else {
                throw UsageError(message: "bench pipeline: \(name) needs a positive number")
            }
            return v
        }
        while i < args.count {
            switch args[i] {
            case "--cameras": cameras = max(1, Int(try number("--cameras")))
            case "--seconds": seconds = try number("--seconds")
            case "--fps": fps = try number("--fps")
            case "--height": height = max(40, Int(try number("--height")))
            case "--model":
                i += 1
                guard i < args.count else { throw UsageError(message: "bench pipeline: --model needs a model name or path") }
                model = args[i]
            case let a where a.hasPrefix("-"): throw UsageError(message: "bench pipeline: unknown option \(a)")
            case let a: url = a
            }
            i += 1
        }
        guard let url else { throw UsageError(message: "bench pipeline: which URL? (scripts/bench-pipeline.sh starts a server)") }
        guard let ffmpeg = findExecutable("ffmpeg") else {
            throw UsageError(message: "bench pipeline: the ffmpeg CLI (the reference) is not installed")
        }
        FFmpegLog.configureFromEnvironment()

        // Vigil: the daemon in this process, alerts to /dev/null.
        var config = VigilConfig()
        config.alerts.path = "/dev/null"
        config.snapshots.enabled = false
        config.motion.frameHeight = height
        config.cameras = (1...cameras).map { n in
            var c = CameraConfig(name: "cam\(n)", url: url)
            c.detect.fps = fps
            c.motion = config.motion
            // --model a,b: several models (detect.models), the default config's faces and people for example.
            if let names = model?.split(separator: ",").map(String.init) {
                if names.count == 1 { c.detect.model = names[0] } else { c.detect.models = names }
            }
            c.tamper = config.tamper
            return c
        }
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let rssBefore = Daemon.residentBytes()
        let cpu0 = processCPUSeconds(RUSAGE_SELF)
        let t0 = monotonicSeconds()
        let daemon = try Daemon(configPath: "<bench>", config: config, logger: quiet,
                                notifier: SystemdNotifier(environment: [:]))
        try daemon.start()
        progress("vigil: \(cameras) camera(s) on \(URLRedaction.redact(url)) for \(JSONValue.format(seconds)) s")
        // Start-up (connect, probe, the burst of frames buffered while probing) is inside the run's figures;
        // drops are also counted from `settle` seconds on, the steady state a camera lives in for months.
        let settle = min(3, seconds / 4)
        usleep(UInt32(settle * 1e6))
        let early = daemon.cameraMetrics.values.reduce((0, 0)) {
            ($0.0 + $1.framesAnalyzed.load(ordering: .relaxed), $0.1 + $1.framesDropped.load(ordering: .relaxed))
        }
        usleep(UInt32((seconds - settle) * 1e6))
        let rssDuring = Daemon.residentBytes()
        let metrics = daemon.cameraMetrics
        daemon.stop()
        let wall = monotonicSeconds() - t0
        let cpu = processCPUSeconds(RUSAGE_SELF) - cpu0
        func total(_ f: (CameraMetrics) -> Int) -> Int { metrics.values.reduce(0) { $0 + f($1) } }
        let decoded = total { $0.framesDecoded.load(ordering: .relaxed) }
        let analysed = total { $0.framesAnalyzed.load(ordering: .relaxed) }
        let dropped = total { $0.framesDropped.load(ordering: .relaxed) }
        let reconnects = total { $0.reconnects.load(ordering: .relaxed) }
        let detected = total { $0.detectorFrames.load(ordering: .relaxed) }
        let steadyAnalysed = analysed - early.0, steadyDropped = dropped - early.1
        progress(String(format: "vigil: after the first %.0f s: analysed %d, dropped %d (%.2f%%)", settle,
                        steadyAnalysed, steadyDropped,
                        steadyAnalysed + steadyDropped > 0 ? 100 * Double(steadyDropped) / Double(steadyAnalysed + steadyDropped) : 0))
        let up = metrics.values.filter { $0.framesDecoded.load(ordering: .relaxed) > 0 }.count
        guard up == cameras else {
            throw UsageError(message: "bench pipeline: only \(up) of \(cameras) cameras received frames from \(URLRedaction.redact(url))")
        }
        // Frame latency (decoder → analysed, alerts written): p50/p99 over all cameras, from one merged histogram.
        func merge(_ pick: (CameraMetrics) -> LatencyHistogram) -> LatencyHistogram {
            let merged = LatencyHistogram(bounds: metrics.values.first.map { pick($0).bounds } ?? LatencyHistogram.defaultBounds)
            for m in metrics.values {
                let h = pick(m), s = h.snapshot()
                var previous = 0
                for (i, bound) in h.bounds.enumerated() {
                    for _ in 0..<(s.cumulative[i] - previous) { merged.observe(bound) }
                    previous = s.cumulative[i]
                }
                // Above the last bound: only +Inf's count matters for the quantiles.
                for _ in 0..<(s.count - previous) { merged.observe(2 * (h.bounds.last ?? 1)) }
            }
            return merged
        }
        let merged = merge { $0.frameLatencySeconds }
        let glass = merge { $0.glassToAnalysedSeconds }, glassAlert = merge { $0.glassToAlertSeconds }
        if glass.snapshot().count > 0 {
            progress(String(format: "vigil: glass to analysed (sender's RTCP wall clock → analysis done, alerts written) p50 ≤ %.0f ms, p99 ≤ %.0f ms over %d frames; glass to alert written p50 ≤ %.0f ms, p99 ≤ %.0f ms over %d frames with alerts",
                            1000 * (glass.quantile(0.5) ?? 0), 1000 * (glass.quantile(0.99) ?? 0), glass.snapshot().count,
                            1000 * (glassAlert.quantile(0.5) ?? 0), 1000 * (glassAlert.quantile(0.99) ?? 0),
                            glassAlert.snapshot().count))
        } else {
            progress("vigil: glass to analysed: the source gave no wall-clock mapping (no RTCP sender report)")
        }
        let lat = metrics.values.map { $0.analysisSeconds.snapshot() }
        let latCount = lat.reduce(0) { $0 + $1.count }
        let latMean = latCount > 0 ? lat.reduce(0) { $0 + $1.sum } / Double(latCount) : 0
        progress(String(format: "vigil: frame latency (decoded → analysed, alerts written) p50 ≤ %.1f ms, p99 ≤ %.1f ms (histogram estimate)",
                        1000 * (merged.quantile(0.5) ?? 0), 1000 * (merged.quantile(0.99) ?? 0)))
        progress(String(format: "vigil: decoded %.1f fps/camera, analysed %.1f fps/camera, detector on %.1f fps/camera, dropped %.2f%%, reconnects %d, analysis %.2f ms/frame, process RSS %.1f MiB (%.1f before the cameras)",
                        Double(decoded) / wall / Double(cameras), Double(analysed) / wall / Double(cameras),
                        Double(detected) / wall / Double(cameras),
                        analysed + dropped > 0 ? 100 * Double(dropped) / Double(analysed + dropped) : 0,
                        reconnects, latMean * 1000, rssDuring / 1_048_576, rssBefore / 1_048_576))

        // ffmpeg: N processes for the same wall time, then SIGINT (ffmpeg ends cleanly and prints its count).
        let childCPU0 = processCPUSeconds(RUSAGE_CHILDREN)
        let f0 = monotonicSeconds()
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
        // Peak RSS of each ffmpeg (VmHWM of its own address space; getrusage's children figure would include
        // this process's pages shared at spawn time).
        let ffRSS = procs.map { peakResidentBytes(pid: $0.0.processIdentifier) }.reduce(0, +) / Double(cameras)
        for (p, _) in procs { kill(p.processIdentifier, SIGINT) }
        var ffFrames = 0
        for (p, err) in procs {
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            if let r = text.range(of: "frame=", options: .backwards) {
                let rest = text[r.upperBound...].drop { $0 == " " }
                ffFrames += Int(rest.prefix { $0.isNumber }) ?? 0
            }
        }
        let ffWall = monotonicSeconds() - f0
        let ffCPU = processCPUSeconds(RUSAGE_CHILDREN) - childCPU0

        let n = Double(cameras)
        let tag = "\(cameras) camera\(cameras == 1 ? "" : "s")" + (model.map { ", detector \($0)" } ?? ", motion only")
        return [
            BenchFigure(name: "CPU per camera (\(tag), \(JSONValue.format(fps)) fps analysed)", value: 100 * cpu / wall / n,
                        unit: "% of a core", reference: "ffmpeg -vf fps,scale,format=gray -f null, one process per camera",
                        referenceValue: 100 * ffCPU / ffWall / n, higherIsBetter: false),
            // Closer to the asked rate is better, above it as much as below (ratio: closeness vs ffmpeg's).
            BenchFigure(name: "analysed fps per camera (\(tag), asked \(JSONValue.format(fps)))", value: Double(analysed) / wall / n,
                        unit: "frames/s", reference: "ffmpeg fps filter output", referenceValue: Double(ffFrames) / ffWall / n,
                        higherIsBetter: true, target: fps),
            BenchFigure(name: "RSS added per camera (\(tag), one process)", value: max(0, rssDuring - rssBefore) / n / 1_048_576,
                        unit: "MiB", reference: "ffmpeg peak RSS (VmHWM), one process per camera", referenceValue: ffRSS / 1_048_576,
                        higherIsBetter: false),
        ]
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
