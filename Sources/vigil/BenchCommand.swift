import ArgumentParser
import Foundation
import VigilCore

/// One benchmark figure printed beside its reference, measured in the same run.
struct BenchFigure {
    var name: String
    var value: Double
    var unit: String
    /// What the figure was compared with (e.g. `ffmpeg -f null`, `Mutex<Deque>`).
    var reference: String
    var referenceValue: Double
    /// True when a larger value is better (throughput); false for times and sizes.
    var higherIsBetter: Bool
    /// The value asked for (an analysed frame rate), when closer is better and neither more nor less is:
    /// the ratio then compares how close each side came.
    var target: Double? = nil

    /// value ÷ reference, oriented so that > 1 means Vigil is better; with a `target`, Vigil's closeness to it
    /// ÷ the reference's (closeness: the smaller of value and target over the larger, 1 when on target).
    var ratio: Double {
        guard value > 0, referenceValue > 0 else { return 0 }
        if let target, target > 0 {
            func closeness(_ v: Double) -> Double { min(v, target) / max(v, target) }
            return closeness(value) / closeness(referenceValue)
        }
        return higherIsBetter ? value / referenceValue : referenceValue / value
    }

    var json: JSONValue {
        .object([
            ("name", .string(name)),
            ("value", .double(JSONValue.rounded(value, places: 3))),
            ("unit", .string(unit)),
            ("reference", .string(reference)),
            ("reference_value", .double(JSONValue.rounded(referenceValue, places: 3))),
            ("ratio", .double(JSONValue.rounded(ratio, places: 3))),
        ])
    }

    var text: String {
        func f(_ v: Double) -> String {
            let r = JSONValue.rounded(v, places: v >= 100 ? 1 : 3)
            return JSONValue.format(r)
        }
        let kind = target.map { "ratio of closeness to \(f($0))" } ?? "ratio"
        return "\(name): \(f(value)) \(unit)  |  \(reference): \(f(referenceValue)) \(unit)  |  \(kind) \(f(ratio))"
    }
}

/// A benchmark suite of `vigil bench`. Each suite file adds `extension BenchSuite { static let NAME = … }`
/// and lists it in `benchSuites`.
struct BenchSuite: Sendable {
    var name: String
    var usage: String
    /// Runs the suite; the arguments are the words after the suite name (without `--json`).
    /// The second parameter receives human-readable notes (printed on stderr).
    var run: @Sendable (_ arguments: [String], _ progress: (String) -> Void) throws -> [BenchFigure]
}

/// Every suite `vigil bench` knows.
let benchSuites: [BenchSuite] = [.ingest, .ring, .track, .nn, .pipeline, .capacity, .rules, .alerts, .nms, .detect, .hog, .mqtt,
                                 .record, .api]

/// A reference script of the repository (`scripts/…`), looked up from the working directory and from the
/// binary's folder upwards.
func benchScript(_ relative: String) throws -> String {
    let fm = FileManager.default
    var dirs = [fm.currentDirectoryPath]
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<5 { dirs.append(dir.path); dir = dir.deletingLastPathComponent() }
    guard let script = dirs.map({ $0 + "/" + relative }).first(where: { fm.fileExists(atPath: $0) }) else {
        throw BenchError("cannot find \(relative) (run from the repository)")
    }
    return script
}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark suite; each figure is printed beside its reference measured in the same run.",
        discussion: "Suites:\n" + benchSuites.map { "  \($0.name) \($0.usage)" }.joined(separator: "\n")
    )

    @Argument(help: "The suite to run.")
    var suite: String

    @Flag(name: .long, help: "One JSON object per figure: name, value, unit, reference, reference_value, ratio.")
    var json = false

    @Argument(parsing: .captureForPassthrough, help: "The suite's own arguments.")
    var arguments: [String] = []

    func run() throws {
        var args = arguments
        var asJSON = json
        if let i = args.firstIndex(of: "--json") { args.remove(at: i); asJSON = true }
        guard let s = benchSuites.first(where: { $0.name == suite }) else {
            throw ValidationError("unknown suite '\(suite)'; suites: \(benchSuites.map(\.name).joined(separator: ", "))")
        }
        let figures = try reportingErrors { try s.run(args) { note in Console.err(note) } }
        for f in figures {
            print(asJSON ? f.json.serialized() : f.text)
        }
    }
}
