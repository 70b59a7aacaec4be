import CInferenceKernels
import Foundation

/// The process-wide instruction-set limit (`vk_set_isa_limit`) is changed by several suites, which Swift Testing
/// runs in parallel: every change and every check of the level goes through this one lock, so that no suite
/// sees another's limit.
///
/// Thread safety: the recursive lock serialises callers; nested calls on one thread are allowed.
enum ISALevel {
    nonisolated(unsafe) private static let lock = NSRecursiveLock()

    /// Runs body with vk_isa() capped at level (never raised above the limit in force), holding the lock.
    static func at<T>(_ level: Int32, _ body: () throws -> T) rethrows -> T {
        try exclusive {
            let old = vk_set_isa_limit(level)
            if old < level { _ = vk_set_isa_limit(old) }
            defer { _ = vk_set_isa_limit(old) }
            return try body()
        }
    }

    /// Runs body while no other test changes the limit.
    static func exclusive<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
