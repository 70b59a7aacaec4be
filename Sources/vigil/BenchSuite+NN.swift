import Foundation
import Inference
import VigilCore

extension BenchSuite {
    /// `vigil bench nn MODEL… [--threads N] [--iterations K] [--rounds R]`: inference latency of each
    /// model beside ONNX Runtime (PyPI onnxruntime, same thread count, timed by scripts/ort_bench.py through
    /// io_binding with preallocated outputs, in the same run). Rounds alternate which engine runs first; each
    /// figure is the median of the rounds' medians, ratio = ONNX Runtime ÷ Vigil (> 1: Vigil is faster); both
    /// engines' spread over rounds and the load average before and after are printed (a busy machine's
    /// figures are not a quiet one's). With one thread, the calling thread's CPU time per run is a second
    /// figure: the work without the time other processes held the core. `--profile` adds Vigil's time, GFLOP
    /// and GFLOP/s per operator type; `--peak` (with or without models) measures the machine's FMA peak per ISA
    /// level with 1 and N threads and the core clock (`PeakRate`), the reference of "% of peak" figures.
    static let nn = BenchSuite(
        name: "nn",
        usage: "[MODEL…] [--threads N] [--iterations K] [--rounds R] [--profile] [--peak]   (models need python3 with onnxruntime for the reference)",
        run: { arguments, progress in
            var models: [String] = []
            var threads = 2, iterations = 20, rounds = 3
            var profile = false, peak = false
            var i = 0
            while i < arguments.count {
                let a = arguments[i]
                func value() throws -> Int {
                    guard i + 1 < arguments.count, let v = Int(arguments[i + 1]), v > 0 else {
                        throw UsageError(message: "\(a) needs a positive integer")
                    }
                    i += 1
                    return v
                }
                switch a {
                case "--threads": threads = try value()
                case "--iterations": iterations = try value()
                case "--rounds": rounds = try value()
                case "--profile": profile = true
                case "--peak": peak = true
                default:
                    if a.hasPrefix("-") { throw UsageError(message: "unknown option \(a) (vigil bench nn [MODEL…] [--threads N] [--iterations K] [--rounds R] [--profile] [--peak])") }
                    models.append(a)
                }
                i += 1
            }
            guard !models.isEmpty || peak else {
                throw UsageError(message: "usage: vigil bench nn [MODEL…] [--threads N] [--iterations K] [--rounds R] [--profile] [--peak]")
            }
            for model in models { try requireInputExists(model) }
            progress("load average before: \(loadAverage())")
            var figures: [BenchFigure] = peak ? peakFigures(threads: threads, rounds: rounds, progress: progress) : []
            if !models.isEmpty {
                let script = try ONNXRuntimeReference.script()
                for model in models {
                    figures += try compare(model: model, script: script, threads: threads, iterations: iterations,
                                           rounds: rounds, progress: progress)
                    if profile {
                        let s = try Session(contentsOf: URL(fileURLWithPath: model), options: .init(threads: threads))
                        for line in NNBenchmark.profileLines(s.profile(iterations: iterations), threads: threads) {
                            progress("\(model) \(line)")
                        }
                    }
                }
            }
            progress("load average after: \(loadAverage())")
            return figures
        }
    )
}

/// The FMA peak per ISA level: one thread (over its CPU time) and `threads` threads at once (over the wall
/// time; the machine's share of them when others run), `rounds` rounds alternating the order of the levels,
/// medians with their spread; the core clock and FLOP per cycle beside them.
private func peakFigures(threads: Int, rounds: Int, progress: (String) -> Void) -> [BenchFigure] {
    let levels = PeakRate.levels
    guard !levels.isEmpty else {
        progress("peak: this CPU has neither AVX-512F nor AVX2 + FMA; the C kernels are not used")
        return []
    }
    var one: [Int32: [Double]] = [:], many: [Int32: [Double]] = [:], cores: [Int32: [Double]] = [:]
    var clock: [Double] = []
    for r in 0..<rounds {
        clock.append(PeakRate.clockGHz())
        for level in r % 2 == 0 ? levels : levels.reversed() {
            one[level, default: []].append(PeakRate.singleThread(level: level))
            let n = PeakRate.threads(threads, level: level)
            many[level, default: []].append(n.wall)
            cores[level, default: []].append(n.cpu)
        }
    }
    func spread(_ v: [Double]) -> String {
        "\(JSONValue.format(JSONValue.rounded(median(v), places: 1))) (\(JSONValue.format(JSONValue.rounded(v.min() ?? 0, places: 1)))…\(JSONValue.format(JSONValue.rounded(v.max() ?? 0, places: 1))))"
    }
    let ghz = median(clock)
    progress("peak: core clock \(spread(clock)) GHz (dependent adds over the thread's CPU time), \(rounds) rounds")
    var figures: [BenchFigure] = []
    for level in levels {
        let name = PeakRate.name(level)
        let perCycle = ghz > 0 ? median(one[level]!) / ghz : 0
        progress("peak \(name): 1 thread \(spread(one[level]!)) GFLOP/s (CPU time; \(JSONValue.format(JSONValue.rounded(perCycle, places: 1))) FLOP per cycle), "
                 + "\(threads) threads \(spread(many[level]!)) GFLOP/s (wall), \(spread(cores[level]!)) GFLOP/s (sum of each thread's CPU-time rate)")
        figures.append(BenchFigure(name: "peak FMA rate \(name), \(threads) threads (wall)", value: median(many[level]!),
                                   unit: "GFLOP/s", reference: "1 thread (its CPU time)", referenceValue: median(one[level]!),
                                   higherIsBetter: true))
    }
    return figures
}

/// Vigil and ONNX Runtime on one model over `rounds` rounds, alternating which runs first.
private func compare(model: String, script: String, threads: Int, iterations: Int, rounds: Int,
                     progress: (String) -> Void) throws -> [BenchFigure] {
    var ours: [NNBenchmark] = [], theirs: [ONNXRuntimeReference.Result] = []
    for r in 0..<rounds {
        let vigilFirst = r % 2 == 0
        if vigilFirst { ours.append(try NNBenchmark.measure(model: model, threads: threads, iterations: iterations)) }
        theirs.append(try ONNXRuntimeReference.measure(script: script, model: model, threads: threads, iterations: iterations))
        if !vigilFirst { ours.append(try NNBenchmark.measure(model: model, threads: threads, iterations: iterations)) }
        let b = ours[r], ref = theirs[r]
        progress("\(model) round \(r + 1) (\(vigilFirst ? "Vigil" : "ONNX Runtime") first): vigil \(ms(b.medianMs)) ms "
                 + "(cpu \(ms(b.cpuMs)); \(b.json.serialized())), \(ref.version) \(ms(ref.medianMs)) ms (cpu \(ms(ref.cpuMs)))")
    }
    let o = median(ours.map(\.medianMs)), t = median(theirs.map(\.medianMs))
    let version = theirs.last?.version ?? "onnxruntime"
    let gflops = Double(ours.last?.flops ?? 0) / 1e9
    func spread(_ v: [Double]) -> String { "\(ms(v.min() ?? 0))…\(ms(v.max() ?? 0)) ms" }
    progress("\(model): rounds' medians vigil \(spread(ours.map(\.medianMs))), \(version) \(spread(theirs.map(\.medianMs))); "
             + "CPU time vigil \(spread(ours.map(\.cpuMs))), \(version) \(spread(theirs.map(\.cpuMs)))")
    progress("\(model): \(JSONValue.format(JSONValue.rounded(gflops, places: 3))) GFLOP per run → vigil \(JSONValue.format(JSONValue.rounded(gflops / (o / 1000), places: 1))) GFLOP/s, \(version) \(JSONValue.format(JSONValue.rounded(gflops / (t / 1000), places: 1))) GFLOP/s; GEMM: \(Session.gemmImplementation)")
    let dir = URL(fileURLWithPath: model).deletingLastPathComponent().lastPathComponent
    let name = dir.isEmpty ? model : dir
    var figures = [BenchFigure(name: "nn \(name) median latency (\(threads) threads)", value: o, unit: "ms",
                               reference: "\(version) (\(threads) threads, io_binding)", referenceValue: t, higherIsBetter: false)]
    if threads == 1 {
        figures.append(BenchFigure(name: "nn \(name) median CPU time per run (1 thread)", value: median(ours.map(\.cpuMs)),
                                   unit: "ms", reference: "\(version) (1 thread, io_binding)",
                                   referenceValue: median(theirs.map(\.cpuMs)), higherIsBetter: false))
    }
    return figures
}

private func ms(_ v: Double) -> String { JSONValue.format(JSONValue.rounded(v, places: 2)) }

/// The 1, 5 and 15 minute load averages and the core count (/proc/loadavg).
func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
    let parts = text.split(separator: " ").prefix(3).joined(separator: " ")
    return "\(parts.isEmpty ? "unknown" : parts) on \(ProcessInfo.processInfo.activeProcessorCount) cores"
}

private func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The ONNX Runtime reference could not be run (exit 1).
struct ReferenceFailure: UserFacingError {
    var message: String
    var exitStatus: ExitStatus { .failure }
    var description: String { message }
}

/// Runs scripts/ort_bench.py (ONNX Runtime as a reference only; never used at run time).
enum ONNXRuntimeReference {
    struct Result {
        var medianMs: Double
        /// Median CPU time of ONNX Runtime's calling thread per run.
        var cpuMs: Double
        var version: String
    }

    /// scripts/ort_bench.py from $VIGIL_SCRIPTS, the working directory, or above the executable.
    static func script() throws -> String {
        var candidates: [String] = []
        if let d = ProcessInfo.processInfo.environment["VIGIL_SCRIPTS"] { candidates.append(d + "/ort_bench.py") }
        candidates.append(FileManager.default.currentDirectoryPath + "/scripts/ort_bench.py")
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(dir.appendingPathComponent("scripts/ort_bench.py").path)
            dir = dir.deletingLastPathComponent()
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ReferenceFailure(message: "scripts/ort_bench.py not found (run from the repository or set VIGIL_SCRIPTS)")
        }
        return found
    }

    static func measure(script: String, model: String, threads: Int, iterations: Int) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, model, "--threads", String(threads), "--iterations", String(iterations)]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let ms = obj["median_ms"] as? Double else {
            throw ReferenceFailure(message: "ONNX Runtime reference failed (pip install onnxruntime numpy): \(String(decoding: data, as: UTF8.self))")
        }
        return Result(medianMs: ms, cpuMs: obj["cpu_ms"] as? Double ?? 0, version: obj["runtime"] as? String ?? "onnxruntime")
    }
}
