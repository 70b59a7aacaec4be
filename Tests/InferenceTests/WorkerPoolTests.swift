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

    /// A helper that holds a region up (here: its chunk takes 2 ms while the caller's is empty, as when the
    /// machine is busy and the helper loses its core) stops the helpers' spinning; 256 regions in a row
    /// without such a wait bring it back.
    @Test func aLongWaitForAHelperStopsTheSpinningUntilRegionsAreQuickAgain() throws {
        let pool = try #require(vk_pool_create(2, 200_000))
        defer { vk_pool_destroy(pool) }
        #expect(vk_pool_spin_ns(pool) == 200_000)
        let tally = Tally(capacity: 2, pool: pool)
        final class Flag: Sendable { let joined = Atomic<Bool>(false) }
        let flag = Flag()
        func region(slowHelper: Bool) {
            let ctx = Unmanaged.passUnretained(tally).toOpaque()
            if slowHelper {
                // The caller's part waits until the helper has joined (so the caller has to wait for it).
                flag.joined.store(false, ordering: .relaxed)
                vk_pool_run(pool, 2, { raw, w in
                    let flag = Unmanaged<Flag>.fromOpaque(raw!).takeUnretainedValue()
                    if w == 1 {
                        flag.joined.store(true, ordering: .releasing)
                        usleep(2_000)
                    } else {
                        while !flag.joined.load(ordering: .acquiring) {}
                    }
                }, Unmanaged.passUnretained(flag).toOpaque())
            } else {
                tally.chunks = 2
                vk_pool_run(pool, 2, { raw, _ in
                    let t = Unmanaged<Tally>.fromOpaque(raw!).takeUnretainedValue()
                    while Int(vk_pool_next(t.pool)) < t.chunks {}
                }, ctx)
            }
        }
        region(slowHelper: false)
        // On a loaded machine a slow region may not register as a long wait (the helper can be late for the
        // region itself, not inside it): repeat it until the pool notices, a bounded number of times.
        var slow = 0
        repeat {
            region(slowHelper: true)
            slow += 1
        } while vk_pool_spin_ns(pool) != 0 && slow < 50
        #expect(vk_pool_spin_ns(pool) == 0, "still spinning after \(slow) slow regions")
        // 256 quick regions in a row restore it (on a busy test machine a helper may lose its core again in
        // between, which starts the count over: allow many more).
        var quick = 0
        while vk_pool_spin_ns(pool) == 0 && quick < 50_000 {
            region(slowHelper: false)
            quick += 1
        }
        #expect(vk_pool_spin_ns(pool) == 200_000)
        #expect(quick >= 256, "restored after \(quick) regions")
    }

    /// Output tiles and channels are split by the thread count, but each value is computed the same way: the
    /// shipped detectors give bit-identical outputs with 1, 2 and 3 threads, run after run. Holds the ISA-level
    /// lock: a suite running beside it that lowers the level (QuantizedConvTests goes down to the scalar level)
    /// would otherwise change the kernels between the reference and the threaded runs (seen with
    /// `VIGIL_NN_ISA=avx2` and the whole InferenceTests target).
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
