import TestSupport
import CInferenceKernels
import Foundation
import Synchronization
import Testing
@testable import Inference

/// The engine's worker pool (Pool.c): every chunk of every region runs exactly once, on a worker index below the
/// pool's threads, whatever the timing; a session's results do not depend on its thread count.
@Suite struct WorkerPoolTests {
    /// Per-chunk counters written by whichever worker claims the chunk (a chunk claimed twice would count 2,
    /// and ThreadSanitizer, which runs this suite, would report the two writes).
    final class Tally: @unchecked Sendable {
        let counts: UnsafeMutablePointer<Int32>
        let workers: UnsafeMutablePointer<Int32>
        var chunks = 0
        let pool: OpaquePointer
        init(capacity: Int, pool: OpaquePointer) {
            counts = .allocate(capacity: capacity)
            workers = .allocate(capacity: capacity)
            self.pool = pool
        }
        deinit { counts.deallocate(); workers.deallocate() }
    }

    @Test(arguments: [(2, 200), (3, 0), (4, 50)])
    func everyChunkRunsOnce(_ threads: Int, _ spinMicroseconds: Int) throws {
        let pool = try #require(vk_pool_create(Int32(threads), spinMicroseconds * 1000))
        defer { vk_pool_destroy(pool) }
        #expect(Int(vk_pool_threads(pool)) == threads)
        let tally = Tally(capacity: 64, pool: pool)
        for region in 0..<3000 {
            let chunks = 1 + region % 37
            tally.chunks = chunks
            tally.counts.update(repeating: 0, count: chunks)
            tally.workers.update(repeating: -1, count: chunks)
            // Some regions ask for fewer workers than the pool has; some leave a pause so helpers fall asleep.
            let workers = 1 + region % threads
            if region % 500 == 499 { usleep(2_000) }
            vk_pool_run(pool, Int32(workers), { raw, w in
                let t = Unmanaged<Tally>.fromOpaque(raw!).takeUnretainedValue()
                while true {
                    let c = Int(vk_pool_next(t.pool))
                    if c >= t.chunks { return }
                    t.counts[c] += 1
                    t.workers[c] = w
                }
            }, Unmanaged.passUnretained(tally).toOpaque())
            for c in 0..<chunks {
                guard tally.counts[c] == 1, (0..<Int32(threads)).contains(tally.workers[c]) else {
                    Issue.record("region \(region): chunk \(c) ran \(tally.counts[c]) times, worker \(tally.workers[c])")
                    return
                }
            }
        }
    }

    /// The spin policy on virtual time: the pool is told how long each region's caller waited for its helpers
    /// (vk_pool_run measures that on CLOCK_MONOTONIC; here the waits are given), so the rule is checked exactly,
    /// whatever the load: a wait over 300 µs (a helper taken off its core) stops the helpers' spinning, 256
    /// regions in a row without one bring it back, and a long wait in between starts the count over.
    @Test func aLongWaitForAHelperStopsTheSpinningUntilRegionsAreQuickAgain() throws {
        let pool = try #require(vk_pool_create(2, 200_000))
        defer { vk_pool_destroy(pool) }
        #expect(vk_pool_spin_ns(pool) == 200_000)
        vk_pool_note_wait(pool, 300_000)  // 300 µs exactly is not a long wait
        #expect(vk_pool_spin_ns(pool) == 200_000)
        vk_pool_note_wait(pool, 2_000_000)  // a helper held the region up 2 ms
        #expect(vk_pool_spin_ns(pool) == 0)
        for _ in 0..<200 { vk_pool_note_wait(pool, 50_000) }
        #expect(vk_pool_spin_ns(pool) == 0)
        vk_pool_note_wait(pool, 300_001)  // long again after 200 quick regions: the count starts over
        for _ in 0..<255 { vk_pool_note_wait(pool, 0) }
        #expect(vk_pool_spin_ns(pool) == 0, "255 quick regions are not enough")
        vk_pool_note_wait(pool, 0)
        #expect(vk_pool_spin_ns(pool) == 200_000, "the 256th quick region restores the spin")
    }

    /// Output tiles and channels are split by the thread count, but each value is computed the same way: the
    /// shipped detectors give bit-identical outputs with 1, 2 and 3 threads, run after run. The instruction-set
    /// level is held (`ISALevel.exclusive`): suites running beside this one lower it to test the AVX2 and scalar
    /// kernels, whose sums round differently.
    @Test func resultsDoNotDependOnTheThreadCount() throws {
        try ISALevel.exclusive {
            let url = repositoryRoot.appendingPathComponent("samples/models/blazeface_short_128/model.onnx")
            var rng = SystemRandomNumberGenerator()
            let input = (0..<(3 * 128 * 128)).map { _ in Float.random(in: -1...1, using: &rng) }
            let feeds = ["input": Tensor(shape: [1, 3, 128, 128], floats: input)]
            let reference = try Session(contentsOf: url, options: Session.Options(threads: 1)).run(feeds)
            for threads in [2, 3] {
                let s = try Session(contentsOf: url, options: Session.Options(threads: threads))
                for _ in 0..<5 {
                    let out = try s.run(feeds)
                    #expect(out == reference, "\(threads) threads")
                }
            }
        }
    }
}
