import Foundation
import Testing
import VigilCore
@testable import Sinks

@Suite struct AlertLogTests {
    @Test func rotatesBySizeAndKeepsN() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("alerts.jsonl")
        var o = AlertLogOptions()
        o.maxBytes = 4096
        o.keep = 3
        o.sync = .never
        let log = try AlertLog(path: path, options: o)
        let lineBytes = numbered(0).jsonLine().utf8.count + 1
        for i in 0..<200 { try log.write(numbered(i)) }
        try log.flush()
        #expect(log.written == 200 && log.dropped == 0)
        #expect(RotatedLogs.files(of: path) == [path + ".3", path + ".2", path + ".1", path])
        #expect(!FileManager.default.fileExists(atPath: path + ".4"))
        // Every file is under the limit and holds whole lines; together the newest alerts, in order.
        var all: [String] = []
        for f in RotatedLogs.files(of: path) {
            let size = try FileManager.default.attributesOfItem(atPath: f)[.size] as! Int
            #expect(size <= 4096)
            all += try lines(f)
        }
        let perFile = 4096 / lineBytes
        #expect(all.count == 200 - (log.rotations - 3) * perFile)
        #expect(all == (200 - all.count..<200).map { numbered($0).jsonLine() })
    }

    /// A writer killed between two of a rotation's renames (PATH.2 → PATH.3 done, PATH.1 → PATH.2 not) leaves
    /// PATH.1, PATH.3, PATH.4: readers still list every file in order, and the restarted writer closes the gap
    /// and rotates on without overwriting or losing a file.
    @Test func aRotationCutShortByACrashLosesNoFile() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("alerts.jsonl")
        func put(_ f: String, _ range: Range<Int>) throws {
            try range.map { numbered($0).jsonLine() + "\n" }.joined().write(toFile: f, atomically: false, encoding: .utf8)
        }
        try put(path + ".4", 0..<10)
        try put(path + ".3", 10..<20)
        try put(path + ".1", 20..<30)
        try put(path, 30..<35)
        try put(path + ".x", 0..<1)      // not a rotated file: other suffixes are ignored
        try put(path + ".01", 0..<1)
        #expect(RotatedLogs.files(of: path) == [path + ".4", path + ".3", path + ".1", path])
        var o = AlertLogOptions()
        o.maxBytes = (numbered(49).jsonLine().utf8.count + 1) * 10
        o.keep = 10
        o.sync = .never
        let log = try AlertLog(path: path, options: o)
        #expect(RotatedLogs.files(of: path) == [path + ".3", path + ".2", path + ".1", path])
        for i in 35..<50 { try log.write(numbered(i)) }
        try log.flush()
        #expect(log.rotations == 1)
        let files = RotatedLogs.files(of: path)
        #expect(files == [path + ".4", path + ".3", path + ".2", path + ".1", path])
        #expect(try files.flatMap { try lines($0) } == (0..<50).map { numbered($0).jsonLine() })
    }

    @Test func rotatesDaily() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("alerts.jsonl")
        var o = AlertLogOptions()
        o.maxBytes = 0
        o.rotateDaily = true
        let log = try AlertLog(path: path, options: o)
        for d in 0..<3 { for i in 0..<5 { try log.write(numbered(i, day: d)) } }
        #expect(log.rotations == 2)
        #expect(try lines(path + ".2").count == 5 && lines(path + ".1").count == 5 && lines(path).count == 5)
        #expect(try lines(path + ".2")[0] == numbered(0, day: 0).jsonLine())
    }

    @Test func keepZeroStartsOver() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("alerts.jsonl")
        var o = AlertLogOptions()
        o.maxBytes = 4096
        o.keep = 0
        let log = try AlertLog(path: path, options: o)
        for i in 0..<100 { try log.write(numbered(i)) }
        #expect(RotatedLogs.files(of: path) == [path])
        #expect(try lines(path).last == numbered(99).jsonLine())
    }

    @Test func incompleteLastLineFromACrashIsCutOnOpen() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("alerts.jsonl")
        let good = numbered(1).jsonLine() + "\n"
        try (good + #"{"ts":"2026-01-01T00:00:0"#).write(toFile: path, atomically: false, encoding: .utf8)
        let log = try AlertLog(path: path)
        try log.write(numbered(2))
        #expect(try lines(path) == [numbered(1).jsonLine(), numbered(2).jsonLine()])
    }

    @Test(arguments: [SyncPolicy.always, .interval, .never])
    func syncPoliciesWriteTheSameBytes(_ policy: SyncPolicy) throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("alerts.jsonl")
        var o = AlertLogOptions()
        o.sync = policy
        o.syncInterval = 0.01
        let log = try AlertLog(path: path, options: o)
        for i in 0..<50 { try log.write(numbered(i)) }
        try log.flush()
        #expect(try lines(path) == (0..<50).map { numbered($0).jsonLine() })
    }

    @Test func unopenablePathThrowsAtStart() {
        #expect(throws: SinkError.self) { _ = try AlertLog(path: "/nonexistent-dir/x/alerts.jsonl") }
    }

    /// /dev/full fails every write with ENOSPC: alerts are counted as dropped, reported once, never thrown.
    @Test func fullDeviceDropsAndCarriesOn() throws {
        var reports: [String] = []
        var o = AlertLogOptions()
        o.maxBytes = 0
        let log = try AlertLog(path: "/dev/full", options: o, report: { reports.append($0) })
        for i in 0..<10 { try log.write(numbered(i)) }
        try log.flush()
        #expect(log.dropped == 10 && log.written == 0)
        #expect(reports.count == 1)
        #expect(reports.first?.contains("No space left on device") == true)
    }

    /// A tiny tmpfs: the disk fills up (drops counted, no torn line), goes read-only, then gets space back and
    /// writing resumes. Mounting needs root; as another user only /dev/full above is exercised.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func fullDiskAndReadOnlyDirectoryThenResume() throws {
        let dir = try TempDirectory("vigil-tmpfs")
        defer { dir.remove() }
        guard mount(dir: dir.path, options: "size=64k") else {
            Issue.record("root, but a tmpfs cannot be mounted on \(dir.path)")
            return
        }
        defer { _ = shell("umount \(dir.path)") }
        let path = dir.file("alerts.jsonl")
        var reports: [String] = []
        var o = AlertLogOptions()
        o.maxBytes = 0
        o.sync = .always
        let log = try AlertLog(path: path, options: o, report: { reports.append($0) })
        // Fill the disk.
        var i = 0
        while log.dropped == 0 && i < 10_000 { try log.write(numbered(i)); i += 1 }
        #expect(log.dropped == 1)
        for _ in 0..<5 { try log.write(numbered(i)); i += 1 }
        #expect(log.dropped == 6)
        let kept = try lines(path)
        #expect(kept.count == log.written)
        #expect(kept == (0..<log.written).map { numbered($0).jsonLine() })
        #expect(reports.count == 1 && reports[0].contains("No space left"))
        // Space comes back but the file system is read-only now.
        try String(repeating: "", count: 0).write(toFile: path, atomically: false, encoding: .utf8)
        #expect(shell("mount -o remount,ro \(dir.path)") == 0)
        try log.write(numbered(i)); i += 1
        #expect(log.dropped == 7)
        #expect(log.failure?.contains("Read-only") == true)
        // Writable again: writing resumes and says so.
        #expect(shell("mount -o remount,rw \(dir.path)") == 0)
        try log.write(numbered(i))
        #expect(log.dropped == 7)
        #expect(try lines(path) == [numbered(i).jsonLine()])
        #expect(reports.last?.contains("writing alerts again after dropping 7") == true)
    }

    func mount(dir: String, options: String) -> Bool {
        shell("mount -t tmpfs -o \(options) tmpfs \(dir)") == 0
    }

    func shell(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command + " 2>/dev/null"]
        try? p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
