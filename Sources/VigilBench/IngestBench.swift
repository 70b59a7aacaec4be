import ArgumentParser
import CommandSupport
import Foundation
import Media
import Pipeline
import VigilCore

/// `vigil bench ingest FILE`: decode, and decode + scale to the analysis size, against the ffmpeg CLI doing
/// the same work with the same decoder threads, in the same run; rounds alternate which side runs first.
///
/// Thread safety: used from the command's thread only.
struct IngestBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Decode and decode+scale fps beside the ffmpeg CLI doing the same work."
    )
    static var shared: BenchOptions.Uses { [.rounds, .threads] }

    @OptionGroup var common: BenchOptions

    @Argument(help: "A video file.")
    var file: String

    @Option(help: "Analysis height (grey frames) the scale run produces.")
    var height = 120

    var threads: Int { common.threads ?? 0 }

    func validateSuite() throws {
        guard height >= 2 else { throw ValidationError("--height must be at least 2") }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        try requireInputExists(file)
        guard let ffmpeg = findExecutable("ffmpeg") else {
            throw UsageError(message: "bench ingest: the ffmpeg CLI (the reference) is not installed")
        }
        FFmpegLog.configureFromEnvironment()
        let rounds = common.rounds ?? 3
        var decodeV: [Double] = [], decodeF: [Double] = [], scaleV: [Double] = [], scaleF: [Double] = []
        // The first run warms the page cache for both sides and gives the analysis size.
        let warm = try vigilRun(file, scale: false)
        let frames = warm.frames, size = warm.size
        let scale = ["-vf", "scale=\(size.0):\(size.1):flags=area,format=gray"]
        for r in 1...rounds {
            let vigilFirst = r % 2 == 1
            progress("round \(r)/\(rounds) (\(vigilFirst ? "Vigil" : "ffmpeg") first)")
            if !vigilFirst { decodeF.append(try ffmpegRun(ffmpeg, file, [])) }
            decodeV.append(try vigilRun(file, scale: false).seconds)
            if vigilFirst { decodeF.append(try ffmpegRun(ffmpeg, file, [])) }
            if !vigilFirst { scaleF.append(try ffmpegRun(ffmpeg, file, scale)) }
            scaleV.append(try vigilRun(file, scale: true).seconds)
            if vigilFirst { scaleF.append(try ffmpegRun(ffmpeg, file, scale)) }
        }
        progress("\(file): \(frames) frames; threads \(threads == 0 ? "auto" : String(threads)); median of \(rounds) rounds; "
                 + "seconds per run Vigil decode \(BenchStats.spread(decodeV, places: 3)), ffmpeg \(BenchStats.spread(decodeF, places: 3))")
        let fps = { (secs: [Double]) in Double(frames) / BenchStats.median(secs) }
        return [
            BenchFigure(name: "decode", value: fps(decodeV), unit: "frames/s", reference: "ffmpeg -f null",
                        referenceValue: fps(decodeF), higherIsBetter: true),
            BenchFigure(name: "decode+scale \(size.0)x\(size.1) gray", value: fps(scaleV), unit: "frames/s",
                        reference: "ffmpeg -vf scale,format=gray -f null", referenceValue: fps(scaleF),
                        higherIsBetter: true),
        ]
    }

    // Vigil: VideoSource on this thread, as the ingest thread runs it.
    func vigilRun(_ file: String, scale: Bool) throws -> (frames: Int, seconds: Double, size: (Int, Int)) {
        var o = SourceOptions()
        o.threads = threads
        o.analysisHeight = height
        let s = try VideoSource(url: file, options: o)
        let t0 = MonotonicClock.seconds()  // after open and probe, like ffmpeg's -benchmark rtime
        let buffer = scale ? PixelBuffer(width: s.analysisWidth, height: s.analysisHeight, format: .gray8) : nil
        var n = 0
        while try s.next(into: buffer) != nil { n += 1 }
        return (n, MonotonicClock.seconds() - t0, (s.analysisWidth, s.analysisHeight))
    }

    // ffmpeg: its own `-benchmark` rtime, the transcode loop after the input is opened and probed (the same
    // span Vigil is timed over); the command's wall time only if rtime cannot be read.
    func ffmpegRun(_ ffmpeg: String, _ file: String, _ filter: [String]) throws -> Double {
        let t0 = MonotonicClock.seconds()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ffmpeg)
        p.arguments = ["-nostdin", "-hide_banner", "-benchmark", "-threads", String(threads), "-i", file, "-an", "-sn",
                       "-dn"] + filter + ["-f", "null", "-"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let wall = MonotonicClock.seconds() - t0
        guard p.terminationStatus == 0 else { throw UsageError(message: "bench ingest: ffmpeg failed on \(file)") }
        let text = String(decoding: data, as: UTF8.self)
        if let r = text.range(of: "rtime="), let end = text[r.upperBound...].firstIndex(of: "s"),
           let rtime = Double(text[r.upperBound..<end]), rtime > 0 {
            return rtime
        }
        return wall
    }
}

/// The first executable called `name` on PATH.
func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}
