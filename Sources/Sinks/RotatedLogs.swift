#if canImport(Glibc)
import Glibc
#endif

/// The files of a rotated alert log, oldest first: `PATH.N` … `PATH.1`, then `PATH` (those that exist).
///
/// A writer killed in the middle of a rotation (which renames `PATH.n` → `PATH.n+1` one by one, oldest first)
/// leaves a gap in the numbers, say `PATH.1`, `PATH.3`, `PATH.4`: the order of what is there is still right, so
/// readers list the folder rather than count up from 1 and stop at the first missing number, and `AlertLog`
/// closes the gap (`compact`) when it opens the log again.
///
/// Thread safety: stateless; call from any thread (a concurrent rotation may shift the names it returns).
public enum RotatedLogs {
    public static func files(of path: String, limit: Int = 100_000) -> [String] {
        var out = indices(of: path).prefix(limit).reversed().map { "\(path).\($0)" }
        var st = stat()
        if stat(path, &st) == 0 { out.append(path) }
        return out
    }

    /// The numbers `n` of the files `PATH.n` that exist (`n` ≥ 1, decimal without leading zeros), ascending.
    public static func indices(of path: String) -> [Int] {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let prefix = Array((slash.map { String(path[path.index(after: $0)...]) } ?? path).utf8) + [UInt8(ascii: ".")]
        guard let d = opendir(folder) else { return [] }
        defer { closedir(d) }
        var found: [Int] = []
        while let e = readdir(d) {
            let name: [UInt8] = withUnsafeBytes(of: e.pointee.d_name) { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                return Array(bytes.prefix(while: { $0 != 0 }))
            }
            guard name.count > prefix.count, name.starts(with: prefix) else { continue }
            let digits = name[prefix.count...]
            guard digits.count <= 9, digits.first != UInt8(ascii: "0"),
                  digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { continue }
            found.append(digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) })
        }
        return found.sorted()
    }

    /// Renumbers `PATH.n` to `PATH.1` … `PATH.m` in the same order, closing the gaps a rotation cut short by a
    /// crash leaves (nothing is deleted: the next rotation drops what passes `keep`). Returns what could not be
    /// renamed, if anything.
    @discardableResult
    public static func compact(_ path: String) -> String? {
        let have = indices(of: path)
        // Ascending: every target j ≤ have[j-1] is free, as the files below it have already moved down.
        for (j0, n) in have.enumerated() where n != j0 + 1 {
            if rename("\(path).\(n)", "\(path).\(j0 + 1)") != 0 {
                return "cannot renumber \(path).\(n): \(String(cString: strerror(errno)))"
            }
        }
        return nil
    }
}
