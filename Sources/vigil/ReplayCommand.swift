import Analysis
import ArgumentParser
import CommandSupport
import Config
import Detection
import Foundation
import Logging
import Media
import Pipeline
import Sinks
import VigilCore

struct ReplayCommand: RunsKernels {
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

    @Option(help: """
        The config's camera whose zones, lines and overrides apply (default: the config's only camera, or the one \
        with this input's URL; a config with several cameras needs this). Without cameras in the config: the \
        camera name in alerts (default: the file name).
        """)
    var camera: String?

    @Option(help: "Directory for the snapshots of object alerts (created if missing). Default: the config's snapshots.dir when it sets one; otherwise a replay writes no snapshots.")
    var snapshots: String?

    @Option(help: "Decoder threads (0 = one per core); overrides the config's decoder.threads.")
    var threads: Int?

    @Option(help: ArgumentHelp("Also write the analysed video with motion regions, detections, tracks and trails, zones, lines and events drawn (H.264 by libx264, else MPEG-4; the container from the name).", valueName: "OUT.mp4"))
    var annotate: String?

    @Option(help: ArgumentHelp("Also write one JSON line per analysed frame: motion regions, detections, tracks, zones, lines, events.", valueName: "FILE"))
    var frames: String?

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
            let options = try replayOptions(cfg, start: start)
            let sink: any AlertSink
            if alerts == "-" {
                sink = try JSONLinesSink(path: alerts)
            } else {
                sink = try AlertLog(path: alerts, options: cfg.alerts.log, report: { Console.err("vigil: \($0)") })
            }
            // With mqtt: configured, the alerts also go to the broker (a live dashboard while testing rules).
            let hub = AlertHub(record: sink)
            try replayBridge(cfg, camera: options.camera.name)?.attach(to: hub)
            defer { hub.close(timeout: 10) }
            let recorder: ReplayRecorder? = annotate == nil && frames == nil ? nil
                : try ReplayRecorder(annotate: annotate, frames: frames, settings: options.analysis)
            let showProgress = Console.stderrIsTerminal
            let result: RunStats
            do {
                result = try ReplayPipeline.run(options, hub: hub, progress: showProgress ? { p in
                    var line = "\r\(URLRedaction.redact(input)): frame \(p.frame)  \(Self.clock(p.mediaTime))"
                    if let d = p.duration, d > 0 {
                        line += " / \(Self.clock(d))  \(Int((100 * p.mediaTime / d).rounded()))%"
                    }
                    line += "  \(Int(p.framesPerSecond.rounded())) fps\u{1B}[K"
                    Console.errRaw(line)
                } : nil, observer: recorder)
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

    private func replayBridge(_ cfg: VigilConfig, camera name: String) throws -> MQTTBridge? {
        guard cfg.mqtt != nil else { return nil }
        var logger = Logger(label: "vigil")
        logger.logLevel = .warning
        let bridge: MQTTBridge
        do {
            bridge = try MQTTBridge(config: cfg.mqtt, node: MQTTBridge.nodeName(nil, cfg), switchBoard: SwitchBoard(),
                                    logger: logger)
        } catch {
            throw ConfigError(file: config ?? "-", keyPath: "mqtt", line: nil, message: "\(error)")
        }
        var cam = cfg.camera(named: name) ?? CameraConfig(name: name, url: input)
        if cfg.camera(named: name) == nil { cam.detect = cfg.detect }
        bridge.start(cameras: [cam])
        return bridge
    }

    /// What to replay: the config's camera (see `selectCamera`), its settings, snapshots only where asked, the
    /// detectors (a bad model is a config error before any frame, exit 78).
    func replayOptions(_ cfg: VigilConfig, start: Double?) throws -> ReplayOptions {
        let cam = try ReplayCommand.selectCamera(in: cfg, file: config, requested: camera, input: input)
        let name = cam?.name ?? camera ?? ReplayCommand.cameraName(for: input)
        var options = ReplayOptions(input: input, camera: CameraID(name))
        options.analysis = AnalysisSettings(camera: name, config: cfg)
        options.analysis.snapshots = SnapshotSettings(ReplayCommand.snapshotSettings(cfg.snapshots, flag: snapshots))
        options.decoderThreads = threads ?? cfg.decoder.threads
        options.startTime = start
        options.track = cfg.track
        options.record = cfg.camera(named: name)?.record ?? cfg.record
        options.report = { Console.err("vigil: \($0)") }
        options.detectors = try ModelLocator.detectors(for: options.analysis.detect,
                                                       pool: InferencePool(maxInFlight: cfg.detect.maxInFlight))
        options.wantsPicture = annotate != nil
        return options
    }

    /// The config's camera a replay applies: the one `--camera` names (an error when the config lists cameras
    /// but not that one), else the only one, else the one whose URL is the input; a config with several
    /// cameras and none of these is a usage error naming them. Nil: the config has no cameras.
    static func selectCamera(in cfg: VigilConfig, file: String?, requested: String?,
                             input: String) throws -> CameraConfig? {
        guard !cfg.cameras.isEmpty else { return nil }
        let names = cfg.cameras.map(\.name).joined(separator: ", ")
        let source = file ?? "the config"
        if let requested {
            guard let cam = cfg.camera(named: requested) else {
                throw UsageError(message: "--camera \(requested): \(source) has no such camera (cameras: \(names))")
            }
            return cam
        }
        if cfg.cameras.count == 1 { return cfg.cameras[0] }
        if let cam = cfg.cameras.first(where: { $0.url == input }) { return cam }
        throw UsageError(message: "\(source) has \(cfg.cameras.count) cameras (\(names)): choose the one whose zones, "
            + "lines and settings apply with --camera NAME")
    }

    /// Snapshots in a replay go only where they are asked for: into `--snapshots DIR`, else into the config's
    /// own `snapshots.dir`; never into the daemon's default directory.
    static func snapshotSettings(_ config: SnapshotsConfig, flag: String?) -> SnapshotsConfig {
        var s = config
        if let flag {
            s.directory = flag
            s.enabled = true
        } else if !config.directoryIsSet {
            s.enabled = false
        }
        return s
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
