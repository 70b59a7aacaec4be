#if canImport(Glibc)
import Glibc
#endif

/// Output helpers for the command line: messages on stderr, whole lines, no buffering surprises.
package enum Console {
    package static func err(_ line: String) {
        errRaw(line.hasSuffix("\n") ? line : line + "\n")
    }

    /// Writes `s` to stderr as it is (progress lines that redraw with `\r`).
    package static func errRaw(_ s: String) {
        var bytes = Array(s.utf8)
        bytes.withUnsafeMutableBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(2, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }

    package static var stderrIsTerminal: Bool { isatty(2) != 0 }
}
