import Foundation
import Sinks
import Testing
import TestSupport
import VigilCore

/// The alert log survives `kill -9` in the middle of heavy writing: a real `vigil bench alerts` process writes
/// numbered alerts through `AlertLog` with rotation every 256 KiB and is killed once it has rotated three times.
/// Then every complete line of the log and its rotated files is an alert, the frames run 0, 1, 2, … without a
/// gap across the files (nothing before the last line is lost), and only the current file may end with an
/// incomplete line. `vigil tail` and `vigil tail -f` skip a torn tail, and `tail -f` goes on across the
/// restarted writer's rotations without repeating or losing a line.
@Suite struct AlertLogCrashTests {
    let dir: URL
    static let maxBytes = 262_144

    init() throws {
        dir = makeTemporaryDirectory("crash")
    }

    /// Alert `k` as `vigil bench alerts` writes it (Sources/VigilBench/AlertLogBench.swift).
    static func benchAlert(_ k: Int) -> Alert {
        Alert(timestamp: 1_767_225_600 + Double(k) / 25, mediaTime: Double(k) / 25, frame: k, camera: "bench",
              event: "zone_enter", severity: .info, trackID: 7, label: "person", score: 0.9,
              box: Box(x1: 1, y1: 2, x2: 3, y2: 4), zone: "yard")
    }

    /// Starts the writer and SIGKILLs it once its third rotation is complete (`PATH.3` exists and the new `PATH`
    /// has its first line); returns the log's path. (A kill in the middle of a rotation, which leaves a gap in
    /// the numbers, is AlertLogTests' `aRotationCutShortByACrashLosesNoFile`.)
    func killWriterMidRun() throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Fixtures.vigil)
        p.arguments = ["bench", "alerts", dir.path, "--count", "100000000", "--max-bytes", String(Self.maxBytes),
                       "--keep", "100000"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let path = dir.appendingPathComponent("vigil-bench-alerts-\(p.processIdentifier).jsonl").path
        var st = stat()
        let rotated = waitUntil(timeout: 60, poll: 0.001) {
            stat(path + ".3", &st) == 0 && stat(path + ".2", &st) == 0 && stat(path + ".1", &st) == 0
                && stat(path, &st) == 0 && st.st_size > 0
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(rotated, "the writer did not rotate three times within 60 s")
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL)
        return path
    }

    /// Checks the files left behind; returns the complete lines (oldest first) and the current file's torn tail.
    func checkLeftBehind(_ path: String) throws -> (lines: [String], torn: String) {
        let files = RotatedLogs.files(of: path)
        #expect(files.count >= 4 && files.last == path, "\(files)")
        var all: [String] = []
        var torn = ""
        for (n, f) in files.enumerated() {
            let data = try Data(contentsOf: URL(fileURLWithPath: f))
            #expect(data.count <= Self.maxBytes, "\(f): \(data.count) bytes")
            var parts = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            let tail = parts.removeLast()  // "" when the file ends with a newline
            if n < files.count - 1 {
                #expect(tail.isEmpty, "\(f), a rotated file, ends with an incomplete line: \(tail.prefix(80))")
            } else {
                torn = tail
            }
            all += parts
        }
        for (k, line) in all.enumerated() {
            let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            guard let o, o["event"] as? String == "zone_enter", o["frame"] as? Int == k else {
                Issue.record("line \(k) is not alert \(k) (a line lost or torn before the last): \(line.prefix(120))")
                break
            }
        }
        #expect(all.last == Self.benchAlert(all.count - 1).jsonLine())
        // A SIGKILL cannot cut one write(2) of a line to a regular file short, so there is normally no torn
        // tail; if there is one it must be the start of the next alert.
        #expect(torn.isEmpty || Self.benchAlert(all.count).jsonLine().hasPrefix(torn), "torn tail: \(torn)")
        return (all, torn)
    }

    @Test func killDuringHeavyWritingLosesNothingBeforeTheLastLine() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try killWriterMidRun()
        let (all, torn) = try checkLeftBehind(path)
        #expect(all.count > 3 * (Self.maxBytes / (Self.benchAlert(1_000_000).jsonLine().utf8.count + 1)))  // three full files
        // What a power cut (or a torn write) can leave: half of the next line. Readers skip it.
        if torn.isEmpty {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            h.seekToEndOfFile(); h.write(Data(Self.benchAlert(all.count).jsonLine().prefix(70).utf8)); try h.close()
        }
        let current = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropLast().map(String.init)
        let r = vigil(["tail", path, "--json"])
        #expect(r.status == 0 && r.lines == current)
        #expect(!r.stderr.contains("skipped"), "\(r.stderr)")
        let back = vigil(["tail", path, "--json", "--since", "2025-12-31T00:00:00Z"])
        #expect(back.status == 0 && back.lines.count == all.count && back.lines == all)
    }

    /// `vigil tail -f` follows the log across the crash: it holds the torn tail back, and when the restarted
    /// writer cuts it off and goes on (rotating twice or more), prints every new alert once.
    @Test func followSkipsTheTornTailAndGoesOnAcrossTheRestartedWritersRotations() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try killWriterMidRun()
        let (all, torn) = try checkLeftBehind(path)
        if torn.isEmpty {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            h.seekToEndOfFile(); h.write(Data(Self.benchAlert(all.count).jsonLine().prefix(70).utf8)); try h.close()
        }
        let current = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropLast().map(String.init)
        let follower = Follower(arguments: ["tail", path, "-f", "--json", "--poll-interval", "0.02"])
        defer { follower.stop() }
        #expect(waitUntil(timeout: 30, poll: 0.02) { follower.output().split(separator: "\n").count >= current.count })
        // The follower has read up to the end of the file, torn tail included (its descriptor's offset), and
        // still printed only the whole lines.
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(waitUntil(timeout: 30, poll: 0.02) { follower.readOffset(of: path) == size }, "the follower never read to the end")
        #expect(follower.output() == current.map { $0 + "\n" }.joined(), "the torn tail was printed")
        // The writer restarts: AlertLog cuts the torn line on open and appends to the same file (the torn alert
        // is lost, the next one is another), rotating at the same size.
        var o = AlertLogOptions()
        o.maxBytes = Self.maxBytes
        o.keep = 100_000
        let restarted = try AlertLog(path: path, options: o)
        let next = (all.count + 1)..<(all.count + 1 + 3000)
        for k in next {
            try restarted.write(Self.benchAlert(k))
            if k % 100 == 0 { usleep(5_000) }
        }
        try restarted.flush()
        #expect(restarted.rotations >= 2)
        let expected = current + next.map { Self.benchAlert($0).jsonLine() }
        _ = waitUntil(timeout: 30, poll: 0.05) { follower.output().split(separator: "\n").count >= expected.count }
        // Nothing more (a repeated line) may follow: the follower has read the current file to its end.
        let end = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(waitUntil(timeout: 30, poll: 0.02) { follower.readOffset(of: path) == end }, "the follower never read to the end")
        let got = follower.output().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(got.last == "")
        let body = Array(got.dropLast())
        let firstDiff = zip(body, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDiff == nil && body.count == expected.count,
                "\(body.count) lines of \(expected.count); first difference at \(firstDiff ?? -1): \(firstDiff.map { body[$0].prefix(120) } ?? "")")
    }
}
