/// Reading JSON text back into a `JSONValue`, keeping object keys in their order (the reverse of `serialized()`).
///
/// Strict RFC 8259: one value, optional whitespace around it, no trailing commas, no comments, no NaN; numbers
/// without a fraction or exponent that fit an `Int` become `.int`, others `.double`; duplicate keys are an
/// error. Nesting is capped so that a hostile line cannot exhaust the stack.
extension JSONValue {
    /// What is wrong with a text, and where (byte offset).
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var offset: Int
        public init(_ message: String, at offset: Int) { self.message = message; self.offset = offset }
        public var description: String { "\(message) at byte \(offset)" }
    }

    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 64

    /// Parses one JSON value from UTF-8 bytes.
    public static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> JSONValue {
        var p = JSONScanner(Array(bytes))
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.atEnd else { throw ParseError("unexpected text after the value", at: p.i) }
        return v
    }

    /// Parses one JSON value from a string.
    public static func parse(_ text: String) throws(ParseError) -> JSONValue { try parse(Array(text.utf8)) }

    /// The object's value for `key` (nil when this is not an object or lacks the key).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let o) = self else { return nil }
        return o.first { $0.0 == key }?.1
    }
}

/// A cursor over the bytes of one JSON text.
///
/// Thread safety: a value used by one thread.
private struct JSONScanner {
    let b: [UInt8]
    var i = 0
    init(_ b: [UInt8]) { self.b = b }

    var atEnd: Bool { i >= b.count }
    func fail(_ m: String) -> JSONValue.ParseError { JSONValue.ParseError(m, at: i) }

    mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    mutating func literal(_ word: String, _ v: JSONValue) throws(JSONValue.ParseError) -> JSONValue {
        let w = Array(word.utf8)
        guard b.count - i >= w.count, Array(b[i..<i + w.count]) == w else { throw fail("invalid literal") }
        i += w.count
        return v
    }

    mutating func value(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard i < b.count else { throw fail("unexpected end of text") }
        switch b[i] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected character")
        }
    }

    mutating func object(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw fail("nested too deeply") }
        i += 1
        var members: [(String, JSONValue)] = []
        var keys = Set<String>()
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a key in quotes") }
            let keyAt = i
            let key = try string()
            guard keys.insert(key).inserted else { throw JSONValue.ParseError("duplicate key '\(key)'", at: keyAt) }
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            i += 1
            skipSpace()
            members.append((key, try value(depth: depth)))
            skipSpace()
            guard i < b.count else { throw fail("unterminated object") }
            if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            guard b[i] == UInt8(ascii: ",") else { throw fail("expected ',' or '}'") }
            i += 1
        }
    }

    mutating func array(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw fail("nested too deeply") }
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            skipSpace()
            guard i < b.count else { throw fail("unterminated array") }
            if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            guard b[i] == UInt8(ascii: ",") else { throw fail("expected ',' or ']'") }
            i += 1
        }
    }

    mutating func digits() -> Int {
        let start = i
        while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") { i += 1 }
        return i - start
    }

    mutating func number() throws(JSONValue.ParseError) -> JSONValue {
        let start = i
        if b[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        let n = digits()
        guard n > 0 else { throw fail("expected a digit") }
        guard n == 1 || b[intStart] != UInt8(ascii: "0") else { throw JSONValue.ParseError("leading zero", at: intStart) }
        var integral = true
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1; integral = false
            guard digits() > 0 else { throw fail("expected a digit after '.'") }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1; integral = false
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw fail("expected a digit in the exponent") }
        }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        if integral, let v = Int(text) { return .int(v) }
        guard let d = Double(text), d.isFinite else { throw JSONValue.ParseError("number out of range", at: start) }
        return .double(d)
    }

    mutating func string() throws(JSONValue.ParseError) -> String {
        i += 1  // the opening quote
        var out: [UInt8] = []
        while true {
            guard i < b.count else { throw fail("unterminated string") }
            let c = b[i]
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                i += 1
                try escape(into: &out)
            case 0..<0x20: throw fail("control character in a string")
            default: out.append(c); i += 1
            }
        }
    }

    mutating func escape(into out: inout [UInt8]) throws(JSONValue.ParseError) {
        guard i < b.count else { throw fail("unterminated escape") }
        let c = b[i]
        i += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(c)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {  // a surrogate pair
                guard b.count - i >= 6, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                    throw fail("unpaired surrogate")
                }
                i += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
            out.append(contentsOf: String(Character(u)).utf8)
        default: throw fail("invalid escape")
        }
    }

    mutating func hex4() throws(JSONValue.ParseError) -> UInt32 {
        guard b.count - i >= 4 else { throw fail("expected four hex digits") }
        var v: UInt32 = 0
        for c in b[i..<i + 4] {
            guard let d = Character(Unicode.Scalar(c)).hexDigitValue else { throw fail("expected four hex digits") }
            v = v << 4 | UInt32(d)
        }
        i += 4
        return v
    }
}
