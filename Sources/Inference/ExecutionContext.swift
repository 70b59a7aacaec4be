import CInferenceKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Per-session execution resources: the thread count, the worker pool and the scratch buffers kernels share.
///
/// Thread safety: owned by one session and used by one `run` at a time (the session's lock).
/// `parallel` fans work out to the session's own pool of `threads - 1` helper threads (`vk_pool`, Pool.c) plus
/// the calling thread and returns when all of it is done. Between regions the helpers spin for `spinMicroseconds`
/// (environment `VIGIL_NN_SPIN_US`, default 200; not at all while the machine is busier than our threads, see
/// `vk_pool_spin_ns`) before they sleep on a futex: a model is a chain of regions of 5–200 µs with short
/// serial steps between them, and a thread woken from sleep (Dispatch's
/// `concurrentPerform`, used before) starts 10–50 µs late, which cost BlazeFace a quarter of its time.
/// With one thread a run allocates nothing; with more, each parallel region allocates one 32-byte block
/// (`withoutActuallyEscaping`'s check that the loop body did not escape; Dispatch allocated several).
final class ExecutionContext: @unchecked Sendable {
    // @unchecked: the scratch pointers are only written by the kernel currently running, inside one run.
    let threads: Int
    let scratch: UnsafeMutablePointer<Float>
    let scratchFloats: Int
    /// Per-chunk scratch: `threads` blocks of `chunkScratchFloats`.
    private let chunkScratchBase: UnsafeMutablePointer<Float>
    let chunkScratchFloats: Int
    /// The helpers (nil with one thread).
    let pool: OpaquePointer?

    /// How long an idle helper spins before it sleeps: `VIGIL_NN_SPIN_US` (0 sleeps at once), default 200 µs.
    static let spinMicroseconds: Int = {
        if let v = getenv("VIGIL_NN_SPIN_US"), let n = Int(String(cString: v)), n >= 0 { return n }
        return 200
    }()

    init(threads: Int, scratchFloats: Int, chunkScratchFloats: Int = 0) {
        let wanted = max(1, threads)
        pool = wanted > 1 ? vk_pool_create(Int32(wanted), Self.spinMicroseconds * 1000) : nil
        // Threads that could not be started are not used (the run still completes on the others).
        self.threads = pool.map { Int(vk_pool_threads($0)) } ?? 1
        self.scratchFloats = max(scratchFloats, 16)
        scratch = .allocate(capacity: self.scratchFloats)
        scratch.initialize(repeating: 0, count: self.scratchFloats)
        self.chunkScratchFloats = (max(chunkScratchFloats, 16) + 15) & ~15
        chunkScratchBase = .allocate(capacity: self.chunkScratchFloats * self.threads)
        chunkScratchBase.initialize(repeating: 0, count: self.chunkScratchFloats * self.threads)
    }

    deinit {
        if let pool { vk_pool_destroy(pool) }
        scratch.deallocate()
        chunkScratchBase.deallocate()
    }

    /// Below about this many multiply-adds (≈ 1–2 µs on one core) a convolution runs on one worker: handing
    /// work to a spinning helper and waiting for it costs more than it saves. (With Dispatch workers woken
    /// from sleep the break-even was 1.5 M; `VIGIL_NN_MIN_PARALLEL_MACS` overrides it for measurements.)
    static let minimumParallelMACs: Int = {
        if let v = getenv("VIGIL_NN_MIN_PARALLEL_MACS"), let n = Int(String(cString: v)), n >= 0 { return n }
        return 100_000
    }()

    /// Chunks per thread of the implicit-GEMM and depthwise convolutions (`VIGIL_NN_CHUNKS`, default 1).
    /// Chunks are claimed dynamically, so even with one per thread a worker that starts late is covered by
    /// the other; 4 per thread measured 6% slower on YOLO-320 (median of 7 alternating rounds, 2 threads:
    /// 19.2 against 18.0 ms) and level on the pose detector (10.7 ms both).
    static let chunksPerThread: Int = {
        if let v = getenv("VIGIL_NN_CHUNKS"), let n = Int(String(cString: v)), n >= 1 { return n }
        return 1
    }()

    /// Scratch private to worker `w` of `parallelChunks`.
    @inline(__always)
    func chunkScratch(_ w: Int) -> UnsafeMutablePointer<Float> { chunkScratchBase + w * chunkScratchFloats }

    /// Runs `body` over 0..<n split into contiguous chunks (`chunks`, default `threads`; more chunks
    /// than threads balance better) on at most `threads` workers, each claiming the next chunk in turn.
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
            var region = Region(body: escaping, n: n, chunks: chunks, pool: pool!)
            withUnsafeMutablePointer(to: &region) { r in
                vk_pool_run(pool, Int32(workers), { raw, w in
                    raw!.assumingMemoryBound(to: Region.self).pointee.run(Int(w))
                }, r)
            }
        }
    }

    /// Sets OpenBLAS's thread count (process-wide).
    static func setBLASThreads(_ n: Int) {
        BLAS.shared.setThreads(n)
    }
}

/// One parallel region as the pool's workers see it: each worker claims the next chunk until none is left
/// (a chunk's result does not depend on which worker computes it; the worker index only picks its scratch).
// The body is the caller's non-escaping closure; vk_pool_run returns only after every worker has returned.
private struct Region {
    let body: (Int, Range<Int>) -> Void
    let n: Int
    let chunks: Int
    let pool: OpaquePointer

    @inline(__always)
    func run(_ w: Int) {
        while true {
            let c = Int(vk_pool_next(pool))
            if c >= chunks { return }
            let lo = n * c / chunks
            let hi = n * (c + 1) / chunks
            if lo < hi { body(w, lo..<hi) }
        }
    }
}
