import Synchronization
import VigilCore

/// A fixed set of `PixelBuffer`s, allocated once, that cycle between one producer (the ingest thread) and one
/// consumer (the analysis thread). No allocation in steady state.
///
/// Ownership: a buffer has exactly one owner at a time.
/// - The pool owns the free buffers. `take()`/`takeWaiting()` hand one to the producer.
/// - The producer fills it and passes it on (inside a `Frame`, through an `SPSCRing`); from then on it must not
///   touch it. A buffer the producer still owns and does not need (one it took but did not send, or one that a
///   `.dropOldest` ring handed back from `.pushedDroppingOldest`) goes back with `reuse(_:)`.
/// - The consumer, once done with a buffer, gives it back with `recycle(_:)`: the buffer travels to the producer
///   through an SPSC ring in the opposite direction (whose release/acquire pair orders the consumer's last read
///   before the producer's next write).
///
/// After `close()`, `takeWaiting()` returns nil once nothing is free, and `recycle` lets buffers go (they are
/// freed with their last reference).
///
/// Thread safety: one producer thread calls `take`, `takeWaiting`, `reuse`; one consumer thread calls
/// `recycle`; `close`, `bufferCount` and the buffer geometry from any thread. Debug builds assert that a buffer
/// comes back only once per hand-out and only to the pool that made it.
public final class BufferPool: @unchecked Sendable {  // unchecked: `free` is producer-private; buffers cross threads only through `returns`
    /// Number of buffers the pool owns.
    public let bufferCount: Int
    public let width: Int
    public let height: Int
    public let format: PixelFormat

    /// Every buffer, in creation order (identity checks in debug builds).
    private let all: [PixelBuffer]
    /// Debug bookkeeping per buffer of `all`: 1 while handed out, 0 while in the pool.
    private let handedOut: UnsafeMutablePointer<Atomic<Int>>
    /// Buffers returned by the consumer, on their way back to the producer.
    private let returns: SPSCRing<PixelBuffer>
    /// The producer's stack of free buffers (producer thread only).
    private let free: UnsafeMutablePointer<PixelBuffer>
    private var freeCount: Int

    /// Allocates `count` buffers of `width` × `height` pixels in `format`.
    public init(count: Int, width: Int, height: Int, format: PixelFormat) {
        precondition(count >= 1, "BufferPool needs at least one buffer")
        self.bufferCount = count
        self.width = width
        self.height = height
        self.format = format
        let buffers = (0..<count).map { _ in PixelBuffer(width: width, height: height, format: format) }
        self.all = buffers
        self.handedOut = .allocate(capacity: count)
        for i in 0..<count { (handedOut + i).initialize(to: Atomic(0)) }
        // Room for every buffer: `recycle` never has to wait.
        self.returns = SPSCRing(capacity: count, policy: .block)
        self.free = .allocate(capacity: count)
        self.free.initialize(from: buffers, count: count)
        self.freeCount = count
    }

    deinit {
        free.deinitialize(count: freeCount)
        free.deallocate()
        handedOut.deinitialize(count: bufferCount)
        handedOut.deallocate()
    }

    // MARK: - Producer

    /// A free buffer, or nil when every buffer is out (live: skip the frame, or reuse a dropped one).
    public func take() -> PixelBuffer? {
        if freeCount == 0 {
            // Collect everything the consumer has returned so far in one go.
            while let buffer = returns.tryPop() {
                (free + freeCount).initialize(to: buffer)
                freeCount += 1
            }
            if freeCount == 0 { return nil }
        }
        freeCount -= 1
        let buffer = (free + freeCount).move()
        assert(mark(buffer, out: true), "BufferPool: handing out a buffer that is already out")
        return buffer
    }

    /// A free buffer; waits until the consumer recycles one (replay). Returns nil only after `close()`, when
    /// nothing is free.
    public func takeWaiting() -> PixelBuffer? {
        if let buffer = take() { return buffer }
        guard let buffer = returns.pop() else { return nil }
        assert(mark(buffer, out: true), "BufferPool: handing out a buffer that is already out")
        return buffer
    }

    /// Gives back a buffer the producer owns and will not send: one it took but did not use, or one a
    /// `.dropOldest` ring returned in `.pushedDroppingOldest`.
    public func reuse(_ buffer: PixelBuffer) {
        assert(mark(buffer, out: false), "BufferPool: buffer returned twice, or not from this pool")
        precondition(freeCount < bufferCount, "BufferPool: more buffers returned than the pool owns")
        (free + freeCount).initialize(to: buffer)
        freeCount += 1
    }

    // MARK: - Consumer

    /// Gives back a buffer the consumer is done with. Never waits. The caller must not touch it afterwards.
    public func recycle(_ buffer: PixelBuffer) {
        assert(mark(buffer, out: false), "BufferPool: buffer returned twice, or not from this pool")
        switch returns.tryPush(buffer) {
        case .pushed, .pushedDroppingOldest, .closed:
            break  // `.closed`: the pool is shutting down; the buffer is freed with its last reference
        case .full:
            preconditionFailure("BufferPool: more buffers returned than the pool owns")
        }
    }

    // MARK: - Any thread

    /// Ends the cycle: a producer waiting in `takeWaiting()` wakes and gets nil once nothing is free.
    public func close() { returns.close() }

    /// Debug bookkeeping: flips the buffer's hand-out state; false when it was not in the expected state or is
    /// not one of this pool's buffers.
    private func mark(_ buffer: PixelBuffer, out: Bool) -> Bool {
        guard let i = all.firstIndex(where: { $0 === buffer }) else { return false }
        // Relaxed: a debug consistency check; the hand-off itself is ordered by the rings.
        let previous = (handedOut + i).pointee.exchange(out ? 1 : 0, ordering: .relaxed)
        return previous == (out ? 0 : 1)
    }
}
