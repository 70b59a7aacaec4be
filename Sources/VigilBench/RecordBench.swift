import ArgumentParser
import CommandSupport
import Config
import Foundation
import Media
import Recording
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// One recording run's figures.
private struct RecordRun {
    var cpuPercent = 0.0
    var bytesWritten = 0
    var wall = 0.0
    var prerollPeak = 0
    /// Payload bytes per second of the stream, the most bytes in any `pre_roll_s` of it (by decode time), and
    /// the largest key-frame group seen (bytes).
    var streamBytesPerSecond = 0.0
    var largestWindow = 0
    var largestGOP = 0
    var files = 0
}

/// `vigil bench record URL`: recording one camera the way the daemon does it (packets copied by reference into
/// the pre-roll, continuous 10 s segments plus an event clip for a 4 s event every 10 s, the writer thread,
/// fragmented MP4), without decoding, against `ffmpeg -rtsp_transport tcp -i URL -c copy -f segment` on the
/// same stream for the same time; rounds alternate which side runs first. Also the pre-roll's peak memory
/// against `pre_roll_s × bitrate + one GOP`, both from the same stream.
///
/// Thread safety: used from the command's thread only.
struct RecordBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "CPU of recording per camera beside ffmpeg -c copy -f segment; pre-roll memory."
    )
    static var shared: BenchOptions.Uses { [.rounds] }

    @OptionGroup var common: BenchOptions

    @Argument(help: "A stream URL (scripts/bench-record.sh starts a server).")
    var url: String

    @Option(help: "Seconds each side records per round.")
    var seconds = 20.0

    @Option(name: .customLong("pre-roll"), help: "Pre-roll seconds.")
    var preRoll = 5.0

    func validateSuite() throws {
        guard seconds > 0, preRoll > 0 else { throw ValidationError("--seconds and --pre-roll need a positive number") }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let rounds = common.rounds ?? 3
        guard let ffmpeg = findExecutable("ffmpeg") else {
            throw UsageError(message: "bench record: the ffmpeg CLI (the reference) is not installed")
        }
        FFmpegLog.configureFromEnvironment()
        var vigil: [RecordRun] = [], ff: [Double] = []
        for round in 0..<rounds {
            for side in round % 2 == 0 ? [0, 1] : [1, 0] {
                if side == 0 {
                    let r = try Self.recordRun(url: url, seconds: seconds, preRoll: preRoll)
                    progress(String(format: "round %d vigil: %.2f %% of a core, %.2f MB/s written, %d files, pre-roll peak %.2f MB",
                                    round + 1, r.cpuPercent, Double(r.bytesWritten) / r.wall / 1e6, r.files,
                                    Double(r.prerollPeak) / 1e6))
                    vigil.append(r)
                } else {
                    let c = try Self.ffmpegSegmentRun(ffmpeg: ffmpeg, url: url, seconds: seconds)
                    progress(String(format: "round %d ffmpeg -c copy -f segment: %.2f %% of a core", round + 1, c))
                    ff.append(c)
                }
            }
        }
        func median(_ v: [Double]) -> Double { BenchStats.median(v) }
        func spread(_ v: [Double]) -> String { BenchStats.spread(v) }
        let cpu = vigil.map(\.cpuPercent)
        progress("spread over \(rounds) rounds: vigil \(spread(cpu)) %, ffmpeg \(spread(ff)) % of a core; "
                 + "fsync: once per finished file (none per fragment); I/O buffer flushed after every packet")
        let last = vigil.max { $0.prerollPeak < $1.prerollPeak }!
        let bound = Double(last.largestWindow + last.largestGOP)
        progress(String(format: "stream: %.2f Mbit/s on average, %.2f Mbit/s over its busiest %.0f s, largest GOP %.2f MB",
                        last.streamBytesPerSecond * 8 / 1e6, Double(last.largestWindow) * 8 / preRoll / 1e6, preRoll,
                        Double(last.largestGOP) / 1e6))
        return [
            BenchFigure(name: "CPU of recording per camera (continuous 10 s segments + event clips, no decode)",
                        value: median(cpu), unit: "% of a core",
                        reference: "ffmpeg -rtsp_transport tcp -i URL -c copy -f segment -segment_time 10",
                        referenceValue: median(ff), higherIsBetter: false),
            BenchFigure(name: "pre-roll memory per camera (peak payload, \(JSONValue.format(preRoll)) s)",
                        value: Double(last.prerollPeak) / 1e6, unit: "MB",
                        reference: "pre_roll_s × bitrate (busiest pre_roll_s of the stream) + largest GOP", referenceValue: bound / 1e6,
                        higherIsBetter: false),
        ]
    }

    /// Demux + record for `seconds`: the daemon's recording path without the analysis.
    private static func recordRun(url: String, seconds: Double, preRoll: Double) throws -> RecordRun {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-record-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = RecordConfig()
        config.enabled = true
        config.directory = dir.path
        config.preRollSeconds = preRoll
        config.postRollSeconds = 2
        config.continuous = true
        config.segmentSeconds = 10
        var options = SourceOptions()
        options.keepAudio = true
        options.openTimeout = 10
        options.readTimeout = 10
        if url.lowercased().hasPrefix("rtsp") { options.formatOptions = ["rtsp_transport": "tcp"] }
        let recorder = Recorder(camera: CameraID("bench"), config: config, clock: .wall, queuePolicy: .drop,
                                report: { _ in })
        let source = try VideoSource(url: url, options: options)
        var run = RecordRun()
        var gop = 0, payload = 0
        var first: Double? = nil, latest = 0.0
        var window: [(Double, Int)] = [], windowBytes = 0, windowStart = 0
        let buffer = recorder.buffer
        source.packetObserver = { p in
            buffer.append(p)
            payload += p.size
            window.append((p.decodeTime, p.size))
            windowBytes += p.size
            while windowStart < window.count, window[windowStart].0 < p.decodeTime - preRoll {
                windowBytes -= window[windowStart].1
                windowStart += 1
            }
            run.largestWindow = max(run.largestWindow, windowBytes)
            if p.isKeyframe { run.largestGOP = max(run.largestGOP, gop); gop = 0 }
            gop += p.size
            if p.kind == .video { first = first ?? p.decodeTime; latest = max(latest, p.decodeTime) }
        }
        let cpu0 = processCPUSeconds(RUSAGE_SELF), t0 = MonotonicClock.seconds()
        var inEvent = false
        while MonotonicClock.seconds() - t0 < seconds, try source.readPacket() {
            let t = latest - (first ?? 0)
            // A 4 s event every 10 s of stream time (starting at 1 s): clips open and close through the run.
            let phase = t.truncatingRemainder(dividingBy: 10)
            var alerts: [Alert] = []
            if !inEvent, phase >= 1, phase < 5 { inEvent = true; alerts = [benchAlert("motion_start", latest)] }
            if inEvent, phase >= 5 { inEvent = false; alerts = [benchAlert("motion_end", latest)] }
            recorder.process(&alerts, mediaTime: latest)
        }
        var end: [Alert] = []
        recorder.finish(&end)
        run.wall = MonotonicClock.seconds() - t0
        run.cpuPercent = 100 * (processCPUSeconds(RUSAGE_SELF) - cpu0) / run.wall
        run.bytesWritten = recorder.counters.bytesWritten.load(ordering: .relaxed)
        run.prerollPeak = buffer.peakBytes.load(ordering: .relaxed)
        run.streamBytesPerSecond = Double(payload) / max(1e-3, latest - (first ?? 0))
        run.files = mp4FileCount(dir.path)
        return run
    }

    private static func benchAlert(_ event: String, _ t: Double) -> Alert {
        Alert(timestamp: AlertClock.wall.timestamp(mediaTime: t), mediaTime: t, frame: 0, camera: CameraID("bench"),
              event: event, severity: .info)
    }

    /// `ffmpeg … -c copy -f segment` for `seconds`, then SIGINT; its CPU as % of a core.
    private static func ffmpegSegmentRun(ffmpeg: String, url: String, seconds: Double) throws -> Double {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-ffseg-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ffmpeg)
        var a = ["-nostdin", "-hide_banner", "-loglevel", "error"]
        if url.lowercased().hasPrefix("rtsp") { a += ["-rtsp_transport", "tcp"] }
        a += ["-i", url, "-map", "0", "-c", "copy", "-f", "segment", "-segment_time", "10", "-reset_timestamps", "1",
              dir.path + "/%03d.mp4"]
        p.arguments = a
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        let cpu0 = processCPUSeconds(RUSAGE_CHILDREN), t0 = MonotonicClock.seconds()
        try p.run()
        usleep(UInt32(seconds * 1e6))
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        return 100 * (processCPUSeconds(RUSAGE_CHILDREN) - cpu0) / (MonotonicClock.seconds() - t0)
    }

    private static func mp4FileCount(_ dir: String) -> Int {
        (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".mp4") }.count
    }
}
