import ArgumentParser
import CommandSupport
import Foundation
import Inference
import VigilBench
import VigilCore

/// `vigil nn`: the tensor engine's own tools.
struct NNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Tensor engine: run ONNX backend tests, time a model, describe a model.",
        subcommands: [NNTestCommand.self, NNBenchCommand.self, NNInfoCommand.self]
    )
}

struct NNTestCommand: RunsKernels {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run ONNX backend test directories (model.onnx, test_data_set_*/input_*.pb, output_*.pb).",
        discussion: "Prints one line per case and ends with `N passed, M failed`; exits 1 when any case fails. A case whose model uses an operator or attribute the engine lacks is reported UNSUPPORTED and counts as failed."
    )

    @Argument(help: "Test directories.")
    var directories: [String]

    @Option(help: "Relative tolerance.")
    var rtol: Float = 1e-3

    @Option(help: "Absolute tolerance.")
    var atol: Float = 1e-5

    @Option(help: "Threads per inference (default: active processors).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print only failing cases and the summary.")
    var quiet = false

    func run() throws {
        let runner = BackendTest(rtol: rtol, atol: atol, threads: threads)
        var passed = 0, failed = 0
        for dir in directories {
            let url = URL(fileURLWithPath: dir)
            guard FileManager.default.fileExists(atPath: url.path) else {
                print("FAIL \(dir): no such directory")
                failed += 1
                continue
            }
            for r in runner.run(directory: url) {
                switch r.outcome {
                case .passed:
                    passed += 1
                    if !quiet { print("PASS \(r.name) (max abs error \(r.maxAbsoluteError))") }
                case .failed(let why):
                    failed += 1
                    print("FAIL \(r.name): \(why)")
                case .unsupported(let why):
                    failed += 1
                    print("UNSUPPORTED \(r.name): \(why)")
                }
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(ExitStatus.failure.rawValue) }
    }
}

struct NNBenchCommand: RunsKernels {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time inference of a model on a fixed pseudo-random input; prints JSON (median_ms, p90_ms, gflops)."
    )

    @Argument(help: "An ONNX model.")
    var model: String

    @Option(help: "Threads per inference (default: active processors).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Timed iterations (after the warm-up runs).")
    var iterations: Int = 20

    @Option(name: .customLong("warm-up"), help: "Untimed runs before the timed ones.")
    var warmUp: Int = 3

    @Flag(help: "Also print, per prepared operator type on stderr: milliseconds per run (the thread's CPU time with one thread), GFLOP per run and GFLOP/s.")
    var profile = false

    func run() throws {
        let r = try reportingErrors {
            try requireInputExists(model)
            return try NNBenchmark.measure(model: model, threads: threads, iterations: iterations, warmUp: max(0, warmUp))
        }
        print(r.json.serialized())
        if profile {
            let s = try Session(contentsOf: URL(fileURLWithPath: model), options: .init(threads: threads))
            for line in NNBenchmark.profileLines(s.profile(iterations: max(1, iterations / 2)), threads: threads) {
                Console.err(line)
            }
        }
    }
}

struct NNInfoCommand: RunsKernels {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a model's inputs, outputs, operator counts, parameters and FLOPs as JSON."
    )

    @Argument(help: "An ONNX model.")
    var model: String

    func run() throws {
        let s = try reportingErrors {
            try requireInputExists(model)
            return try Session(contentsOf: URL(fileURLWithPath: model), options: .init(threads: 1))
        }
        func desc(_ v: ValueDescription) -> JSONValue {
            .object([("name", .string(v.name)), ("type", .string(v.elementType.rawValue)), ("shape", .array(v.shape.map { .int($0) }))])
        }
        var fused: [String: Int] = [:]
        for op in s.executionPlan { fused[op, default: 0] += 1 }
        let json = JSONValue.object([
            ("inputs", .array(s.inputs.map(desc))),
            ("outputs", .array(s.outputs.map(desc))),
            ("operators", .object(s.operatorCounts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
            ("prepared_operators", .object(fused.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
            ("parameters", .int(s.parameterCount)),
            ("flops", .int(s.flops)),
            ("arena_bytes", .int(s.arenaBytes)),
            ("unplanned_bytes", .int(s.unplannedBytes)),
            ("views", .int(s.viewCount)),
            // The kernels' levels: float (Conv), int8 and the BLAS, as bench's "gemm" (VIGIL_NN_ISA caps them).
            ("kernels", .string(Session.gemmImplementation)),
            // Quantised models: how many prepared steps run in integers (int8 islands, table lookups) and in float.
            ("precision", .object(s.precisionCounts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
        ])
        print(json.serialized())
    }
}
