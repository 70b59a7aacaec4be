import Foundation
import Inference
import VigilCore

/// Timing of one model, shared by `vigil nn bench` and `vigil bench nn`.
package struct NNBenchmark {
    package var model: String
    package var threads: Int
    package var iterations: Int
    package var medianMs: Double
    package var p90Ms: Double
    package var minMs: Double
    /// Median CPU time of the calling thread per run: with one thread, the run's work without the time other
    /// processes held the core (what a busy machine's wall-clock figures hide).
    package var cpuMs: Double = 0
    package var flops: Int

    package var gflops: Double { medianMs > 0 ? Double(flops) / (medianMs * 1e6) : 0 }

    package var json: JSONValue {
        .object([
            ("model", .string(model)),
            ("threads", .int(threads)),
            ("iterations", .int(iterations)),
            ("median_ms", .double(JSONValue.rounded(medianMs, places: 3))),
            ("p90_ms", .double(JSONValue.rounded(p90Ms, places: 3))),
            ("min_ms", .double(JSONValue.rounded(minMs, places: 3))),
            ("cpu_ms", .double(JSONValue.rounded(cpuMs, places: 3))),
            ("gflop", .double(JSONValue.rounded(Double(flops) / 1e9, places: 3))),
            ("flops", .int(flops)),
            ("gflops", .double(JSONValue.rounded(gflops, places: 2))),
            ("gemm", .string(Session.gemmImplementation)),
        ])
    }

    /// `warmUp` untimed runs, then `iterations` timed ones.
    package static func measure(model: String, threads: Int, iterations: Int, warmUp: Int = 3) throws -> NNBenchmark {
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
        times.reserveCapacity(iterations)
        cpu.reserveCapacity(iterations)
        let total = iterations + warmUp
        try Session.withBuffers(inputs, &outputs) { xs, ys in
            for i in 0..<total {
                let c0 = threadCPUNanoseconds()
                let t0 = MonotonicClock.nanoseconds()
                try session.run(inputs: xs, outputs: ys)
                let t1 = MonotonicClock.nanoseconds()
                let c1 = threadCPUNanoseconds()
                if i >= warmUp { times.append(Double(t1 - t0) / 1e6); cpu.append(Double(c1 - c0) / 1e6) }
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

    /// `measure` in a child process of its own (`vigil nn bench MODEL` of this executable, the environment
    /// inherited, so `VIGIL_NN_ISA` and the like apply): every measurement starts from a fresh process, as ONNX
    /// Runtime's does (scripts/ort_bench.py), whatever the models, sessions and reference children before it left
    /// behind in this one (heap layout, threads, the scheduler's account of this process).
    package static func measureInChild(model: String, threads: Int, iterations: Int, warmUp: Int = 3) throws -> NNBenchmark {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let o = try BenchReference.run("Vigil (\(exe) nn bench)", exe,
                                       ["nn", "bench", model, "--threads", String(threads), "--iterations", String(iterations),
                                        "--warm-up", String(warmUp)],
                                       required: ["median_ms", "p90_ms", "min_ms", "cpu_ms", "flops"])
        func n(_ key: String) -> Double { o[key]?.number ?? 0 }
        return NNBenchmark(model: model, threads: threads, iterations: iterations, medianMs: n("median_ms"),
                           p90Ms: n("p90_ms"), minMs: n("min_ms"), cpuMs: n("cpu_ms"), flops: Int(n("flops")))
    }

    /// CPU time the calling thread has used (CLOCK_THREAD_CPUTIME_ID), nanoseconds.
    package static func threadCPUNanoseconds() -> UInt64 { Session.threadCPUNanoseconds() }

    /// `--profile`'s lines: per operator type its time, share of the run, GFLOP per run and GFLOP/s, then the total.
    package static func profileLines(_ entries: [Session.ProfileEntry], threads: Int) -> [String] {
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
}
