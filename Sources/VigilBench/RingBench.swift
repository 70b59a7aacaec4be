import ArgumentParser
import DequeModule
import Ring
import Synchronization
import VigilCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `vigil bench ring`: one producer thread and one consumer thread (real pthreads) move `--items` Ints through
/// a ring of `--capacity` slots. Figures: `SPSCRing` `.block` and `.dropOldest`, each beside a bounded
/// `Mutex<Deque<Int>>` queue with the same capacity and the same policy, measured in the same run, runs
/// interleaved; the median of `--rounds` runs.
///
/// Thread safety: used from the command's thread only (each run's two threads share only the ring).
struct RingBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "ring",
        abstract: "SPSCRing beside a Mutex<Deque> queue of the same capacity and policy, one producer and one consumer thread."
    )
    static var shared: BenchOptions.Uses { [.rounds] }

    @OptionGroup var common: BenchOptions

    @Option(help: "Items per run.")
    var items = 5_000_000

    @Option(help: "Slots of the ring and the queue.")
    var capacity = 1024

    var rounds: Int { common.rounds ?? 5 }

    func validateSuite() throws {
        guard items > 0, capacity > 0 else { throw ValidationError("--items and --capacity must be positive") }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        let rounded = SPSCRing<Int>(capacity: capacity, policy: .block).capacity
        progress("ring: \(items) items, capacity \(capacity) (SPSCRing rounds to \(rounded)), \(rounds) rounds, "
                 + "1 producer + 1 consumer thread")

        var results: [String: [Double]] = [:]
        for run in 1...rounds {
            // Interleaved so that load from other processes hits every variant alike; odd rounds start with the
            // ring, even ones with the reference.
            let (ringBlock, lockBlock, ringDrop, lockDrop) = runRound(ringFirst: run % 2 == 1)
            for (key, r) in [("ring.block", ringBlock), ("lock.block", lockBlock),
                             ("ring.drop", ringDrop), ("lock.drop", lockDrop)] {
                guard r.received + r.dropped == items, r.checksumOK else {
                    throw BenchError("ring: \(key) lost items (received \(r.received), dropped \(r.dropped))")
                }
                results[key, default: []].append(r.itemsPerSecond)
            }
            func m(_ v: Double) -> String { JSONValue.format(JSONValue.rounded(v / 1e6, places: 1)) }
            progress("round \(run) (\(run % 2 == 1 ? "ring" : "reference") first): block \(m(ringBlock.itemsPerSecond)) vs \(m(lockBlock.itemsPerSecond)) M/s; "
                     + "dropOldest pushed \(m(ringDrop.itemsPerSecond)) M/s, delivered \(m(ringDrop.deliveredPerSecond)) M/s "
                     + "(dropped \(ringDrop.dropped)) vs pushed \(m(lockDrop.itemsPerSecond)) M/s, delivered "
                     + "\(m(lockDrop.deliveredPerSecond)) M/s (dropped \(lockDrop.dropped))")
        }
        func median(_ key: String) -> Double { BenchStats.median(results[key, default: []]) }
        return [
            BenchFigure(name: "ring.spsc.block", value: median("ring.block"), unit: "items/s",
                        reference: "Mutex<Deque> block", referenceValue: median("lock.block"), higherIsBetter: true),
            BenchFigure(name: "ring.spsc.dropOldest", value: median("ring.drop"), unit: "items/s",
                        reference: "Mutex<Deque> dropOldest", referenceValue: median("lock.drop"),
                        higherIsBetter: true),
        ]
    }

    /// One round: each policy on the ring and on the reference, in the order asked.
    func runRound(ringFirst: Bool) -> (RingRun, RingRun, RingRun, RingRun) {
        func ring(_ p: RingPolicy) -> RingRun { RingBench.spscRing(items: items, capacity: capacity, policy: p) }
        func lock(_ drop: Bool) -> RingRun { RingBench.lockedDeque(items: items, capacity: capacity, dropOldest: drop) }
        if ringFirst {
            let rb = ring(.block), lb = lock(false), rd = ring(.dropOldest), ld = lock(true)
            return (rb, lb, rd, ld)
        }
        let lb = lock(false), rb = ring(.block), ld = lock(true), rd = ring(.dropOldest)
        return (rb, lb, rd, ld)
    }
}

/// One run's outcome.
struct RingRun {
    var itemsPerSecond: Double
    var received: Int
    var dropped: Int
    var checksumOK: Bool
    var seconds: Double
    /// Items the consumer received per second (differs from `itemsPerSecond` when items were dropped).
    var deliveredPerSecond: Double { Double(received) / seconds }
}

extension RingBench {
    /// `SPSCRing` with the given policy. Items/s = items pushed ÷ time until the consumer has drained the ring.
    static func spscRing(items: Int, capacity: Int, policy: RingPolicy) -> RingRun {
        let ring = SPSCRing<Int>(capacity: capacity, policy: policy)
        let consumed = RunTally()
        let seconds = timePair(
            producer: {
                for i in 0..<items { ring.push(i) }
                ring.close()
            },
            consumer: {
                var n = 0, sum = 0, last = -1, ordered = true
                while let v = ring.pop() {
                    if v <= last { ordered = false }
                    last = v
                    n += 1
                    sum &+= v
                }
                consumed.set(count: n, sum: sum, ordered: ordered)
            })
        let dropped = ring.dropped
        let ok = consumed.ordered && (policy == .dropOldest || consumed.sum == items &* (items - 1) / 2)
        return RingRun(itemsPerSecond: Double(items) / seconds, received: consumed.count, dropped: dropped,
                       checksumOK: ok, seconds: seconds)
    }

    /// The reference: a bounded `Mutex<Deque<Int>>` queue with the same capacity and policy. Waiting is the
    /// same as the ring's before it sleeps: re-check 64 times, then `sched_yield` between checks.
    static func lockedDeque(items: Int, capacity: Int, dropOldest: Bool) -> RingRun {
        let queue = LockedDequeQueue(capacity: capacity, dropOldest: dropOldest)
        let consumed = RunTally()
        let seconds = timePair(
            producer: {
                for i in 0..<items { queue.push(i) }
                queue.close()
            },
            consumer: {
                var n = 0, sum = 0, last = -1, ordered = true
                while let v = queue.pop() {
                    if v <= last { ordered = false }
                    last = v
                    n += 1
                    sum &+= v
                }
                consumed.set(count: n, sum: sum, ordered: ordered)
            })
        let dropped = queue.dropped
        let ok = consumed.ordered && (dropOldest || consumed.sum == items &* (items - 1) / 2)
        return RingRun(itemsPerSecond: Double(items) / seconds, received: consumed.count, dropped: dropped,
                       checksumOK: ok, seconds: seconds)
    }
}

/// A bounded FIFO of Ints behind `Synchronization.Mutex`, the way one would write it without a lock-free ring.
///
/// Thread safety: any thread may call anything; every access to the deque is under the mutex.
final class LockedDequeQueue: Sendable {
    private struct State {
        var items: Deque<Int>
        var closed = false
        var dropped = 0
    }
    private let state: Mutex<State>
    private let capacity: Int
    private let dropOldest: Bool

    init(capacity: Int, dropOldest: Bool) {
        self.capacity = capacity
        self.dropOldest = dropOldest
        state = Mutex(State(items: Deque(minimumCapacity: capacity)))
    }

    var dropped: Int { state.withLock { $0.dropped } }

    func push(_ x: Int) {
        var tries = 0
        while true {
            let stored: Bool = state.withLock { s in
                if s.items.count == capacity {
                    guard dropOldest else { return false }
                    s.items.removeFirst()
                    s.dropped += 1
                }
                s.items.append(x)
                return true
            }
            if stored { return }
            tries += 1
            if tries > 64 { sched_yield() }
        }
    }

    func pop() -> Int? {
        var tries = 0
        while true {
            let (value, closed): (Int?, Bool) = state.withLock { s in (s.items.popFirst(), s.closed) }
            if let value { return value }
            if closed { return nil }  // popFirst and closed were read under the same lock: drained
            tries += 1
            if tries > 64 { sched_yield() }
        }
    }

    func close() { state.withLock { $0.closed = true } }
}

/// What the consumer thread counted, read by the bench after the join.
///
/// Thread safety: written once by the consumer thread, read after `pthread_join` (which orders the two).
final class RunTally: @unchecked Sendable {  // unchecked: one write, then reads after the join
    private(set) var count = 0
    private(set) var sum = 0
    private(set) var ordered = true
    func set(count: Int, sum: Int, ordered: Bool) { self.count = count; self.sum = sum; self.ordered = ordered }
}

/// Runs `producer` and `consumer` on two new pthreads (`PThreads`, the harness the ring tests use), released
/// together, and returns the seconds from the release until both have finished.
func timePair(producer: @escaping @Sendable () -> Void, consumer: @escaping @Sendable () -> Void) -> Double {
    PThreads.run([producer, consumer]).max() ?? 0
}
