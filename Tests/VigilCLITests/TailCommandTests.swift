import Foundation
import Sinks
import Testing
import TestSupport
import VigilCore

/// `vigil tail`: readable lines, filters, --since through rotated files, and -f across rotation while another
/// process writes (no lost, repeated or torn line).
@Suite struct TailCommandTests {
    let dir: URL

    init() throws {
        dir = makeTemporaryDirectory("tail")
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    static func alert(_ i: Int, ts: Double, camera: String = "gate", event: String = "zone_enter",
                      severity: Severity = .info) -> Alert {
        Alert(timestamp: ts, mediaTime: Double(i), frame: i, camera: CameraID(camera), event: event,
              severity: severity, trackID: i, label: "person", score: 0.875, box: Box(x1: 1, y1: 2, x2: 3, y2: 4),
              zone: "yard", details: [("n", .int(i))])
    }

    @Test func readableLinesAndFilters() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = path("a.jsonl")
        let log = try AlertLog(path: p)
        try log.write(Self.alert(1, ts: 1_767_225_600))
        try log.write(Self.alert(2, ts: 1_767_225_601, camera: "door", event: "tamper", severity: .critical))
        try log.write(Self.alert(3, ts: 1_767_225_602, event: "line_cross", severity: .warning))
        let r = vigil(["tail", p])
        #expect(r.status == 0)
        #expect(r.lines.first == "2026-01-01 00:00:00.000  gate  zone_enter  info  person #1 0.875  zone=yard n=1")
        #expect(r.lines.count == 3)
        #expect(vigil(["tail", p, "--camera", "door"]).lines.count == 1)
        #expect(vigil(["tail", p, "--event", "tamper,line_cross"]).lines.count == 2)
        #expect(vigil(["tail", p, "--min-severity", "warning"]).lines.count == 2)
        #expect(vigil(["tail", p, "--min-severity", "critical", "--json"]).lines
                == [Self.alert(2, ts: 1_767_225_601, camera: "door", event: "tamper", severity: .critical).jsonLine()])
    }

    @Test func badInputs() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = path("a.jsonl")
        // A whole alert, a line missing most keys, a line that is not JSON, and a last line still being written.
        let good = Self.alert(1, ts: 1_767_225_600).jsonLine()
        try (good + "\n{\"ts\":\"2026-01-01T00:00:00.000Z\",\"event\":\"x\"}\nnot json\n{\"half\":")
            .write(toFile: p, atomically: true, encoding: .utf8)
        let ok = vigil(["tail", p])
        #expect(ok.status == 0)
        #expect(ok.lines == ["2026-01-01 00:00:00.000  gate  zone_enter  info  person #1 0.875  zone=yard n=1"])
        #expect(ok.stderr.contains("skipped 2 lines that are not alerts (the first: missing 'media_time')"), "\(ok.stderr)")
        #expect(vigil(["tail", p, "--json"]).lines == [good], "--json prints the line as it is in the log")
        for (args, status) in [(["tail", path("missing.jsonl")], Int32(66)),
                               (["tail", p, "--min-severity", "loud"], 64),
                               (["tail", p, "--since", "yesterday"], 64),
                               (["tail", p, "--since", "0m"], 64),
                               (["tail", dir.path], 64),
                               (["tail", p, "--poll-interval", "0"], 64)] {
            let r = vigil(args)
            #expect(r.status == status, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("vigil: ") || r.stderr.hasPrefix("Error: "), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    /// A newer node's lines carry keys this version does not define: tail prints them (filtered as any alert,
    /// whole with `--json`) instead of skipping them; a line missing a required key is still skipped.
    @Test func linesWithKeysANewerNodeAddsAreShown() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = path("a.jsonl")
        let newer = #"{"ts":"2026-01-01T00:00:00.000Z","media_time":1,"frame":1,"camera":"gate","event":"zone_enter","severity":"warning","label":"car","zone":"yard","plate":{"text":"AB 123"},"schema":2}"#
        let older = #"{"ts":"2026-01-01T00:00:01.000Z","frame":2,"camera":"gate","event":"zone_enter","severity":"info","schema":2}"#
        try (newer + "\n" + older + "\n").write(toFile: p, atomically: true, encoding: .utf8)
        let r = vigil(["tail", p])
        #expect(r.status == 0)
        #expect(r.lines.count == 1 && r.lines.first?.hasPrefix("2026-01-01 00:00:00.000  gate  zone_enter  warning") == true
                && r.lines.first?.contains("zone=yard") == true, "\(r.stdout)")
        #expect(r.stderr.contains("skipped 1 lines that are not alerts (the first: missing 'media_time')"), "\(r.stderr)")
        #expect(vigil(["tail", p, "--json", "--min-severity", "warning"]).lines == [newer])
    }

    @Test func sinceReadsBackThroughRotatedFiles() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = path("a.jsonl")
        var o = AlertLogOptions()
        o.maxBytes = 4096
        o.keep = 100
        let log = try AlertLog(path: p, options: o)
        let now = Date().timeIntervalSince1970
        for i in 0..<60 { try log.write(Self.alert(i, ts: now - 7200 + Double(i))) }  // two hours ago
        for i in 60..<120 { try log.write(Self.alert(i, ts: now - 60 + Double(i - 60) * 0.1)) }  // the last minute
        #expect(log.rotations >= 3)
        let r = vigil(["tail", p, "--since", "10m", "--json"])
        #expect(r.status == 0)
        #expect(r.lines.count == 60)
        #expect(r.lines.first.map { $0.contains("\"frame\":60,") } == true)
        #expect(vigil(["tail", p, "--since", "3h"]).lines.count == 120)
        // Without --since: the current file only.
        #expect(vigil(["tail", p]).lines.count < 60)
    }

    /// A writer rotates the log every ~15 alerts (many rotations between two polls) while `vigil tail -f`
    /// follows; a half-written line appears first and must not be printed until it is complete.
    @Test func followAcrossRotationUnderConcurrentWriting() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = path("a.jsonl")
        _ = FileManager.default.createFile(atPath: p, contents: nil)
        let child = Follower(arguments: ["tail", p, "-f", "--json", "--poll-interval", "0.02"])
        defer { child.stop() }
        let first = Self.alert(0, ts: 1_767_225_600).jsonLine()
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: p))
        h.seekToEndOfFile()
        h.write(Data(first.prefix(40).utf8))
        // Wait until the follower has read the half line (its descriptor's offset is past it), so the check below
        // means something: a follower that printed partial lines would have printed it by then.
        let read = Date().addingTimeInterval(30)
        while child.readOffset(of: p) != 40 && Date() < read { usleep(5_000) }
        #expect(child.readOffset(of: p) == 40, "the follower never read the half-written line")
        h.write(Data((first.dropFirst(40) + "\n").utf8))
        try h.close()
        // The follower has the file open once it printed the completed first line; only then rotate (a follower
        // that starts after the log rotated away cannot know the lines it never saw, like `tail -F`).
        let started = Date().addingTimeInterval(30)
        while !child.output().contains(first) && Date() < started { usleep(20_000) }
        // Output is in order: a half line printed before would stand in front of the whole one.
        #expect(child.output() == first + "\n", "the completed line is printed once, and nothing before it")
        var o = AlertLogOptions()
        o.maxBytes = 4096
        o.keep = 10_000
        o.sync = .never
        let log = try AlertLog(path: p, options: o)
        let n = 3000
        for i in 1...n {
            try log.write(Self.alert(i, ts: 1_767_225_600 + Double(i)))
            if i % 100 == 0 { usleep(2000) }
        }
        #expect(log.rotations > 100)
        let expected = (0...n).map { Self.alert($0, ts: 1_767_225_600 + Double($0)).jsonLine() }
        let deadline = Date().addingTimeInterval(30)
        while child.output().split(separator: "\n").count < expected.count && Date() < deadline { usleep(50_000) }
        let got = child.output().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(got.last == "")  // ends with a newline: no torn output
        let body = Array(got.dropLast())
        // Name the first difference instead of printing 3000 lines.
        let firstDiff = zip(body, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDiff == nil && body.count == expected.count,
                "\(body.count) lines of \(expected.count); first difference at \(firstDiff ?? -1): \(firstDiff.map { body[$0].prefix(120) } ?? "")")
    }
}

/// A `vigil` child that keeps running (tail -f), its standard output collected by a reader thread.
final class Follower: @unchecked Sendable {  // unchecked: `data` is only touched under `lock`
    private let process = Process()
    private let pipe = Pipe()
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(arguments: [String]) {
        process.executableURL = URL(fileURLWithPath: Fixtures.vigil)
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try! process.run()
        let fd = pipe.fileHandleForReading.fileDescriptor
        Thread.detachNewThread { [self] in
            var buf = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                lock.lock(); data.append(contentsOf: buf[0..<n]); lock.unlock()
            }
            done.signal()
        }
    }

    /// How far the child has read `path` (the offset of its open descriptor on it, from /proc); nil while it
    /// has none.
    func readOffset(of path: String) -> Int? {
        let pid = process.processIdentifier
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return nil }
        for fd in fds {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                  target == URL(fileURLWithPath: path).resolvingSymlinksInPath().path,
                  let info = try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(fd)", encoding: .utf8) else { continue }
            for line in info.split(separator: "\n") where line.hasPrefix("pos:") {
                return Int(line.dropFirst(4).trimmingCharacters(in: .whitespaces))
            }
        }
        return nil
    }

    func output() -> String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        _ = done.wait(timeout: .now() + 5)
    }
}
