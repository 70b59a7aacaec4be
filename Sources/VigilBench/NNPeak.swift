import Foundation
import Inference
import VigilCore

/// `vigil bench nn --peak`: the FMA peak per ISA level of the C kernels, one thread (over its CPU time) and
/// `threads` threads at once (over the wall time: the machine's share of them when others run, beside the sum
/// of each thread's CPU-time rate), `rounds` rounds alternating the order of the levels; medians with their
/// spread, the core clock and FLOP per cycle beside them.
///
/// Thread safety: stateless.
enum NNPeak {
    static func figures(threads: Int, rounds: Int, progress: (String) -> Void) -> [BenchFigure] {
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
        func stat(_ v: [Double]) -> String {
            "\(JSONValue.format(JSONValue.rounded(BenchStats.median(v), places: 1))) (\(BenchStats.spread(v, places: 1)))"
        }
        let ghz = BenchStats.median(clock)
        progress("peak: core clock \(stat(clock)) GHz (dependent adds over the thread's CPU time), \(rounds) rounds")
        var figures: [BenchFigure] = []
        for level in levels {
            let name = PeakRate.name(level)
            let single = BenchStats.median(one[level]!)
            let perCycle = ghz > 0 ? single / ghz : 0
            progress("peak \(name): 1 thread \(stat(one[level]!)) GFLOP/s (CPU time; \(JSONValue.format(JSONValue.rounded(perCycle, places: 1))) FLOP per cycle), "
                     + "\(threads) threads \(stat(many[level]!)) GFLOP/s (wall), \(stat(cores[level]!)) GFLOP/s (sum of each thread's CPU-time rate)")
            figures.append(BenchFigure(name: "peak FMA rate \(name), \(threads) threads (wall)", value: BenchStats.median(many[level]!),
                                       unit: "GFLOP/s", reference: "1 thread (its CPU time)", referenceValue: single,
                                       higherIsBetter: true))
        }
        return figures
    }
}
