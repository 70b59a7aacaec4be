import Foundation
import Recording
import Testing
import TestSupport

/// Retention on real files in a camera folder, with an injected clock (`now`) and file times set by the test.
@Suite struct RetentionTests {
    let day = 86_400.0
    let now = 1_800_000_000.0

    func make(_ dir: URL, _ sub: String, _ name: String, bytes: Int, ageDays: Double) throws -> String {
        let folder = dir.appendingPathComponent(sub)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(count: bytes).write(to: URL(fileURLWithPath: path))
        let t = now - ageDays * day
        var times = [timespec(tv_sec: Int(t), tv_nsec: 0), timespec(tv_sec: Int(t), tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        return path
    }

    func names(_ files: [String]) -> Set<String> { Set(files.map { ($0 as NSString).lastPathComponent }) }

    @Test func ageLimitsPerKindThenSizeCapOldestFirstNeverTheOpenFile() throws {
        let dir = makeTemporaryDirectory("retention")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try make(dir, "events", "e-old.mp4", bytes: 1000, ageDays: 20)
        _ = try make(dir, "events", "e-mid.mp4", bytes: 1000, ageDays: 5)
        _ = try make(dir, "events", "e-new.mp4", bytes: 1000, ageDays: 1)
        _ = try make(dir, "continuous", "c-old.mp4", bytes: 1000, ageDays: 3)
        let open = try make(dir, "continuous", "c-open.mp4", bytes: 5000, ageDays: 8)  // being written
        _ = try make(dir, "continuous", "c-new.mp4", bytes: 1000, ageDays: 0.5)
        _ = try make(dir, "continuous", "notes.txt", bytes: 10, ageDays: 99)  // not a recording
        // Events kept 10 days, continuous 2 days: e-old and c-old go; c-open is older but written now.
        var policy = RetentionPolicy(eventsMaxAge: 10 * day, continuousMaxAge: 2 * day, maxTotalBytes: 0)
        var deleted = Retention.sweep(cameraDirectory: dir.path, policy: policy, now: now, open: [open])
        #expect(names(deleted.map(\.path)) == ["e-old.mp4", "c-old.mp4"])
        #expect(FileManager.default.fileExists(atPath: open))
        // Size cap 2000 bytes over e-mid (5 d), e-new (1 d), c-new (0.5 d): the oldest goes first, the open
        // file is neither deleted nor counted.
        policy.maxTotalBytes = 2000
        deleted = Retention.sweep(cameraDirectory: dir.path, policy: policy, now: now, open: [open])
        #expect(deleted.map { ($0.path as NSString).lastPathComponent } == ["e-mid.mp4"])
        #expect(names(Retention.list(cameraDirectory: dir.path).map(\.path)) == ["e-new.mp4", "c-new.mp4", "c-open.mp4"])
        // The clock moves on two days: c-new ages out of continuous retention; events stay.
        deleted = Retention.sweep(cameraDirectory: dir.path, policy: policy, now: now + 2 * day, open: [open])
        #expect(names(deleted.map(\.path)) == ["c-new.mp4"])
        // Once the file is finished (no longer open) it is subject to the rules like any other.
        deleted = Retention.sweep(cameraDirectory: dir.path, policy: policy, now: now + 2 * day, open: [])
        #expect(names(deleted.map(\.path)) == ["c-open.mp4"])
    }

    @Test func zeroMeansNoLimit() {
        let files = (0..<5).map {
            RecordingFile(path: "/x/\($0).mp4", isEvent: $0 % 2 == 0, bytes: 1 << 30, modified: now - Double($0) * 400 * day)
        }
        let policy = RetentionPolicy(eventsMaxAge: 0, continuousMaxAge: 0, maxTotalBytes: 0)
        #expect(Retention.plan(files, policy: policy, now: now, open: []).isEmpty)
        let capped = RetentionPolicy(eventsMaxAge: 0, continuousMaxAge: 0, maxTotalBytes: 3 << 30)
        #expect(Retention.plan(files, policy: capped, now: now, open: []).map(\.path) == ["/x/4.mp4", "/x/3.mp4"])
    }
}
