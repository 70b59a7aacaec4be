import Dispatch

/// Per-session execution resources: the thread count and the scratch buffer kernels share.
///
/// Thread safety: owned by one session; used by one `run` at a time. `parallel` fans work out to
/// Dispatch worker threads and returns when all of it is done.
final class ExecutionContext: @unchecked Sendable {
    // @unchecked: the scratch pointer is only written by the kernel currently running, inside one run.
    let threads: Int
    let scratch: UnsafeMutablePointer<Float>
    let scratchFloats: Int

    /// Per-chunk scratch: `maxChunks` blocks of `chunkScratchFloats`.
    private let chunkScratchBase: UnsafeMutablePointer<Float>
    let chunkScratchFloats: Int
    /// The most chunks `parallelChunks` uses.
    var maxChunks: Int { threads }

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

    /// Scratch private to chunk `c` of `parallelChunks`.
    @inline(__always)
    func chunkScratch(_ c: Int) -> UnsafeMutablePointer<Float> { chunkScratchBase + c * chunkScratchFloats }

    /// Like `parallel`, with at most `threads` chunks; the body also gets its chunk index (for
    /// `chunkScratch`).
    func parallelChunks(_ n: Int, minimumPerChunk: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let chunks = min(threads, max(1, n / max(minimumPerChunk, 1)))
        if chunks <= 1 || n <= 1 {
            body(0, 0..<n)
            return
        }
        withoutActuallyEscaping(body) { escaping in
            let chunkBody = IndexedChunkBody(run: escaping)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = n * c / chunks
                let hi = n * (c + 1) / chunks
                if lo < hi { chunkBody.run(c, lo..<hi) }
            }
        }
    }

    /// Runs `body(i)` for i in 0..<n, split into at most `threads` contiguous chunks.
    @inline(__always)
    func parallel(_ n: Int, minimumPerChunk: Int = 1, chunks requested: Int? = nil, _ body: (Range<Int>) -> Void) {
        // More chunks than threads let Dispatch balance when a worker is descheduled.
        let chunks = min(requested ?? threads, max(1, n / max(minimumPerChunk, 1)))
        if chunks <= 1 || n <= 1 {
            body(0..<n)
            return
        }
        withoutActuallyEscaping(body) { escaping in
            let chunkBody = ChunkBody(run: escaping)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = n * c / chunks
                let hi = n * (c + 1) / chunks
                if lo < hi { chunkBody.run(lo..<hi) }
            }
        }
    }

    /// Sets OpenBLAS's thread count (process-wide).
    static func setBLASThreads(_ n: Int) {
        BLAS.shared.setThreads(n)
    }
}

/// The body of a parallel loop handed to Dispatch workers.
// @unchecked: concurrentPerform returns before the closure's scope ends, and callers give each chunk
// a disjoint output range, so the shared captures are read-only or written disjointly.
private struct ChunkBody: @unchecked Sendable {
    let run: (Range<Int>) -> Void
}

/// A parallel loop body that also receives its chunk index.
// @unchecked: as ChunkBody; each chunk also owns its own scratch block.
private struct IndexedChunkBody: @unchecked Sendable {
    let run: (Int, Range<Int>) -> Void
}
