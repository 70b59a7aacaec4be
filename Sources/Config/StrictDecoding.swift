/// A coding key for any string, to see every key a mapping holds.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue; self.intValue = nil }
    init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `defaultValue` when absent or null; a present value outside `range` is an error
    /// that names the key.
    func value<T: Decodable & Comparable>(_ key: Key, default defaultValue: T, in range: ClosedRange<T>) throws -> T {
        guard let v = try decodeIfPresent(T.self, forKey: key) else { return defaultValue }
        guard range.contains(v) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(v) is out of range \(range.lowerBound)…\(range.upperBound)")
        }
        return v
    }

    func value<T: Decodable>(_ key: Key, default defaultValue: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? defaultValue
    }

    func invalid(_ key: Key, _ message: String) -> DecodingError {
        DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: message)
    }
}

/// Reserved marker in error messages for keys that are not part of the schema.
let unknownKeyMessage = "unknown key"

extension Decoder {
    /// Throws when the mapping being decoded has a key outside `Keys` (strict config: typos are errors).
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
        let all = try container(keyedBy: AnyCodingKey.self)
        let known = Set(Keys.allCases.map(\.stringValue))
        for key in all.allKeys where !known.contains(key.stringValue) {
            let allowed = Keys.allCases.map(\.stringValue).joined(separator: ", ")
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath + [key],
                debugDescription: "\(unknownKeyMessage) '\(key.stringValue)' (allowed here: \(allowed))"))
        }
    }
}
