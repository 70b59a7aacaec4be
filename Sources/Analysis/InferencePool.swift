import Dispatch
import Foundation
import Synchronization
import VigilCore

/// The bounded inference pool shared by every camera: at most `capacity` inferences run at once over all
/// callers (a permit per inference, taken before and returned after it). One call hands in the jobs of one
/// frame (its regions × models); they run concurrently on Dispatch's global pool — the first on the calling
/// thread, which waits anyway — and come back in job order, so a camera's output is deterministic whatever
/// the interleaving. A camera's analysis thread calls once per frame and waits, so results also return in
/// frame order.
///
/// Thread safety: `run` from any thread, concurrently (every camera's analysis thread); `stats` from any thread.
public final class InferencePool: Sendable {
    /// Most inferences in flight.
    public let capacity: Int
    public let stats: InferenceStats
    private let permits: DispatchSemaphore

    /// `maxInFlight` 0: one per core.
    public init(maxInFlight: Int = 0) {
        capacity = maxInFlight > 0 ? maxInFlight : ProcessInfo.processInfo.activeProcessorCount
        permits = DispatchSemaphore(value: capacity)
        stats = InferenceStats(capacity: capacity)
    }

    /// Runs `body(0)` … `body(count - 1)`, at most `capacity` at once over all callers, and returns their
    /// results in index order. The first error (by index) is rethrown after every job has finished.
    public func run<R: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> R) throws -> [R] {
        guard count > 0 else { return [] }
        if count == 1 { return [try runOne(0, body)] }
        let results = Mutex<[Result<R, any Error>?]>(Array(repeating: nil, count: count))
        let group = DispatchGroup()
        for i in 1..<count {
            group.enter()
            DispatchQueue.global().async {
                let r = Result { try self.runOne(i, body) }
                results.withLock { $0[i] = r }
                group.leave()
            }
        }
        let first = Result { try runOne(0, body) }
        group.wait()
        return try results.withLock { all in
            all[0] = first
            return try all.map { try $0!.get() }
        }
    }

    /// One job under a permit, timed.
    private func runOne<R>(_ i: Int, _ body: (Int) throws -> R) throws -> R {
        if permits.wait(timeout: .now()) == .timedOut {
            stats.waited()
            permits.wait()
        }
        stats.began()
        let start = MonotonicClock.nanoseconds()
        defer {
            stats.ended(seconds: Double(MonotonicClock.nanoseconds() - start) / 1e9)
            permits.signal()
        }
        return try body(i)
    }
}
