import ArgumentParser
import CommandSupport
import Foundation
import Inference
import VigilCore

/// `vigil bench nn MODEL… [--threads N] [--iterations K] [--rounds R] [--warm-up W]`: inference latency of each
/// model beside ONNX Runtime (PyPI onnxruntime, same thread count, timed by scripts/ort_bench.py through
/// io_binding with preallocated outputs, in the same run). Each measurement of either engine runs in a fresh child
/// process (`vigil nn bench` of this executable, scripts/ort_bench.py), so a model reads as it does alone,
/// whichever models were measured before it. Rounds alternate which engine runs first; each
/// figure is the median of the rounds' medians, ratio = ONNX Runtime ÷ Vigil (> 1: Vigil is faster); both
/// engines' spread over rounds is printed. With one thread, the calling thread's CPU time per run is a second
/// figure: the work without the time other processes held the core. `--profile` adds Vigil's time, GFLOP and
/// GFLOP/s per operator type; `--peak` (with or without models) measures the machine's FMA peak per ISA level
/// with 1 and N threads and the core clock (`PeakRate`), the reference of "% of peak" figures.
///
/// Thread safety: used from the command's thread only.
struct NNBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Inference latency of each model beside ONNX Runtime (needs python3 with onnxruntime for the reference)."
    )
    static var shared: BenchOptions.Uses { [.rounds, .threads, .warmUp] }

    @OptionGroup var common: BenchOptions

    @Argument(help: "ONNX models.")
    var models: [String] = []

    @Flag(help: "Also print Vigil's time, GFLOP and GFLOP/s per operator type of each model.")
    var profile = false

    @Flag(help: "Measure the FMA peak per ISA level with 1 and --threads threads, and the core clock.")
    var peak = false

    @Option(help: "Timed runs per round and engine.")
    var iterations = 20

    @Option(help: "A float32 model Vigil also runs in each round (e.g. the network a quantised MODEL was made from); adds the MODEL ÷ float figure.")
    var floatModel: String?

    func validateSuite() throws {
        guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
        guard !models.isEmpty || peak else { throw ValidationError("give ONNX models, --peak, or both") }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let run = NNRun(threads: common.threads ?? 2, iterations: iterations, warmUp: common.warmUp ?? 3,
                        rounds: common.rounds ?? 3)
        var figures = peak ? NNPeak.figures(threads: run.threads, rounds: run.rounds, progress: progress) : []
        if models.isEmpty { return figures }
        let script = try ONNXRuntimeReference.script()
        if let floatModel { try requireInputExists(floatModel) }
        for model in models {
            try requireInputExists(model)
            figures += try compare(model: model, script: script, run: run, floatModel: floatModel, progress: progress)
            if profile {
                let s = try Session(contentsOf: URL(fileURLWithPath: model), options: .init(threads: run.threads))
                for line in NNBenchmark.profileLines(s.profile(iterations: iterations), threads: run.threads) {
                    progress("\(model) \(line)")
                }
            }
        }
        return figures
    }
}

/// How each engine is timed.
struct NNRun {
    var threads: Int
    var iterations: Int
    var warmUp: Int
    var rounds: Int
}

/// Vigil and ONNX Runtime on one model over `rounds` rounds, alternating which runs first. With `floatModel`
/// (e.g. the float32 network a quantised `model` was made from), Vigil also runs that model in each round (first
/// in odd rounds, last in even ones) and the MODEL ÷ float figure is added.
private func compare(model: String, script: String, run: NNRun, floatModel: String? = nil,
                     progress: (String) -> Void) throws -> [BenchFigure] {
    let threads = run.threads
    var ours: [NNBenchmark] = [], theirs: [ONNXRuntimeReference.Result] = [], floats: [NNBenchmark] = []
    func vigil(_ m: String) throws -> NNBenchmark {
        try NNBenchmark.measureInChild(model: m, threads: threads, iterations: run.iterations, warmUp: run.warmUp)
    }
    func measureFloat() throws {
        guard let floatModel else { return }
        let f = try vigil(floatModel)
        floats.append(f)
        progress("\(floatModel) (float) round \(floats.count): vigil \(ms(f.medianMs)) ms (cpu \(ms(f.cpuMs)))")
    }
    for r in 0..<run.rounds {
        let vigilFirst = r % 2 == 0
        if !vigilFirst { try measureFloat() }
        if vigilFirst { ours.append(try vigil(model)) }
        theirs.append(try ONNXRuntimeReference.measure(script: script, model: model, threads: threads,
                                                       iterations: run.iterations, warmUp: run.warmUp))
        if !vigilFirst { ours.append(try vigil(model)) }
        if vigilFirst { try measureFloat() }
        let b = ours[r], ref = theirs[r]
        progress("\(model) round \(r + 1) (\(vigilFirst ? "Vigil" : "ONNX Runtime") first): vigil \(ms(b.medianMs)) ms "
                 + "(cpu \(ms(b.cpuMs)); \(b.json.serialized())), \(ref.version) \(ms(ref.medianMs)) ms (cpu \(ms(ref.cpuMs)))")
    }
    let o = BenchStats.median(ours.map(\.medianMs)), t = BenchStats.median(theirs.map(\.medianMs))
    let version = theirs.last?.version ?? "onnxruntime"
    let gflops = Double(ours.last?.flops ?? 0) / 1e9
    func spread(_ v: [Double]) -> String { BenchStats.spread(v) + " ms" }
    progress("\(model): rounds' medians vigil \(spread(ours.map(\.medianMs))), \(version) \(spread(theirs.map(\.medianMs))); "
             + "CPU time vigil \(spread(ours.map(\.cpuMs))), \(version) \(spread(theirs.map(\.cpuMs)))")
    progress("\(model): \(JSONValue.format(JSONValue.rounded(gflops, places: 3))) GFLOP per run → vigil \(JSONValue.format(JSONValue.rounded(gflops / (o / 1000), places: 1))) GFLOP/s, \(version) \(JSONValue.format(JSONValue.rounded(gflops / (t / 1000), places: 1))) GFLOP/s; GEMM: \(Session.gemmImplementation)")
    let dir = URL(fileURLWithPath: model).deletingLastPathComponent().lastPathComponent
    let name = dir.isEmpty ? model : dir
    var figures = [BenchFigure(name: "nn \(name) median latency (\(threads) threads)", value: o, unit: "ms",
                               reference: "\(version) (\(threads) threads, io_binding)", referenceValue: t, higherIsBetter: false)]
    if let floatModel, !floats.isEmpty {
        progress("\(floatModel) (float): rounds' medians vigil \(spread(floats.map(\.medianMs)))")
        figures.append(BenchFigure(name: "nn \(name) median latency, this model vs the float model (\(threads) threads)", value: o,
                                   unit: "ms", reference: "Vigil on \(floatModel) (\(threads) threads)",
                                   referenceValue: BenchStats.median(floats.map(\.medianMs)), higherIsBetter: false))
    }
    if threads == 1 {
        figures.append(BenchFigure(name: "nn \(name) median CPU time per run (1 thread)", value: BenchStats.median(ours.map(\.cpuMs)),
                                   unit: "ms", reference: "\(version) (1 thread, io_binding)",
                                   referenceValue: BenchStats.median(theirs.map(\.cpuMs)), higherIsBetter: false))
    }
    return figures
}

private func ms(_ v: Double) -> String { JSONValue.format(JSONValue.rounded(v, places: 2)) }

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

    static func measure(script: String, model: String, threads: Int, iterations: Int, warmUp: Int) throws -> Result {
        let o: JSONValue
        do {
            o = try BenchReference.run("ONNX Runtime reference (pip install onnxruntime numpy)", "python3",
                                       [script, model, "--threads", String(threads), "--iterations", String(iterations),
                                        "--warm-up", String(warmUp)], required: ["median_ms"])
        } catch let e as BenchError {
            throw ReferenceFailure(message: e.description)
        }
        let ms = o["median_ms"]?.number ?? 0
        return Result(medianMs: ms, cpuMs: o["cpu_ms"]?.number ?? 0, version: o["runtime"]?.string ?? "onnxruntime")
    }
}
