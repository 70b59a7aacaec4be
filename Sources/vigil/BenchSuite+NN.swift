import Foundation
import Inference
import VigilCore

extension BenchSuite {
    /// `vigil bench nn MODEL… [--threads N] [--iterations K] [--rounds R]`: inference latency of each
    /// model beside ONNX Runtime (PyPI onnxruntime, same thread count, timed by scripts/ort_bench.py in
    /// the same run). Rounds alternate Vigil and ONNX Runtime; each figure is the median of the rounds'
    /// medians, ratio = ONNX Runtime ÷ Vigil (> 1: Vigil is faster).
    static let nn = BenchSuite(
        name: "nn",
        usage: "MODEL… [--threads N] [--iterations K] [--rounds R]   (needs python3 with onnxruntime for the reference)",
        run: { arguments, progress in
            var models: [String] = []
            var threads = 2, iterations = 20, rounds = 3
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
                default: models.append(a)
                }
                i += 1
            }
            guard !models.isEmpty else { throw UsageError(message: "usage: vigil bench nn MODEL… [--threads N] [--iterations K]") }
            let script = try ONNXRuntimeReference.script()
            var figures: [BenchFigure] = []
            for model in models {
                try requireInputExists(model)
                var ours: [Double] = [], theirs: [Double] = []
                var version = "onnxruntime"
                var gflops = 0.0
                for r in 0..<rounds {
                    let b = try NNBenchmark.measure(model: model, threads: threads, iterations: iterations)
                    ours.append(b.medianMs)
                    gflops = Double(b.flops) / 1e9
                    let ref = try ONNXRuntimeReference.measure(script: script, model: model, threads: threads, iterations: iterations)
                    theirs.append(ref.medianMs)
                    version = ref.version
                    progress("\(model) round \(r + 1): vigil \(JSONValue.format(JSONValue.rounded(b.medianMs, places: 2))) ms (\(b.json.serialized())), \(version) \(JSONValue.format(JSONValue.rounded(ref.medianMs, places: 2))) ms")
                }
                let o = median(ours), t = median(theirs)
                progress("\(model): \(JSONValue.format(JSONValue.rounded(gflops, places: 3))) GFLOP per run → vigil \(JSONValue.format(JSONValue.rounded(gflops / (o / 1000), places: 1))) GFLOP/s, \(version) \(JSONValue.format(JSONValue.rounded(gflops / (t / 1000), places: 1))) GFLOP/s; GEMM: \(Session.gemmImplementation)")
                let name = URL(fileURLWithPath: model).deletingLastPathComponent().lastPathComponent
                figures.append(BenchFigure(name: "nn \(name.isEmpty ? model : name) median latency (\(threads) threads)", value: o, unit: "ms",
                                           reference: "\(version) (\(threads) threads)", referenceValue: t, higherIsBetter: false))
            }
            return figures
        }
    )
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
        return Result(medianMs: ms, version: obj["runtime"] as? String ?? "onnxruntime")
    }
}
