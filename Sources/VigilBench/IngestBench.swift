import CommandSupport
import Foundation
import Media
import Pipeline
import VigilCore

extension BenchSuite {
    /// `vigil bench ingest FILE`: decode, and decode + scale to the analysis size, against the ffmpeg CLI doing
    /// the same work with the same decoder threads, in the same run.
    static let ingest = BenchSuite(
        name: "ingest",
        usage: "FILE [--threads N] [--height H] [--runs R]   decode and decode+scale fps vs the ffmpeg CLI"
    ) { args, progress in
        var file: String? = nil
        var threads = 0, height = 120, runs = 3
        var i = 0
        func value(_ name: String) throws -> Int {
            i += 1
            guard i < args.count, let v = Int(args[i]), v >= 0 else {
                throw UsageError(message: "bench ingest: \(name) needs a whole number")
            }
            return v
        }
        while i < args.count {
            switch args[i] {
            case "--threads": threads = try value("--threads")
            case "--height": height = max(2, try value("--height"))
            case "--runs": runs = max(1, try value("--runs"))
            case let a where a.hasPrefix("-"): throw UsageError(message: "bench ingest: unknown option \(a)")
            case let a: file = a
            }
            i += 1
        }
        guard let file else { throw UsageError(message: "bench ingest: which FILE?") }
        try requireInputExists(file)
        guard let ffmpeg = findExecutable("ffmpeg") else {
            throw UsageError(message: "bench ingest: the ffmpeg CLI (the reference) is not installed")
        }
        FFmpegLog.configureFromEnvironment()

        // Vigil: VideoSource on this thread, as the ingest thread runs it.
        func vigilRun(scale: Bool) throws -> (frames: Int, seconds: Double, size: (Int, Int)) {
            var o = SourceOptions()
            o.threads = threads
            o.analysisHeight = height
            let s = try VideoSource(url: file, options: o)
            let t0 = monotonicSeconds()  // after open and probe, like ffmpeg's -benchmark rtime
            let buffer = scale ? PixelBuffer(width: s.analysisWidth, height: s.analysisHeight, format: .gray8) : nil
            var n = 0
            while try s.next(into: buffer) != nil { n += 1 }
            return (n, monotonicSeconds() - t0, (s.analysisWidth, s.analysisHeight))
        }
        // ffmpeg: its own `-benchmark` rtime, the transcode loop after the input is opened and probed (the same
        // span Vigil is timed over); the command's wall time only if rtime cannot be read.
        func ffmpegRun(_ filter: [String]) throws -> Double {
            let t0 = monotonicSeconds()
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
            let wall = monotonicSeconds() - t0
            guard p.terminationStatus == 0 else { throw UsageError(message: "bench ingest: ffmpeg failed on \(file)") }
            let text = String(decoding: data, as: UTF8.self)
            if let r = text.range(of: "rtime="), let end = text[r.upperBound...].firstIndex(of: "s"),
               let rtime = Double(text[r.upperBound..<end]), rtime > 0 {
                return rtime
            }
            return wall
        }
        func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

        var decodeV: [Double] = [], decodeF: [Double] = [], scaleV: [Double] = [], scaleF: [Double] = []
        var frames = 0
        var size = (0, 0)
        _ = try vigilRun(scale: false)  // warm the page cache for both
        for r in 1...runs {
            progress("run \(r)/\(runs)")
            let d = try vigilRun(scale: false)
            frames = d.frames
            decodeV.append(d.seconds)
            decodeF.append(try ffmpegRun([]))
            let s = try vigilRun(scale: true)
            size = s.size
            scaleV.append(s.seconds)
            scaleF.append(try ffmpegRun(["-vf", "scale=\(s.size.0):\(s.size.1):flags=area,format=gray"]))
        }
        progress("\(file): \(frames) frames; threads \(threads == 0 ? "auto" : String(threads)); median of \(runs) runs")
        let fps = { (secs: [Double]) in Double(frames) / median(secs) }
        return [
            BenchFigure(name: "decode", value: fps(decodeV), unit: "frames/s", reference: "ffmpeg -f null",
                        referenceValue: fps(decodeF), higherIsBetter: true),
            BenchFigure(name: "decode+scale \(size.0)x\(size.1) gray", value: fps(scaleV), unit: "frames/s",
                        reference: "ffmpeg -vf scale,format=gray -f null", referenceValue: fps(scaleF),
                        higherIsBetter: true),
        ]
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
