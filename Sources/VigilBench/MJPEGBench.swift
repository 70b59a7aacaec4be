import ArgumentParser
import Foundation
import Synchronization
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// `vigil bench mjpeg URL`: the CPU of a running `vigil run` (this binary, one camera on URL, motion only)
/// while N viewers watch `/api/cameras/cam/mjpeg`, beside the same daemon with no viewer, in alternating
/// windows of the same run. CPU from /proc/PID/stat (user + system) over each window. scripts/bench-mjpeg.sh
/// starts GStreamer's RTSP server and runs it.
///
/// Thread safety: used from the command's thread only; viewers run on their own threads (`MJPEGViewer`).
struct MJPEGBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "mjpeg",
        abstract: "CPU of a running vigil run with N MJPEG viewers beside none (scripts/bench-mjpeg.sh)."
    )
    static var shared: BenchOptions.Uses { [.rounds] }

    @OptionGroup var common: BenchOptions

    @Argument(help: "The camera's URL (scripts/bench-mjpeg.sh starts an RTSP server).")
    var url: String

    @Option(help: "MJPEG viewers in the watched windows (1…32).")
    var viewers = 4

    @Option(help: "Seconds of each window.")
    var seconds = 10

    @Option(help: "api.mjpeg_max_fps of the daemon (≤ 30).")
    var fps = 5.0

    func validateSuite() throws {
        guard (1...32).contains(viewers), seconds >= 1, fps > 0, fps <= 30 else {
            throw ValidationError("--viewers 1…32, --seconds ≥ 1, --fps above 0 and ≤ 30")
        }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let rounds = common.rounds ?? 3
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-mjpeg-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let daemon = try BenchDaemon(config: config(dir), directory: dir)
        defer { daemon.stop() }
        let port = try daemon.apiPort()
        try daemon.waitUntilUp(port: port, camera: "cam")
        progress("daemon pid \(daemon.pid), API on 127.0.0.1:\(port), camera up; \(viewers) viewers, \(seconds) s windows, \(rounds) rounds")
        Thread.sleep(forTimeInterval: 2)  // warm-up: decoder and motion settle
        var idle: [Double] = [], watched: [Double] = [], delivered: [Double] = []
        for r in 0..<rounds {
            for withViewers in r % 2 == 0 ? [false, true] : [true, false] {
                let w = try window(daemon: daemon, port: port, viewers: withViewers ? viewers : 0)
                if withViewers { watched.append(w.cpu); delivered.append(w.framesPerViewerSecond) } else { idle.append(w.cpu) }
                progress("round \(r + 1): \(withViewers ? viewers : 0) viewers, daemon CPU \(String(format: "%.1f", w.cpu)) % of a core"
                         + (withViewers ? String(format: ", %.2f frames/s per viewer, %d JPEG encodes for %d JPEGs served",
                                                 w.framesPerViewerSecond, w.encodes, w.served) : ""))
            }
        }
        let extra = BenchStats.median(watched) - BenchStats.median(idle)
        let frameRate = BenchStats.median(delivered) * Double(viewers)
        progress("0 viewers: \(BenchStats.describe(idle)) %; \(viewers) viewers: \(BenchStats.describe(watched)) %; "
                 + "frames per viewer per second \(BenchStats.describe(delivered)) (cap \(fps))")
        if frameRate > 0 {
            progress(String(format: "MJPEG costs %.1f %% of a core for %.1f frames/s served: %.2f ms CPU per frame served", extra, frameRate, extra * 10 / frameRate))
        }
        return [
            BenchFigure(name: "daemon CPU, \(viewers) MJPEG viewers at ≤ \(fps) fps", value: BenchStats.median(watched), unit: "% of a core",
                        reference: "the same daemon, no viewer", referenceValue: BenchStats.median(idle), higherIsBetter: false),
        ]
    }

    /// The daemon's CPU (% of one core) over `seconds`, with `viewers` viewers connected for the whole window.
    func window(daemon: BenchDaemon, port: Int, viewers: Int) throws
        -> (cpu: Double, framesPerViewerSecond: Double, encodes: Int, served: Int) {
        let watchers = try (0..<viewers).map { _ in try MJPEGViewer(port: port, path: "/api/cameras/cam/mjpeg") }
        defer { watchers.forEach { $0.stop() } }
        // Every viewer has had its first picture before the window opens.
        let deadline = MonotonicClock.seconds() + 15
        while watchers.contains(where: { $0.frames.load(ordering: .relaxed) == 0 }) {
            if let failed = watchers.first(where: { $0.failure != nil }) { throw BenchError("viewer failed: \(failed.failure!)") }
            guard MonotonicClock.seconds() < deadline else { throw BenchError("the MJPEG stream sent no picture within 15 s") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let f0 = watchers.map { $0.frames.load(ordering: .relaxed) }
        let j0 = try Self.jpegCounts(port: port)
        let c0 = try daemon.cpuSeconds(), t0 = MonotonicClock.seconds()
        Thread.sleep(forTimeInterval: Double(seconds))
        let c1 = try daemon.cpuSeconds(), wall = MonotonicClock.seconds() - t0
        let j1 = try Self.jpegCounts(port: port)
        let f1 = watchers.map { $0.frames.load(ordering: .relaxed) }
        let frames = zip(f0, f1).map { Double($1 - $0) }.reduce(0, +)
        return ((c1 - c0) / wall * 100, viewers == 0 ? 0 : frames / Double(viewers) / wall,
                j1.encodes - j0.encodes, j1.served - j0.served)
    }

    /// The daemon's `vigil_api_jpeg_encodes_total` and `vigil_api_jpeg_served_total` for the camera.
    static func jpegCounts(port: Int) throws -> (encodes: Int, served: Int) {
        let text = try HTTPGet.body(port: port, path: "/metrics")
        func value(_ series: String) -> Int {
            let line = text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            return line.flatMap { Double($0.dropFirst(series.count + 1)) }.map { Int($0) } ?? 0
        }
        return (value("vigil_api_jpeg_encodes_total{camera=\"cam\"}"), value("vigil_api_jpeg_served_total{camera=\"cam\"}"))
    }

    func config(_ dir: URL) -> String {
        """
        alerts:
          path: \(dir.appendingPathComponent("alerts.jsonl").path)
        cameras:
          - name: cam
            url: \(url)
        detect:
          models: []
        api:
          listen: 127.0.0.1:0
          mjpeg_max_viewers: \(min(64, viewers * 2))
          mjpeg_max_fps: \(fps)

        """
    }
}

/// `vigil run` started by a benchmark (this binary), its API port and its CPU time.
///
/// Thread safety: used from the command's thread only.
final class BenchDaemon {
    let process = Process()
    let stderrPath: String
    var pid: Int32 { process.processIdentifier }

    init(config: String, directory: URL) throws {
        let cfg = directory.appendingPathComponent("vigil.yaml")
        try config.write(to: cfg, atomically: true, encoding: .utf8)
        stderrPath = directory.appendingPathComponent("daemon.err").path
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["run", "--config", cfg.path]
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The port from the "web page on http://…" line the daemon logs at start.
    func apiPort() throws -> Int {
        let deadline = MonotonicClock.seconds() + 30
        while MonotonicClock.seconds() < deadline {
            let text = stderr
            if let r = text.range(of: "web page on http://"), let colon = text[r.upperBound...].firstIndex(of: ":"),
               let slash = text[colon...].firstIndex(of: "/"), let port = Int(text[text.index(after: colon)..<slash]) {
                return port
            }
            guard process.isRunning else { throw BenchError("vigil run exited: \(text)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw BenchError("vigil run did not log its API address within 30 s: \(stderr)")
    }

    /// Waits until `/api/cameras` says `camera` is up.
    func waitUntilUp(port: Int, camera: String) throws {
        let deadline = MonotonicClock.seconds() + 30
        while MonotonicClock.seconds() < deadline {
            if let body = try? HTTPGet.body(port: port, path: "/api/cameras"),
               let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
               let cams = json["cameras"] as? [[String: Any]],
               cams.contains(where: { $0["name"] as? String == camera && $0["state"] as? String == "up" }) {
                return
            }
            guard process.isRunning else { throw BenchError("vigil run exited: \(stderr)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw BenchError("camera '\(camera)' not up within 30 s: \(stderr)")
    }

    /// User + system CPU seconds of the daemon so far (/proc/PID/stat, fields 14 and 15).
    func cpuSeconds() throws -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { throw BenchError("vigil run (pid \(pid)) is gone: \(stderr)") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BenchError("cannot read /proc/\(pid)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// SIGTERM, then waits for the exit (SIGKILL after 10 s).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = MonotonicClock.seconds() + 10
        while process.isRunning, MonotonicClock.seconds() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }
}

/// One MJPEG viewer on its own thread: reads the multipart stream and counts its pictures.
///
/// Thread safety: `frames` and `failure` are read by the benchmark thread while the viewer's thread writes them.
final class MJPEGViewer: @unchecked Sendable {  // unchecked: `failureText` is behind `lock`; the rest is atomic or immutable
    let frames = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var failureText: String?
    var failure: String? { lock.withLock { failureText } }

    init(port: Int, path: String) throws {
        guard let fd = HTTPGet.connect(port: port), HTTPGet.send(fd, path: path, close: false) else {
            throw BenchError("cannot open \(path) on port \(port)")
        }
        let t = Thread { [self] in read(fd); close(fd); finished.signal() }
        t.name = "mjpeg-viewer"
        t.start()
    }

    private func read(_ fd: Int32) {
        let marker = Array("Content-Type: image/jpeg".utf8)
        var carry: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var first = true
        while !stopping.load(ordering: .relaxed) {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else {
                if !stopping.load(ordering: .relaxed) { lock.withLock { failureText = "the stream ended (recv \(n), errno \(errno))" } }
                return
            }
            var hay = carry + buf[0..<n]
            if first {
                first = false
                guard hay.starts(with: Array("HTTP/1.1 200".utf8)) else {
                    lock.withLock { failureText = String(decoding: hay.prefix(300), as: UTF8.self) }
                    return
                }
            }
            var count = 0
            var i = 0
            while let r = hay[i...].firstRange(of: marker) { count += 1; i = r.upperBound }
            if count > 0 { frames.wrappingAdd(count, ordering: .relaxed) }
            hay.removeFirst(max(i, hay.count - (marker.count - 1)))
            carry = hay
        }
    }

    /// Stops reading and closes the connection (the server notices at its next picture).
    func stop() {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
    }
}
