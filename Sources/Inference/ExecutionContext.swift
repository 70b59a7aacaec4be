import Dispatch

/// Per-session execution resources: the thread count and the scratch buffers kernels share.
///
/// Thread safety: owned by one session and used by one `run` at a time (the session's lock).
/// `parallel` fans work out to Dispatch workers (`concurrentPerform`) and returns when all of it is
/// done. With one thread nothing is allocated during a run; with more, Dispatch allocates a few small
/// blocks per parallel region (a semaphore-driven pool of our own avoided that but woke workers
/// 2–3× slower on a loaded machine).
final class ExecutionContext: @unchecked Sendable {
    // @unchecked: the scratch pointers are only written by the kernel currently running, inside one run.
    let threads: Int
    let scratch: UnsafeMutablePointer<Float>
    let scratchFloats: Int
    /// Per-chunk scratch: `threads` blocks of `chunkScratchFloats`.
    private let chunkScratchBase: UnsafeMutablePointer<Float>
    let chunkScratchFloats: Int

    init(threads: Int, scratchFloats: Int, chunkScratchFloats: Int = 0) {
        self.threads = max(1, threads)
        self.scratchFloats = max(scratchFloats, 16)
        scratch = .allocate(capacity: self.scratchFloats)
        scratch.initialize(repeating: 0, count: self.scratchFloats)
        self.chunkScratchFloats = (max(chunkScratchFloats, 16) + 15) & ~15
        chunkScratchBase = .allocate(capacity: self.chunkScratchFloats * self.threads)
        chunkScratchBase.initialize(repeating: 0, count: self.chunkScratchFloats * self.threads)
    }

    deinit {
        scratch.deallocate()
        chunkScratchBase.deallocate()
    }

    /// Below about this many multiply-adds (≈ 20–40 µs on one core) a convolution runs on one worker:
    /// waking Dispatch workers and waiting for the slowest costs more than it saves (BlazeFace with 2
    /// threads was slower than with 1 before this threshold).
    static let minimumParallelMACs = 1_500_000

    /// Scratch private to worker `w` of `parallelChunks`.
    @inline(__always)
    func chunkScratch(_ w: Int) -> UnsafeMutablePointer<Float> { chunkScratchBase + w * chunkScratchFloats }

    /// Runs `body` over 0..<n split into contiguous chunks (`chunks`, default `threads`; more chunks
    /// than threads balance better) on at most `threads` workers: worker w takes chunks w, w+workers, ….
    @inline(__always)
    func parallel(_ n: Int, minimumPerChunk: Int = 1, chunks requested: Int? = nil, _ body: (Range<Int>) -> Void) {
        parallelChunks(n, minimumPerChunk: minimumPerChunk, chunks: requested) { _, r in body(r) }
    }

    /// Like `parallel`; the body also gets its worker index (for `chunkScratch`).
    func parallelChunks(_ n: Int, minimumPerChunk: Int = 1, chunks requested: Int? = nil, _ body: (Int, Range<Int>) -> Void) {
        let chunks = min(requested ?? threads, max(1, n / max(minimumPerChunk, 1)))
        let workers = min(threads, chunks)
        guard workers > 1, n > 1 else {
            body(0, 0..<n)
            return
        }
        withoutActuallyEscaping(body) { escaping in
            let worker = WorkerBody { w in
                var c = w
                while c < chunks {
                    let lo = n * c / chunks
                    let hi = n * (c + 1) / chunks
                    if lo < hi { escaping(w, lo..<hi) }
                    c += workers
                }
            }
            DispatchQueue.concurrentPerform(iterations: workers) { w in worker.run(w) }
        }
    }

    /// Sets OpenBLAS's thread count (process-wide).
    static func setBLASThreads(_ n: Int) {
        BLAS.shared.setThreads(n)
    }
}

/// A parallel loop body handed to Dispatch workers.
// @unchecked: concurrentPerform returns before the closure's scope ends, and callers give each worker
// disjoint outputs (and its own chunk scratch), so shared captures are read-only or written disjointly.
private struct WorkerBody: @unchecked Sendable {
    let run: (Int) -> Void
}
