import Foundation
import Inference
import VigilCore

extension BenchSuite {
    /// `vigil bench qconv [--threads N] [--iterations K] [--rounds R]`: the int8 convolution kernels (QuantizedConv:
    /// uint8 activations, per-channel int8 weights, requantised output) beside the engine's float32 Conv on the same
    /// YOLOv8n/pose-shaped layers, same thread count, in the same run. Rounds alternate which side runs first; each
    /// figure is the median over rounds of each round's median, in GOPS (2 × multiply-accumulates per second);
    /// the spread over rounds, the instruction-set level and the load average before and after go to stderr.
    static let qconv = BenchSuite(
        name: "qconv",
        usage: "[--threads N] [--iterations K] [--rounds R]",
        run: { arguments, progress in try QConvBench(arguments: arguments).run(progress) }
    )
}

/// The `qconv` suite: layer shapes of a YOLOv8n-320 graph and of a depthwise (pose detector) layer.
///
/// Thread safety: used from the command's thread only.
struct QConvBench {
    var threads = 2, iterations = 20, rounds = 5

    /// name, input channels, output channels, input size, kernel, stride, groups.
    static let shapes: [(String, Int, Int, Int, Int, Int, Int)] = [
        ("stem 3→16 3x3/2 @320", 3, 16, 320, 3, 2, 1),
        ("16→32 3x3/2 @160", 16, 32, 160, 3, 2, 1),
        ("16→16 3x3 @80", 16, 16, 80, 3, 1, 1),
        ("64→64 1x1 @80", 64, 64, 80, 1, 1, 1),
        ("64→64 3x3 @40", 64, 64, 40, 3, 1, 1),
        ("128→128 3x3 @20", 128, 128, 20, 3, 1, 1),
        ("256→256 1x1 @10", 256, 256, 10, 1, 1, 1),
        ("depthwise 96 3x3 @56", 96, 96, 56, 3, 1, 96),
    ]

    init(arguments: [String]) throws {
        var i = 0
        while i < arguments.count {
            guard i + 1 < arguments.count, let v = Int(arguments[i + 1]), v > 0 else {
                throw BenchError("\(arguments[i]) needs a positive integer")
            }
            switch arguments[i] {
            case "--threads": threads = v
            case "--iterations": iterations = v
            case "--rounds": rounds = v
            default: throw BenchError("unknown argument '\(arguments[i])'")
            }
            i += 2
        }
    }

    func run(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let pairs = try Self.shapes.map { s in
            try QuantizedConvBenchPair(name: s.0, inC: s.1, outC: s.2, size: s.3, kernel: s.4, stride: s.5, groups: s.6,
                                       threads: threads)
        }
        progress("qconv: int8 level \(QuantizedConv.level) (2 AVX-512 VNNI, 1 AVX2, 0 portable), \(threads) thread(s), "
                 + "\(rounds) rounds × \(iterations) runs; load before: \(loadAverage())")
        var figures: [BenchFigure] = []
        for pair in pairs {
            var int8: [Double] = [], float: [Double] = []
            for round in 0..<rounds {
                for side in (round % 2 == 0 ? [0, 1] : [1, 0]) {
                    if side == 0 { int8.append(try Self.medianTime(iterations) { pair.runInt8() }) }
                    else { float.append(try Self.medianTime(iterations) { try pair.runFloat() }) }
                }
            }
            let gi = pair.operations / Self.median(int8) / 1e6, gf = pair.operations / Self.median(float) / 1e6  // ms
            progress("\(pair.name): int8 \(Self.spread(int8)) ms, float \(Self.spread(float)) ms over rounds")
            figures.append(BenchFigure(name: "int8 \(pair.name)", value: gi, unit: "GOPS", reference: "float32 Conv",
                                       referenceValue: gf, higherIsBetter: true))
        }
        progress("qconv: load after: \(loadAverage())")
        return figures
    }

    /// Median milliseconds of `n` runs after one warm-up run.
    static func medianTime(_ n: Int, _ body: () throws -> Void) throws -> Double {
        try body()
        var t: [Double] = []
        for _ in 0..<n {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            t.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return median(t)
    }

    static func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }

    static func spread(_ v: [Double]) -> String {
        let s = v.sorted()
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        return "\(f(s[s.count / 2])) (\(f(s.first!))–\(f(s.last!)))"
    }
}
