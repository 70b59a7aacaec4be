import CInferenceKernels
import Dispatch
import Foundation
import Synchronization
import VigilCore

/// The machine's peak FMA rate per ISA level of the C kernels, and the core clock, measured by loops that
/// only the FMA pipes (or one dependent add chain) limit: the "% of peak" reference of `vigil bench nn --peak`.
///
/// Thread safety: stateless; every measurement runs on its own threads and returns a value.
public enum PeakRate {
    /// ISA levels of the C kernels this CPU has, highest first: 2 AVX-512F, 1 AVX2 + FMA.
    public static var levels: [Int32] { (1...2).reversed().filter { $0 <= vk_cpu_isa() } }

    public static func name(_ level: Int32) -> String { level == 2 ? "AVX-512" : "AVX2" }

    /// One thread's FMA rate at `level`: GFLOP over the thread's CPU time (time other processes held the
    /// core is not counted), about `seconds` long.
    public static func singleThread(level: Int32, seconds: Double = 0.2) -> Double {
        let steps = calibratedSteps(level: level, seconds: seconds)
        let c0 = Session.threadCPUNanoseconds()
        var checksum = 0.0
        let flops = vk_peak_fma(level, steps, &checksum)
        let c1 = Session.threadCPUNanoseconds()
        return c1 > c0 ? flops / Double(c1 - c0) : 0
    }

    /// `threads` threads at once, each about `seconds`: (all FLOPs over the wall time from the first start to
    /// the last end, the sum of each thread's FLOPs over its own CPU time). The first is what the machine
    /// gave; the second what its cores can do when they are not shared.
    public static func threads(_ threads: Int, level: Int32, seconds: Double = 0.2) -> (wall: Double, cpu: Double) {
        let steps = calibratedSteps(level: level, seconds: seconds)
        let perThread = Mutex([Double](repeating: 0, count: max(1, threads)))
        let t0 = MonotonicClock.nanoseconds()
        DispatchQueue.concurrentPerform(iterations: threads) { i in
            let c0 = Session.threadCPUNanoseconds()
            var checksum = 0.0
            let flops = vk_peak_fma(level, steps, &checksum)
            let c1 = Session.threadCPUNanoseconds()
            let rate = c1 > c0 ? flops / Double(c1 - c0) : 0
            perThread.withLock { $0[i] = rate }
        }
        let wall = Double(MonotonicClock.nanoseconds() - t0)
        let total = Double(threads) * flopsPerStep(level) * Double(steps)
        return (wall > 0 ? total / wall : 0, perThread.withLock { $0.reduce(0, +) })
    }

    /// The core clock in GHz: a chain of dependent adds (one per cycle) over the thread's CPU time.
    public static func clockGHz(seconds: Double = 0.1) -> Double {
        let steps = max(1, Int(seconds * 3e9 / 8))
        let c0 = Session.threadCPUNanoseconds()
        let cycles = vk_clock_cycles(steps)
        let c1 = Session.threadCPUNanoseconds()
        return c1 > c0 ? Double(cycles) / Double(c1 - c0) : 0
    }

    static func flopsPerStep(_ level: Int32) -> Double { vk_peak_fma(level, 1, nil) }

    /// Loop steps for about `seconds` at a nominal 100 GFLOP/s per core (the figure is a rate, so the
    /// length only needs to be long against a scheduler tick and short for the user).
    static func calibratedSteps(level: Int32, seconds: Double) -> Int {
        let perStep = max(1, flopsPerStep(level))
        return max(1000, Int(seconds * 100e9 / perStep))
    }
}
