import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes alerts as JSON lines (one object per line, UTF-8) to a file or to standard output.
///
/// Each line goes out in one `write(2)` on a descriptor opened with `O_APPEND`, so a reader never sees
/// two alerts interleaved or a line split by another writer; a short write (full disk) is finished or
/// reported. The line buffer is reused: writing allocates nothing but the alert's text.
///
/// Thread safety: not thread-safe; one thread writes (the pipeline's sink stage).
public final class JSONLinesSink: AlertSink {
    public let path: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var line: [UInt8] = []
    public private(set) var written = 0

    /// `path` `-` is standard output. A file is created (mode 0644) or appended to.
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            fd = 1
            ownsDescriptor = false
        } else {
            let d = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard d >= 0 else { throw SinkError(path: path, reason: String(cString: strerror(errno))) }
            fd = d
            ownsDescriptor = true
        }
        line.reserveCapacity(1024)
    }

    deinit { if ownsDescriptor { close(fd) } }

    public func write(_ alert: Alert) throws {
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: alert.jsonLine().utf8)
        line.append(0x0A)
        try line.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SinkError(path: path, reason: String(cString: strerror(errno)))
                }
                off += n
            }
        }
        written += 1
    }

    public func flush() throws {
        if ownsDescriptor, fsync(fd) != 0, errno != EINVAL {
            throw SinkError(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
