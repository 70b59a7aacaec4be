import Foundation

/// Test clips, generated once per test process by `samples/make_samples.sh` plus a few derived files
/// (other containers and codecs, damaged copies). Nothing is committed as video.
public enum Fixtures {
    /// The `stream:` block of the live tests' configs (top level, ends with a newline): short timeouts and fast
    /// reconnects, so a test waits seconds for a broken camera, not minutes.
    public static func streamYAML(openTimeout: Double = 3, readTimeout: Double = 2, noFramesTimeout: Double = 2) -> String {
        func f(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
        return "stream:\n  open_timeout_s: \(f(openTimeout))\n  read_timeout_s: \(f(readTimeout))\n"
            + "  no_frames_timeout_s: \(f(noFramesTimeout))\n  reconnect_initial_s: 0.2\n  reconnect_max_s: 1\n"
    }

    /// The repository root (this file is Tests/TestSupport/Fixtures.swift).
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The directory with the generated clips; generated on first use.
    public static let directory: URL = generate()

    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// `--config` arguments for a replay about motion, tamper or ingest only (`detect: {models: []}`): without a
    /// config a replay runs the default detectors, which these tests are not about (and which cost seconds of
    /// CPU per clip in a debug build).
    public static var motionOnly: [String] { ["--config", path("motion-only.yaml")] }

    /// The `vigil` executable built alongside the test bundle.
    public static let vigil: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [bundle, bundle.deletingLastPathComponent()] {
            let p = dir.appendingPathComponent("vigil").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return repoRoot.appendingPathComponent(".build/debug/vigil").path
    }()

    private static func generate() -> URL {
        let dir = makeTemporaryDirectory("fixtures")
        let script = repoRoot.appendingPathComponent("samples/make_samples.sh").path
        must(run("/bin/bash", [script, dir.path]))
        let boxes = dir.appendingPathComponent("boxes.mp4").path
        func ff(_ args: [String]) { must(run("/usr/bin/env", ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"] + args)) }
        // Other containers with the same H.264 stream, and MPEG-4 Part 2 in Matroska and AVI.
        ff(["-i", boxes, "-c", "copy", dir.appendingPathComponent("boxes.mkv").path])
        ff(["-i", boxes, "-c", "copy", dir.appendingPathComponent("boxes.ts").path])
        ff(["-i", boxes, "-c:v", "mpeg4", "-q:v", "3", "-g", "25", dir.appendingPathComponent("boxes-mpeg4.mkv").path])
        ff(["-i", boxes, "-c:v", "mpeg4", "-q:v", "3", "-g", "25", dir.appendingPathComponent("boxes-mpeg4.avi").path])
        // Raw Annex-B H.264: no container timestamps.
        ff(["-i", boxes, "-c", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264", dir.appendingPathComponent("boxes.h264").path])
        // Audio only: no video stream.
        ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", dir.appendingPathComponent("audio.wav").path])
        // Bad files.
        let data = try! Data(contentsOf: URL(fileURLWithPath: boxes))
        let ts = try! Data(contentsOf: dir.appendingPathComponent("boxes.ts"))
        write(Data(), "empty.mp4", in: dir)
        var rng = SplitMix(seed: 42)
        write(Data((0..<200_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }), "random.mp4", in: dir)
        write(Data("this is not a video, it is a text file\n".utf8), "text.mp4", in: dir)
        write(data.prefix(2048), "header-only.mp4", in: dir)
        write(ts.prefix(ts.count * 6 / 10), "truncated.ts", in: dir)
        var flipped = ts
        var frng = SplitMix(seed: 7)
        for _ in 0..<400 {  // flip bytes in the middle third
            let i = ts.count / 3 + Int(frng.next() % UInt64(ts.count / 3))
            flipped[i] ^= UInt8(truncatingIfNeeded: frng.next() | 1)
        }
        write(flipped, "bitflipped.ts", in: dir)
        write(Data("detect:\n  models: []\n".utf8), "motion-only.yaml", in: dir)
        return dir
    }

    /// Issue 16's stream: opencv-doc's vtest.avi (pedestrians; VIGIL_OPENCV_DATA, scripts/fetch-test-images.sh)
    /// re-encoded with libx264 at its defaults (B-frames) as raw Annex-B H.264 whose headers declare 10 fps, the
    /// first 250 frames; `RTSPTestServer(clip:)` serves it on `/file` at 25 fps. Nil without VIGIL_OPENCV_DATA.
    public static let vtestH264: String? = {
        guard let data = ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] else { return nil }
        let out = directory.appendingPathComponent("vtest-10fps.264").path
        must(run("/usr/bin/env", ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", "\(data)/vtest.avi",
                                  "-frames:v", "250", "-an", "-c:v", "libx264", "-preset", "veryfast", "-f", "h264", out]))
        return out
    }()

    private static func write(_ d: Data, _ name: String, in dir: URL) {
        try! d.write(to: dir.appendingPathComponent(name))
    }

    private static func must(_ r: ProcessResult) {
        precondition(r.status == 0, "fixture generation failed: \(r.stderr)")
    }
}

/// A finished child process.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// Runs `executable` with `arguments` to completion (stdin closed), capturing both outputs.
public func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let environment {
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try! p.run()
    // Read both pipes concurrently so that neither side can fill up and block the child.
    let errData = LockedData()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData.set(err.fileHandleForReading.readDataToEndOfFile())
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData.get(), as: UTF8.self))
}

/// Runs the built `vigil` with `arguments`.
public func vigil(_ arguments: [String], environment: [String: String]? = nil) -> ProcessResult {
    run(Fixtures.vigil, arguments, environment: environment)
}

final class LockedData: @unchecked Sendable {  // unchecked: every access holds `lock`
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}

/// A small deterministic random generator for test data.
public struct SplitMix {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }
    public mutating func uniform(_ a: Float, _ b: Float) -> Float { a + (b - a) * unit() }
}

/// Clips made by a repository script that takes opencv-doc's folder (`VIGIL_OPENCV_DATA`) and an output folder
/// (samples/make_scenes.sh, scripts/golden-clips.sh), in a fresh temporary directory; stops the test process
/// with the script's message if it fails.
public func clipsFromOpenCVData(script: String, label: String) -> URL {
    let dir = makeTemporaryDirectory(label)
    let data = ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] ?? ".ci/opencv-data"
    let r = run("/bin/bash", [Fixtures.repoRoot.appendingPathComponent(script).path, data, dir.path])
    precondition(r.status == 0, "\(script) failed: \(r.stderr)")
    return dir
}
