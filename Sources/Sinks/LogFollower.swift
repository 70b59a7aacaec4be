#if canImport(Glibc)
import Glibc
#endif

/// Follows an alert log like `tail -F`: reads complete lines, and when the file is rotated (renamed away, a new
/// file with another inode appears at the path) finishes the old file before it moves on to the new one from
/// its start; when the file is truncated it starts again from the top. A missing file is waited for.
///
/// Thread safety: not thread-safe; one reader.
public final class LogFollower {
    public let path: String
    private var fd: Int32 = -1
    private var inode: ino_t = 0
    private var device: dev_t = 0
    private var offset = 0
    private var reader = LineReader()
    /// Times the follower switched to a new file (rotation) or started over (truncation).
    public private(set) var reopened = 0

    /// Starts at the beginning of `path` (`fromEnd`: at its end, only new lines).
    public init(path: String, fromEnd: Bool = false) {
        self.path = path
        if open(), fromEnd {
            offset = Int(lseek(fd, 0, SEEK_END))
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// True while the followed file exists (or was open and is still being finished).
    public var isOpen: Bool { fd >= 0 }

    @discardableResult
    private func open() -> Bool {
        let d = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard d >= 0 else { return false }
        var st = stat()
        fstat(d, &st)
        if fd >= 0 { close(fd) }
        fd = d; inode = st.st_ino; device = st.st_dev; offset = 0
        reader.reset()
        return true
    }

    /// Rotated files (`PATH.k`) other than `old` last written at or after it, oldest first.
    private func newerRotated(than old: stat) -> [String] {
        var found: [(String, Int64)] = []
        var st = stat()
        var k = 1
        while k <= 100_000, stat("\(path).\(k)", &st) == 0 {
            let t = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
            let o = Int64(old.st_mtim.tv_sec) * 1_000_000_000 + Int64(old.st_mtim.tv_nsec)
            if !(st.st_ino == old.st_ino && st.st_dev == old.st_dev), t >= o { found.append(("\(path).\(k)", t)) }
            k += 1
        }
        // Higher k is older; equal times keep that order.
        return found.enumerated().sorted { a, b in
            a.element.1 != b.element.1 ? a.element.1 < b.element.1 : a.offset > b.offset
        }.map(\.element.0)
    }

    /// Hands out every complete line available now. Call it again after a short sleep to follow.
    public func poll(_ line: ([UInt8]) -> Void) {
        if fd < 0 {
            guard open() else { return }
        }
        // Truncated in place: start over.
        var st = stat()
        if fstat(fd, &st) == 0, Int(st.st_size) < offset {
            lseek(fd, 0, SEEK_SET)
            offset = 0
            reader.reset()
            reopened += 1
        }
        offset += reader.drain(fd, line)
        // Rotated: the path names another file now. The old file is finished (its writer moved on before the
        // rename): read what is left of it, then every file rotated after it (when the log rotated more than
        // once since the last poll), oldest first, then the new file.
        var now = stat()
        if stat(path, &now) == 0, now.st_ino != inode || now.st_dev != device {
            offset += reader.drain(fd, line)
            var old = stat()
            fstat(fd, &old)
            for name in newerRotated(than: old) {
                let d = Glibc.open(name, O_RDONLY | O_CLOEXEC)
                guard d >= 0 else { continue }
                var st = stat()
                fstat(d, &st)
                if st.st_ino == now.st_ino && st.st_dev == now.st_dev { close(d); continue }
                var r = LineReader()
                r.drain(d, line)
                close(d)
            }
            if open() {
                reopened += 1
                offset += reader.drain(fd, line)
            }
        }
    }
}
