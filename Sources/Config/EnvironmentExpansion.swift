#if canImport(Glibc)
import Glibc
#endif

/// `${NAME}` in config values is replaced by the environment variable NAME, so that secrets such as camera
/// passwords can stay out of a world-readable config file. `$$` stands for a literal `$`.
enum EnvironmentExpansion {
    /// Set by `ConfigLoader` for tests; the process environment otherwise.
    @TaskLocal static var overrides: [String: String]? = nil
    /// Set by `ConfigLoader` for commands that open no camera (`detect`, `check`, `replay --config`): an unset
    /// variable in a camera URL stays as written (`${NAME}`) instead of being an error.
    @TaskLocal static var keepUnsetInURLs = false

    static func lookup(_ name: String) -> String? {
        if let o = overrides { return o[name] }
        guard let p = getenv(name) else { return nil }
        return String(cString: p)
    }

    /// `keepUnset`: an unset variable stays as written (`${NAME}`); otherwise it is an error.
    static func expand<K: CodingKey>(_ s: String, key: K, in c: KeyedDecodingContainer<K>,
                                     keepUnset: Bool = false) throws -> String {
        guard s.contains("$") else { return s }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            let ch = s[i]
            if ch == "$" {
                let next = s.index(after: i)
                if next < s.endIndex, s[next] == "$" { out.append("$"); i = s.index(after: next); continue }
                if next < s.endIndex, s[next] == "{" {
                    guard let close = s[next...].firstIndex(of: "}") else {
                        throw c.invalid(key, "unterminated '${' in value")
                    }
                    let name = String(s[s.index(after: next)..<close])
                    let valid = !name.isEmpty && name.unicodeScalars.allSatisfy {
                        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_")
                    }
                    guard valid else { throw c.invalid(key, "'${\(name)}' is not a valid variable name") }
                    if let v = lookup(name) {
                        out += v
                    } else if keepUnset {
                        out += s[i...close]
                    } else {
                        throw c.invalid(key, "environment variable \(name) is not set")
                    }
                    i = s.index(after: close)
                    continue
                }
            }
            out.append(ch)
            i = s.index(after: i)
        }
        return out
    }
}
