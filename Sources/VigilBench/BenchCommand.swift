import ArgumentParser
import CommandSupport
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

/// `vigil bench SUITE …`: each suite is a subcommand (its own arguments and help) sharing `BenchOptions`.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark suite; each figure is printed beside its reference measured in the same run.",
        discussion: """
            Every suite prints the load average before and after its run and says whether the machine was quiet \
            (figures from a busy machine are not a quiet one's); ratios > 1 mean Vigil is better. `vigil bench \
            SUITE --help` lists a suite's arguments.
            """,
        // The order `vigil bench --help` lists them.
        subcommands: [IngestBench.self, RingBench.self, TrackBench.self, NNBench.self, PipelineBench.self, CapacityBench.self,
                      RulesBench.self, AlertLogBench.self, NMSBench.self, DetectBench.self, HOGBench.self,
                      MQTTBench.self, RecordBench.self, APIEventsBench.self, APIMetricsBench.self, MJPEGBench.self,
                      QConvBench.self]
    )

    public init() {}
}

/// The options every suite takes: output format, rounds, threads, warm-up runs and the load limit. A suite says
/// which of rounds, threads and warm-up it uses (`BenchSuite.shared`) and its defaults; giving one it does not use
/// is a usage error rather than silently ignored.
struct BenchOptions: ParsableArguments {
    @Flag(help: "One JSON object per figure: name, value, unit, reference, reference_value, ratio.")
    var json = false

    @Option(help: "Rounds; each alternates which side runs first, and the spread over rounds is printed (default: the suite's).")
    var rounds: Int?

    @Option(help: "Threads each side may use (default: the suite's).")
    var threads: Int?

    @Option(name: .customLong("warm-up"), help: "Untimed runs of each side before the timed ones (default: the suite's).")
    var warmUp: Int?

    @Option(name: .customLong("max-load"),
            help: "Refuse to run (exit 1) while the 1-minute load average per core is above this (e.g. 0.5 for a quiet machine).")
    var maxLoad: Double?

    /// Which shared options a suite uses.
    struct Uses: OptionSet {
        let rawValue: Int
        static let rounds = Uses(rawValue: 1), threads = Uses(rawValue: 2), warmUp = Uses(rawValue: 4)
    }

    func validate(suite: String, uses: Uses) throws {
        for (given, flag, name) in [(rounds, Uses.rounds, "--rounds"), (threads, .threads, "--threads"),
                                    (warmUp, .warmUp, "--warm-up")] where given != nil {
            guard uses.contains(flag) else { throw ValidationError("bench \(suite) takes no \(name)") }
        }
        if let rounds, rounds < 1 { throw ValidationError("--rounds must be at least 1") }
        if let threads, threads < 0 { throw ValidationError("--threads must be 0 (automatic) or more") }
        if let warmUp, warmUp < 0 { throw ValidationError("--warm-up must be 0 or more") }
        if let maxLoad, !(maxLoad > 0) { throw ValidationError("--max-load must be positive") }
    }
}

/// A suite of `vigil bench`: parses its own arguments (plus `BenchOptions`) and returns its figures; the shared
/// `run()` reports the machine's load before and after and prints the figures.
protocol BenchSuite: RunsKernels {
    var common: BenchOptions { get }
    /// The shared options this suite uses.
    static var shared: BenchOptions.Uses { get }
    /// Checks the suite's own arguments (after the shared ones were checked).
    func validateSuite() throws
    /// Runs the suite; `progress` receives human-readable notes (printed on stderr).
    func figures(_ progress: (String) -> Void) throws -> [BenchFigure]
}

extension BenchSuite {
    static var shared: BenchOptions.Uses { [] }
    func validateSuite() throws {}

    func validate() throws {
        try common.validate(suite: Self.configuration.commandName ?? "?", uses: Self.shared)
        try validateSuite()
    }

    func run() throws {
        let name = Self.configuration.commandName ?? "?"
        let before = MachineLoad.read()
        Console.err("bench \(name): load before: \(before)")
        if let limit = common.maxLoad, before.perCore > limit {
            Console.err("vigil: bench \(name): the machine is busy (load \(before.oneMinute) on \(before.cores) cores, above --max-load \(limit) per core)")
            throw ExitCode(ExitStatus.failure.rawValue)
        }
        let measured: [BenchFigure] = try reportingErrors { try self.figures { Console.err($0) } }
        Console.err("bench \(name): load after: \(MachineLoad.read())")
        for f in measured {
            print(common.json ? f.json.serialized() : f.text)
        }
    }
}

/// The machine's load average (/proc/loadavg) and core count, and whether that counts as quiet.
struct MachineLoad: CustomStringConvertible {
    var oneMinute: Double
    var fiveMinutes: Double
    var fifteenMinutes: Double
    var cores: Int

    var perCore: Double { oneMinute / Double(max(1, cores)) }
    /// Quiet: under half a runnable process per core over the last minute.
    var isQuiet: Bool { perCore < 0.5 }

    static func read() -> MachineLoad {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        let v = text.split(separator: " ").prefix(3).map { Double($0) ?? 0 }
        return MachineLoad(oneMinute: v.count > 0 ? v[0] : 0, fiveMinutes: v.count > 1 ? v[1] : 0,
                           fifteenMinutes: v.count > 2 ? v[2] : 0, cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    var description: String {
        "\(oneMinute) \(fiveMinutes) \(fifteenMinutes) on \(cores) cores ("
            + (isQuiet ? "quiet)" : "NOT quiet: other processes compete for the cores, figures are noisy)")
    }
}

/// Summaries of repeated measurements.
enum BenchStats {
    /// The median (the mean of the two middle values for an even count); 0 for none.
    static func median(_ v: [Double]) -> Double { quantile(v, 0.5) }

    /// Linear-interpolated quantile `q` in 0…1; 0 for none.
    static func quantile(_ v: [Double], _ q: Double) -> Double {
        let s = v.sorted()
        guard !s.isEmpty else { return 0 }
        let x = q * Double(s.count - 1)
        let lo = Int(x.rounded(.down)), hi = min(s.count - 1, lo + 1)
        return s[lo] + (s[hi] - s[lo]) * (x - Double(lo))
    }

    /// `min…max` of the rounds, with `places` decimals.
    static func spread(_ v: [Double], places: Int = 2) -> String {
        func f(_ d: Double) -> String { JSONValue.format(JSONValue.rounded(d, places: places)) }
        return "\(f(v.min() ?? 0))…\(f(v.max() ?? 0))"
    }
}

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

/// A benchmark's input or reference problem found while running (exit 1, one line on stderr).
struct BenchError: UserFacingError {
    var description: String
    var exitStatus: ExitStatus { .failure }
    init(_ d: String) { description = d }
}
