import CInferenceKernels
import Foundation

/// The process-wide instruction-set cap (`vk_set_isa_cap`, `vk_set_isa_limit`) is changed by several suites, which
/// Swift Testing runs in parallel: every change and every check of the level goes through this one lock, so that no
/// suite sees another's cap. Tests in other modules that compare the bits of two in-process runs (or of a run with
/// a recorded one) hold `exclusive` around those runs: the cap is process-wide, so a cap changed by an Inference
/// suite in the middle would change their float kernels' rounding between the two.
///
/// Thread safety: the recursive lock serialises callers; nested calls on one thread are allowed.
public enum ISALevel {
    nonisolated(unsafe) private static let lock = NSRecursiveLock()

    /// Runs body with vk_isa() capped at float level `level` (0 VK_CAP_NONE, 1 VK_CAP_AVX2, 2 VK_CAP_AVX512),
    /// never raised above the cap in force, holding the lock.
    public static func at<T>(_ level: Int32, _ body: () throws -> T) rethrows -> T {
        try atCap(level >= 2 ? VK_CAP_AVX512 : (level == 1 ? VK_CAP_AVX2 : VK_CAP_NONE), body)
    }

    /// Runs body under `cap` (VK_CAP_*), never raised above the cap in force (VIGIL_NN_ISA), holding the lock; the
    /// cap in force is restored exactly afterwards.
    public static func atCap<T>(_ cap: Int32, _ body: () throws -> T) rethrows -> T {
        try exclusive {
            let old = vk_set_isa_cap(cap)
            if old < cap { _ = vk_set_isa_cap(old) }
            defer { _ = vk_set_isa_cap(old) }
            return try body()
        }
    }

    /// Whether the integer kernels can run at AVX-VNNI here: the CPU has it and the cap in force (VIGIL_NN_ISA)
    /// allows it. The tests of that level are enabled on this, so that they are skipped (with this reason) rather
    /// than pass vacuously on other CPUs.
    public static var avxVnniReachable: Bool {
        vk_cpu_avxvnni() != 0 && exclusive { vk_isa_cap() } >= VK_CAP_AVXVNNI && vk_cpu_isa() >= 1
    }

    /// Runs body while no other test changes the cap.
    public static func exclusive<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
