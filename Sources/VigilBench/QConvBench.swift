import ArgumentParser
import Foundation
import Inference
import VigilCore

/// `vigil bench qconv`: the int8 convolution kernels (QuantizedConv: uint8 activations, per-channel int8 weights,
/// requantised output) beside the engine's float32 Conv on the same YOLOv8n-320-shaped layers and a depthwise
/// (pose detector) layer, same thread count, in the same run. Rounds alternate which side runs first; each figure
/// is the median over rounds of each round's median, in GOPS (2 × multiply-accumulates per second); the spread over
/// rounds and the int8 instruction-set level go to stderr.
///
/// Thread safety: used from the command's thread only.
struct QConvBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "qconv",
        abstract: "int8 convolution kernels beside the float32 Conv on YOLOv8n-shaped layers (GOPS)."
    )

    @OptionGroup var common: BenchOptions

    @Option(help: "Timed runs of each side per round.")
    var iterations = 20

    static var shared: BenchOptions.Uses { [.rounds, .threads] }
    var rounds: Int { common.rounds ?? 5 }
    var threads: Int { max(1, common.threads ?? 2) }

    func validateSuite() throws {
        guard iterations > 0 else { throw ValidationError("--iterations needs a positive count") }
    }

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

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let pairs = try Self.shapes.map { s in
            try QuantizedConvBenchPair(name: s.0, inC: s.1, outC: s.2, size: s.3, kernel: s.4, stride: s.5, groups: s.6,
                                       threads: threads)
        }
        progress("qconv: int8 level \(QuantizedConv.levelName), \(threads) thread(s), "
                 + "\(rounds) rounds × \(iterations) runs")
        var figures: [BenchFigure] = []
        for pair in pairs {
            var int8: [Double] = [], float: [Double] = []
            for round in 0..<rounds {
                for side in (round % 2 == 0 ? [0, 1] : [1, 0]) {
                    if side == 0 { int8.append(try Self.medianTime(iterations) { pair.runInt8() }) }
                    else { float.append(try Self.medianTime(iterations) { try pair.runFloat() }) }
                }
            }
            // operations per millisecond / 1e6 = GOPS
            let gi = pair.operations / BenchStats.median(int8) / 1e6, gf = pair.operations / BenchStats.median(float) / 1e6
            progress("\(pair.name): int8 \(Self.ms(BenchStats.median(int8))) (\(BenchStats.spread(int8, places: 3))) ms, "
                     + "float \(Self.ms(BenchStats.median(float))) (\(BenchStats.spread(float, places: 3))) ms over rounds")
            figures.append(BenchFigure(name: "int8 \(pair.name)", value: gi, unit: "GOPS", reference: "float32 Conv",
                                       referenceValue: gf, higherIsBetter: true))
        }
        return figures
    }

    static func ms(_ v: Double) -> String { JSONValue.format(JSONValue.rounded(v, places: 3)) }

    /// Median milliseconds of `n` runs after one warm-up run.
    static func medianTime(_ n: Int, _ body: () throws -> Void) throws -> Double {
        try body()
        var t: [Double] = []
        for _ in 0..<n {
            let t0 = MonotonicClock.nanoseconds()
            try body()
            t.append(Double(MonotonicClock.nanoseconds() - t0) / 1e6)
        }
        return BenchStats.median(t)
    }
}
