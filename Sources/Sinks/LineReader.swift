#if canImport(Glibc)
import Glibc
#endif

/// Reads complete lines from a file descriptor: bytes after the last newline are held back until their line
/// is finished, so a reader never hands out half a line that a writer is still appending.
///
/// Thread safety: not thread-safe; one reader.
public struct LineReader {
    private var pending: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 65_536)

    public init() {}

    /// Bytes of an unfinished last line held back.
    public var pendingCount: Int { pending.count }

    public mutating func reset() { pending.removeAll(keepingCapacity: true) }

    /// Reads what `fd` has now (up to EOF) and calls `line` for each complete line (without the newline).
    /// Returns the number of bytes read.
    @discardableResult
    public mutating func drain(_ fd: Int32, _ line: ([UInt8]) -> Void) -> Int {
        var total = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return total }
            total += n
            var start = 0
            for i in 0..<n where chunk[i] == 0x0A {
                if pending.isEmpty {
                    line(Array(chunk[start..<i]))
                } else {
                    pending.append(contentsOf: chunk[start..<i])
                    line(pending)
                    pending.removeAll(keepingCapacity: true)
                }
                start = i + 1
            }
            if start < n { pending.append(contentsOf: chunk[start..<n]) }
        }
    }
}
