/// Masks the password of `scheme://user:password@host/…` so that secrets never reach logs, alerts or metrics.
public enum URLRedaction {
    public static func redact(_ url: String) -> String {
        let chars = Array(url)
        guard let schemeEnd = firstIndex(of: Array("://"), in: chars) else { return url }
        let start = schemeEnd + 3
        var end = start
        while end < chars.count, chars[end] != "/", chars[end] != "?", chars[end] != "#" { end += 1 }
        guard let at = chars[start..<end].lastIndex(of: "@"),
              let colon = chars[start..<at].firstIndex(of: ":") else { return url }
        return String(chars[..<(colon + 1)]) + "***" + String(chars[at...])
    }

    private static func firstIndex(of pattern: [Character], in chars: [Character]) -> Int? {
        guard chars.count >= pattern.count else { return nil }
        for i in 0...(chars.count - pattern.count) where chars[i..<(i + pattern.count)].elementsEqual(pattern) {
            return i
        }
        return nil
    }
}
