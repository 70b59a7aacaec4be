import Foundation
import VigilCore

/// Runs a reference program (a Python script timing NumPy, ONNX Runtime or the paper's tracker) and reads the
/// one JSON object it prints on standard output.
///
/// Thread safety: stateless; any thread.
enum BenchReference {
    /// The JSON object `executable arguments…` printed; a `BenchError` naming `what` when it failed, printed
    /// something else, or lacks one of `required` keys.
    static func run(_ what: String, _ executable: String, _ arguments: [String],
                    required: [String] = []) throws -> JSONValue {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        p.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard p.terminationStatus == 0, let value = try? JSONValue.parse(text), case .object = value,
              required.allSatisfy({ value[$0]?.number != nil || value[$0]?.string != nil }) else {
            throw BenchError("\(what) failed (status \(p.terminationStatus)): \(text.prefix(300))")
        }
        return value
    }
}

extension JSONValue {
    /// The value as a number (an integer or a double), else nil.
    var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    /// The value as a string, else nil.
    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}
