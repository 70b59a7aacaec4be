import ArgumentParser
import Config
import Detection
import Foundation
import Media
import Pipeline
import Sinks
import VigilCore

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Analyse a recorded file (or URL) start to end, never dropping a frame; alerts as JSON lines.",
        discussion: """
            Alerts go to standard output unless --alerts names a file. Their `ts` is --start-time (default: the \
            file's creation_time, else 1970-01-01T00:00:00Z) plus the frame's media time, so a replay of the \
            same file with the same config prints the same bytes.
            Exit status: 0 done; 1 runtime failure; 64 usage; 65 unreadable or corrupt media; 66 no such file; \
            78 bad config.
            """
    )

    @Argument(help: "Video file or URL.")
    var input: String

    @Option(help: "YAML config (thresholds); see config/vigil.yaml.")
    var config: String?

    @Option(help: "Alert output: a file (appended; rotated and synced as the config's alerts: section says) or - for standard output.")
    var alerts: String = "-"

    @Flag(help: "Print run figures as one JSON object on standard error at the end.")
    var stats = false

    @Option(name: .customLong("start-time"), help: "RFC 3339 time of media time 0 (e.g. 2026-11-30T08:00:00Z).")
    var startTime: String?

    @Option(help: "Camera name in alerts (default: the config's camera with this input's URL, else the file name).")
    var camera: String?

    @Option(help: "Decoder threads (0 = one per core); overrides the config's decoder.threads.")
    var threads: Int?

    func run() throws {
        FFmpegLog.configureFromEnvironment()
        try reportingErrors {
            var start: Double? = nil
            if let startTime {
                guard let t = Timestamp.parse(startTime) else {
                    throw UsageError(message: "--start-time '\(startTime)' is not an RFC 3339 time (2026-11-30T08:00:00Z)")
                }
                start = t
            }
            if let threads, !(0...64).contains(threads) {
                throw UsageError(message: "--threads must be 0…64")
            }
            let cfg = try config.map { try ConfigLoader.load(path: $0, opensCameras: false) } ?? VigilConfig()
            try requireInputExists(input)
            let cam = cfg.cameras.first { $0.url == input }
            let name = camera ?? cam?.name ?? ReplayCommand.cameraName(for: input)
            var options = ReplayOptions(input: input, camera: CameraID(name))
            options.analysis = AnalysisSettings(camera: name, config: cfg)
            options.decoderThreads = threads ?? cfg.decoder.threads
            options.startTime = start
            options.track = cfg.track
            options.report = { Console.err("vigil: \($0)") }
            // A bad model is a config error before any frame (exit 78).
            options.detectors = try ModelLocator.detectors(for: options.analysis.detect,
                                                           pool: InferencePool(maxInFlight: cfg.detect.maxInFlight))
            let sink: any AlertSink
            if alerts == "-" {
                sink = try JSONLinesSink(path: alerts)
            } else {
                sink = try AlertLog(path: alerts, options: AlertLogOptions(cfg.alerts), report: { Console.err("vigil: \($0)") })
            }
            let showProgress = Console.stderrIsTerminal
            let result: RunStats
            do {
                result = try ReplayPipeline.run(options, sink: sink, progress: showProgress ? { p in
                    var line = "\r\(URLRedaction.redact(input)): frame \(p.frame)  \(Self.clock(p.mediaTime))"
                    if let d = p.duration, d > 0 {
                        line += " / \(Self.clock(d))  \(Int((100 * p.mediaTime / d).rounded()))%"
                    }
                    line += "  \(Int(p.framesPerSecond.rounded())) fps\u{1B}[K"
                    Console.errRaw(line)
                } : nil)
            } catch let e as ReplayError {
                if showProgress { Console.errRaw("\r\u{1B}[K") }
                if stats { Console.err(e.stats.json.serialized()) }
                throw e
            }
            if showProgress { Console.errRaw("\r\u{1B}[K") }
            if result.source.decodeErrors + result.source.readErrors + result.source.corruptFrames > 0 {
                Console.err("vigil: \(URLRedaction.redact(input)): damaged data: \(result.source.decodeErrors) decode errors, "
                    + "\(result.source.readErrors) unreadable packets, \(result.source.corruptFrames) concealed frames")
            }
            if stats { Console.err(result.json.serialized()) }
        }
    }

    /// `clip` for `/videos/clip.mp4`; `stream` for a URL ending in `/stream`. Characters a camera name cannot
    /// hold become `_`.
    static func cameraName(for input: String) -> String {
        var base = input.split(separator: "/").last.map(String.init) ?? input
        if let dot = base.lastIndex(of: "."), dot != base.startIndex { base = String(base[..<dot]) }
        let cleaned = String(base.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
        return cleaned.isEmpty ? "replay" : String(cleaned.prefix(64))
    }

    static func clock(_ t: Double) -> String {
        let s = Int(t)
        let frac = Int((t - Double(s)) * 10)
        let mm = s / 60, ss = s % 60
        return "\(mm):\(ss < 10 ? "0" : "")\(ss).\(frac)"
    }
}
