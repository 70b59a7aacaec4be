import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// The durable alert log: JSON lines appended whole to a file that rotates by size (and optionally daily),
/// keeping `keep` old files (`PATH.1` newest … `PATH.N`), with an fsync policy.
///
/// Whole lines only: each alert goes out in one `write(2)` on an `O_APPEND` descriptor; if the disk fills up in
/// the middle of a line the file is cut back to the end of the previous line, so the log never holds a torn
/// line in its middle. A file left with an incomplete last line by a crash is cut back the same way when it is
/// opened. After a crash at most the last, incomplete line is lost.
///
/// Write failures (full disk, read-only or vanished directory, file size limit) never throw: the alert is
/// counted in `dropped`, `report` is told once when dropping starts and once when writing resumes, and every
/// later alert tries again (re-opening the file), so the log resumes by itself when space returns.
///
/// Thread safety: not thread-safe; one thread writes (the pipeline's sink stage). `report` is called on it.
public final class AlertLog: AlertSink {
    public let path: String
    public let options: AlertLogOptions
    public private(set) var written = 0
    /// Alerts that could not be written.
    public private(set) var dropped = 0
    /// Files rotated so far.
    public private(set) var rotations = 0
    /// Why the last write failed, while failing.
    public private(set) var failure: String? = nil

    private var fd: Int32 = -1
    private var size = 0
    private var fileDay: Int64? = nil
    private var lastSync = 0.0
    private var dirty = false
    private var droppedSinceReport = 0
    private var line: [UInt8] = []
    private let report: (String) -> Void
    private let now: () -> Double

    /// Opens (creates, appends to) `path`. Throws only when the file cannot be opened at all at start-up, so
    /// that a typo in a path is an error, not a silent drop; later failures are counted instead.
    public init(path: String, options: AlertLogOptions = AlertLogOptions(),
                report: @escaping (String) -> Void = { _ in }, now: @escaping () -> Double = MonotonicClock.seconds)
        throws {
        self.path = path; self.options = options; self.report = report; self.now = now
        line.reserveCapacity(1024)
        // A crash in the middle of a rotation can leave a gap in PATH.1 … PATH.N; close it before counting.
        if let e = RotatedLogs.compact(path) { report(e) }
        if let e = reopen() { throw SinkError(path: path, reason: e) }
        lastSync = now()
    }

    deinit {
        if fd >= 0 {
            if dirty && options.sync != .never { _ = fdatasync(fd) }
            close(fd)
        }
    }

    public func write(_ alert: Alert) throws {
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: alert.jsonLine().utf8)
        line.append(0x0A)
        let day = Int64((alert.timestamp / 86_400).rounded(.down))
        if fd < 0, let e = reopen() { return drop(e) }
        let needsSize = options.maxBytes > 0 && size > 0 && size + line.count > options.maxBytes
        let needsDay = options.rotateDaily && size > 0 && fileDay.map { $0 != day } == true
        if needsSize || needsDay {
            if let e = rotate() { return drop(e) }
        }
        if let e = append() { return drop(e) }
        if fileDay == nil { fileDay = day }
        written += 1
        dirty = true
        switch options.sync {
        case .always: sync()
        case .interval:
            let t = now()
            if t - lastSync >= options.syncInterval { sync(); lastSync = t }
        case .never: break
        }
        if droppedSinceReport > 0 {
            report("\(path): writing alerts again after dropping \(droppedSinceReport)")
            droppedSinceReport = 0
            failure = nil
        }
    }

    public func flush() throws {
        if fd >= 0, dirty, options.sync != .never { sync() }
    }

    private func sync() {
        if fdatasync(fd) == 0 { dirty = false }
    }

    private func drop(_ reason: String) {
        dropped += 1
        droppedSinceReport += 1
        if failure == nil {
            report("\(path): cannot write alerts (\(reason)); counting dropped alerts until writing works again")
        }
        failure = reason
    }

    /// One write of the whole line; on a short write the file is cut back to the previous line end.
    private func append() -> String? {
        let count = line.count
        var error: Int32 = 0
        let n: Int = line.withUnsafeBytes { buf in
            while true {
                let r = Glibc.write(fd, buf.baseAddress!, count)
                if r < 0 && errno == EINTR { continue }
                if r < 0 { error = errno }
                return r
            }
        }
        if n == count { size += count; return nil }
        if n > 0 {  // torn: take the partial line back out
            _ = ftruncate(fd, off_t(size))
            error = ENOSPC
        }
        if error == 0 { error = EIO }
        let reason = String(cString: strerror(error))
        // The file may be gone or the descriptor broken: start over with a fresh open next time.
        close(fd)
        fd = -1
        return reason
    }

    /// Renames PATH.k → PATH.k+1 (dropping the oldest) and PATH → PATH.1, then opens a new PATH.
    private func rotate() -> String? {
        if dirty && options.sync != .never { _ = fdatasync(fd) }
        close(fd)
        fd = -1
        if options.keep == 0 {
            unlink(path)
        } else {
            // Shift only the files that exist (PATH.1 … PATH.n), oldest first, dropping what passes `keep`.
            var st = stat()
            var n = 0
            while n < options.keep, stat("\(path).\(n + 1)", &st) == 0 { n += 1 }
            if n == options.keep { unlink("\(path).\(n)"); n -= 1 }
            for k in stride(from: n, through: 1, by: -1) {
                _ = rename("\(path).\(k)", "\(path).\(k + 1)")
            }
            if rename(path, "\(path).1") != 0 && errno != ENOENT {
                let reason = String(cString: strerror(errno))
                return "cannot rotate: \(reason)"
            }
        }
        rotations += 1
        fileDay = nil
        return reopen()
    }

    /// Opens PATH for appending; cuts an incomplete last line (a crash in the middle of a write) back off.
    private func reopen() -> String? {
        let d = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard d >= 0 else { return String(cString: strerror(errno)) }
        var st = stat()
        guard fstat(d, &st) == 0 else { close(d); return String(cString: strerror(errno)) }
        var end = Int(st.st_size)
        if end > 0 {
            let complete = AlertLog.lastLineEnd(path: path, size: end)
            if complete < end {
                if ftruncate(d, off_t(complete)) != 0 {
                    let reason = String(cString: strerror(errno))
                    close(d)
                    return "cannot cut an incomplete last line: \(reason)"
                }
                end = complete
            }
            fileDay = Int64(st.st_mtim.tv_sec) / 86_400
        } else {
            fileDay = nil
        }
        fd = d
        size = end
        return nil
    }

    /// The offset just past the last newline of the first `size` bytes of `path` (0 when there is none).
    static func lastLineEnd(path: String, size: Int) -> Int {
        let r = open(path, O_RDONLY | O_CLOEXEC)
        guard r >= 0 else { return size }
        defer { close(r) }
        var buf = [UInt8](repeating: 0, count: 65_536)
        var end = size
        while end > 0 {
            let start = max(0, end - buf.count)
            let n = buf.withUnsafeMutableBytes { pread(r, $0.baseAddress!, end - start, off_t(start)) }
            guard n == end - start else { return size }
            if let i = buf[0..<n].lastIndex(of: 0x0A) { return start + i + 1 }
            end = start
        }
        return 0
    }
}
