import ArgumentParser
import Foundation
import Inference
import VigilCore

/// `vigil nn`: the tensor engine's own tools.
struct NNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Tensor engine: run ONNX backend tests, time a model, describe a model.",
        subcommands: [NNTestCommand.self, NNBenchCommand.self, NNInfoCommand.self]
    )
}

struct NNTestCommand: ParsableCommand {
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

struct NNBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time inference of a model on a fixed pseudo-random input; prints JSON (median_ms, p90_ms, gflops)."
    )

    @Argument(help: "An ONNX model.")
    var model: String

    @Option(help: "Threads per inference (default: active processors).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Timed iterations (after 3 warm-up runs).")
    var iterations: Int = 20

    @Flag(help: "Also print, per prepared operator type on stderr: milliseconds per run (the thread's CPU time with one thread), GFLOP per run and GFLOP/s.")
    var profile = false

    func run() throws {
        let r = try reportingErrors {
            try requireInputExists(model)
            return try NNBenchmark.measure(model: model, threads: threads, iterations: iterations)
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

struct NNInfoCommand: ParsableCommand {
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
        ])
        print(json.serialized())
    }
}

/// Timing of one model, shared by `vigil nn bench` and `vigil bench nn`.
struct NNBenchmark {
    /// `--profile`'s lines: per operator type its time, share of the run, GFLOP per run and GFLOP/s, then the total.
    static func profileLines(_ entries: [Session.ProfileEntry], threads: Int) -> [String] {
        func f(_ v: Double, _ places: Int) -> String { JSONValue.format(JSONValue.rounded(v, places: places)) }
        let total = entries.reduce(0) { $0 + $1.ms }, flops = entries.reduce(0) { $0 + $1.flops }
        var lines = ["profile (\(threads == 1 ? "CPU time of the calling thread" : "wall time"), ms per run):"]
        for e in entries {
            let share = total > 0 ? 100 * e.ms / total : 0
            let arithmetic = e.flops > 0 ? ", \(f(Double(e.flops) / 1e9, 4)) GFLOP, \(f(e.gflops, 1)) GFLOP/s" : ""
            lines.append("\(e.op) ×\(e.nodes): \(f(e.ms, 3)) ms (\(f(share, 1)) %)\(arithmetic)")
        }
        let rate = total > 0 ? Double(flops) / (total * 1e6) : 0
        lines.append("total: \(f(total, 3)) ms, \(f(Double(flops) / 1e9, 4)) GFLOP, \(f(rate, 1)) GFLOP/s")
        return lines
    }

    var model: String
    var threads: Int
    var iterations: Int
    var medianMs: Double
    var p90Ms: Double
    var minMs: Double
    /// Median CPU time of the calling thread per run: with one thread, the run's work without the time other
    /// processes held the core (what a busy machine's wall-clock figures hide).
    var cpuMs: Double = 0
    var flops: Int

    var gflops: Double { medianMs > 0 ? Double(flops) / (medianMs * 1e6) : 0 }

    var json: JSONValue {
        .object([
            ("model", .string(model)),
            ("threads", .int(threads)),
            ("iterations", .int(iterations)),
            ("median_ms", .double(JSONValue.rounded(medianMs, places: 3))),
            ("p90_ms", .double(JSONValue.rounded(p90Ms, places: 3))),
            ("min_ms", .double(JSONValue.rounded(minMs, places: 3))),
            ("cpu_ms", .double(JSONValue.rounded(cpuMs, places: 3))),
            ("gflop", .double(JSONValue.rounded(Double(flops) / 1e9, places: 3))),
            ("gflops", .double(JSONValue.rounded(gflops, places: 2))),
            ("gemm", .string(Session.gemmImplementation)),
        ])
    }

    static func measure(model: String, threads: Int, iterations: Int) throws -> NNBenchmark {
        let session = try Session(contentsOf: URL(fileURLWithPath: model), options: .init(threads: threads))
        // Inputs: a fixed pseudo-random pattern in [-1, 1], the same in every run.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let inputs: [[Float]] = session.inputs.map { d in
            (0..<d.shape.reduce(1, *)).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(Int64(state >> 40) - (1 << 23)) / Float(1 << 23)
            }
        }
        var outputs = session.outputs.map { [Float](repeating: 0, count: $0.shape.reduce(1, *)) }
        var times: [Double] = [], cpu: [Double] = []
        times.reserveCapacity(iterations + 3)
        cpu.reserveCapacity(iterations + 3)
        let total = iterations + 3
        try Session.withBuffers(inputs, &outputs) { xs, ys in
            for i in 0..<total {
                let c0 = Session.threadCPUNanoseconds()
                let t0 = DispatchTime.now().uptimeNanoseconds
                try session.run(inputs: xs, outputs: ys)
                let t1 = DispatchTime.now().uptimeNanoseconds
                let c1 = Session.threadCPUNanoseconds()
                if i >= 3 { times.append(Double(t1 - t0) / 1e6); cpu.append(Double(c1 - c0) / 1e6) }
            }
        }
        times.sort()
        cpu.sort()
        func median(_ v: [Double]) -> Double {
            v.isEmpty ? 0 : (v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2)
        }
        let mid = median(times)
        let p90 = times.isEmpty ? 0 : times[min(times.count - 1, Int((Double(times.count) * 0.9).rounded(.up)) - 1)]
        return NNBenchmark(model: model, threads: threads, iterations: iterations, medianMs: mid, p90Ms: p90,
                           minMs: times.first ?? 0, cpuMs: median(cpu), flops: session.flops)
    }
}
