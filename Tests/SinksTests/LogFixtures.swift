import Foundation
import VigilCore

/// Alert number `i`, `ts` at `day` days plus `i` seconds after 2026-01-01.
func numbered(_ i: Int, day: Int = 0) -> Alert {
    Alert(timestamp: 1_767_225_600 + Double(day * 86_400 + i), mediaTime: Double(i), frame: i, camera: "c",
          event: "test", severity: .info, details: [("n", .int(i)), ("pad", .string(String(repeating: "x", count: 100)))])
}

/// Every line of `path`; the file must end with a newline.
func lines(_ path: String) throws -> [String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    guard !text.isEmpty else { return [] }
    precondition(text.hasSuffix("\n"), "\(path) ends with a partial line")
    return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
}
