#if canImport(Glibc)
import Glibc
#endif

/// The files of a rotated alert log, oldest first: `PATH.N` … `PATH.1`, then `PATH` (those that exist).
///
/// Thread safety: stateless; call from any thread (a concurrent rotation may shift the names it returns).
public enum RotatedLogs {
    public static func files(of path: String, limit: Int = 1000) -> [String] {
        var rotated: [String] = []
        var st = stat()
        var k = 1
        while k <= limit, stat("\(path).\(k)", &st) == 0 {
            rotated.append("\(path).\(k)")
            k += 1
        }
        var out = Array(rotated.reversed())
        if stat(path, &st) == 0 { out.append(path) }
        return out
    }
}
