#if canImport(Glibc)
import Glibc
#endif

/// Follows an alert log like `tail -F`: reads complete lines, and when the file is rotated (renamed away, a new
/// file with another inode appears at the path) finishes the old file, then every file rotated after it (the
/// log may rotate several times between two polls), oldest first, then goes on with the newest. When the file
/// is truncated it starts again from the top. A missing file is waited for. An unfinished last line is held
/// back and read again from its start at the next poll, so a torn line cut off by a restarted writer is never
/// joined to the lines written after it.
///
/// Files are told apart by inode and modification time, and ordered by modification time (rotated files are
/// no longer written, so theirs is fixed); a rotated file is pinned by opening it before it is read, so renames
/// by the writer while the follower catches up do not lose it.
///
/// Thread safety: not thread-safe; one reader.
public final class LogFollower {
    public let path: String
    private var fd: Int32 = -1
    private var inode: ino_t = 0
    private var device: dev_t = 0
    private var offset = 0
    private var reader = LineReader()
    /// Files read to the end: (device, inode, mtime in ns), the most recent few.
    private var consumed: [(dev_t, ino_t, Int64)] = []
    /// Times the follower switched to a new file (rotation) or started over (truncation).
    public private(set) var reopened = 0

    /// Starts at the beginning of `path`.
    public init(path: String) {
        self.path = path
        let d = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if d >= 0 { adopt(d) }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// True while a file is being followed.
    public var isOpen: Bool { fd >= 0 }

    private func adopt(_ d: Int32) {
        var st = stat()
        fstat(d, &st)
        if fd >= 0 { close(fd) }
        fd = d; inode = st.st_ino; device = st.st_dev; offset = 0
        reader.reset()
    }

    private static func mtime(_ st: stat) -> Int64 {
        Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }

    /// Hands out every complete line available now. Call it again after a short sleep to follow.
    public func poll(_ line: ([UInt8]) -> Void) {
        if fd < 0 {
            let d = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard d >= 0 else { return }
            adopt(d)
        }
        var st = stat()
        let complete = offset - reader.pendingCount  // just past the last complete line handed out
        if fstat(fd, &st) == 0, Int(st.st_size) < complete {  // truncated in place: start over
            lseek(fd, 0, SEEK_SET)
            offset = 0
            reader.reset()
            reopened += 1
        } else if reader.pendingCount > 0 {
            // Read the unfinished line again from its start: a writer restarted after a crash cuts a torn last
            // line off (AlertLog does when it opens) and appends whole lines in its place, so the bytes held back
            // may never be completed.
            lseek(fd, off_t(complete), SEEK_SET)
            offset = complete
            reader.reset()
        }
        offset += reader.drain(fd, line)
        var now = stat()
        guard stat(path, &now) == 0, now.st_ino != inode || now.st_dev != device else { return }
        catchUp(line)
    }

    /// The path names another file: finish the current one and every newer file, then follow the newest.
    private func catchUp(_ line: ([UInt8]) -> Void) {
        offset += reader.drain(fd, line)
        var old = stat()
        fstat(fd, &old)
        let oldTime = LogFollower.mtime(old)
        remember(old)
        // Pin the candidates: PATH first (it may be rotated while we scan; then it shows up again as PATH.1,
        // which the seen-check drops), then PATH.1, PATH.2, … until the files are clearly older.
        struct Candidate { var fd: Int32; var st: stat; var index: Int }
        var found: [Candidate] = []
        func pin(_ name: String, _ index: Int) -> Bool? {
            let d = Glibc.open(name, O_RDONLY | O_CLOEXEC)
            guard d >= 0 else { return nil }
            var st = stat()
            fstat(d, &st)
            let t = LogFollower.mtime(st)
            let same = found.contains { $0.st.st_ino == st.st_ino && $0.st.st_dev == st.st_dev }
            if same || isConsumed(st) || (st.st_ino == old.st_ino && st.st_dev == old.st_dev) || t < oldTime {
                close(d)
                return t >= oldTime - 1_000_000_000
            }
            found.append(Candidate(fd: d, st: st, index: index))
            return true
        }
        _ = pin(path, 0)
        var k = 1, misses = 0
        while k <= 100_000 && misses < 3 {
            switch pin("\(path).\(k)", k) {
            case nil: misses += 1
            case .some(false): misses = 3  // older than the file we came from: the rest is older still
            case .some(true): misses = 0
            }
            k += 1
        }
        guard !found.isEmpty else { return }
        // Oldest first: by modification time, then higher rotation index first (PATH itself is the newest).
        found.sort { a, b in
            let ta = LogFollower.mtime(a.st), tb = LogFollower.mtime(b.st)
            if ta != tb { return ta < tb }
            return (a.index == 0 ? Int.max : -a.index) < (b.index == 0 ? Int.max : -b.index)
        }
        for c in found.dropLast() {
            var r = LineReader()
            r.drain(c.fd, line)
            var st = stat()
            fstat(c.fd, &st)
            remember(st)
            close(c.fd)
        }
        adopt(found.last!.fd)
        reopened += 1
        offset += reader.drain(fd, line)
    }

    private func remember(_ st: stat) {
        consumed.append((st.st_dev, st.st_ino, LogFollower.mtime(st)))
        if consumed.count > 256 { consumed.removeFirst(consumed.count - 256) }
    }

    private func isConsumed(_ st: stat) -> Bool {
        let t = LogFollower.mtime(st)
        return consumed.contains { $0.0 == st.st_dev && $0.1 == st.st_ino && $0.2 == t }
    }
}
