import Foundation

/// How long a camera's recordings are kept.
public struct RetentionPolicy: Sendable, Equatable {
    /// Seconds; 0: no limit by age.
    public var eventsMaxAge: Double
    public var continuousMaxAge: Double
    /// Bytes of the camera's recordings (clips and segments); 0: no limit.
    public var maxTotalBytes: Int

    public init(eventsMaxAge: Double, continuousMaxAge: Double, maxTotalBytes: Int) {
        self.eventsMaxAge = eventsMaxAge; self.continuousMaxAge = continuousMaxAge; self.maxTotalBytes = maxTotalBytes
    }
}

/// A recording file found on disk.
public struct RecordingFile: Sendable, Equatable {
    public var path: String
    public var isEvent: Bool
    public var bytes: Int
    /// Last modification, seconds since the epoch (a file's end).
    public var modified: Double

    public init(path: String, isEvent: Bool, bytes: Int, modified: Double) {
        self.path = path; self.isEvent = isEvent; self.bytes = bytes; self.modified = modified
    }
}

/// Deletes a camera's old recordings: event clips and continuous segments by age (each its own limit), then
/// the oldest files (either kind) while the camera's total is over its size cap. A file still being written is
/// never deleted (nor counted against the cap: it cannot be freed). Pure decision (`plan`) plus a sweep that
/// lists and deletes; the clock is the caller's.
///
/// Thread safety: stateless.
public enum Retention {
    /// The files to delete, oldest first.
    public static func plan(_ files: [RecordingFile], policy: RetentionPolicy, now: Double,
                            open: Set<String>) -> [RecordingFile] {
        var doomed: [RecordingFile] = []
        var kept: [RecordingFile] = []
        for f in files.sorted(by: { ($0.modified, $0.path) < ($1.modified, $1.path) }) where !open.contains(f.path) {
            let limit = f.isEvent ? policy.eventsMaxAge : policy.continuousMaxAge
            if limit > 0, now - f.modified > limit { doomed.append(f) } else { kept.append(f) }
        }
        if policy.maxTotalBytes > 0 {
            var total = kept.reduce(0) { $0 + $1.bytes }
            for f in kept where total > policy.maxTotalBytes {
                doomed.append(f)
                total -= f.bytes
            }
        }
        return doomed
    }

    /// The `.mp4` files under `cameraDirectory/events` and `cameraDirectory/continuous`.
    public static func list(cameraDirectory: String) -> [RecordingFile] {
        var out: [RecordingFile] = []
        let fm = FileManager.default
        for (sub, isEvent) in [("events", true), ("continuous", false)] {
            let dir = cameraDirectory + "/" + sub
            guard let names = try? fm.contentsOfDirectory(atPath: dir) else { continue }
            for name in names where name.hasSuffix(".mp4") {
                let path = dir + "/" + name
                var st = stat()
                guard stat(path, &st) == 0 else { continue }
                let modified = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
                out.append(RecordingFile(path: path, isEvent: isEvent, bytes: Int(st.st_size), modified: modified))
            }
        }
        return out
    }

    /// Lists, plans and deletes; returns the deleted files.
    @discardableResult
    public static func sweep(cameraDirectory: String, policy: RetentionPolicy, now: Double,
                             open: Set<String>) -> [RecordingFile] {
        let doomed = plan(list(cameraDirectory: cameraDirectory), policy: policy, now: now, open: open)
        return doomed.filter { unlink($0.path) == 0 }
    }
}
