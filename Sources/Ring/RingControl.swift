import Synchronization

/// The indices and flags of one ring, in one 384-byte allocation aligned to 128 bytes: a 128-byte block per
/// writer, so the producer's and the consumer's hot words never share a cache line (128 rather than 64 also
/// keeps them off the adjacent-line prefetcher's pairs).
///
/// ```
/// offset   0  producer block: tail (Atomic), cachedHead (producer-private), dropped (Atomic), producer thread
/// offset 128  consumer block: head (Atomic), cachedTail (consumer-private), consumer thread
/// offset 256  shared block, rarely written: closed, consumerSleeping, producerSleeping
/// ```
///
/// Thread safety: a plain pointer holder; each word says below who writes it. Not `Sendable` on its own: only
/// `SPSCRing` (which owns and frees it) uses it.
@usableFromInline
struct RingControl {
    @usableFromInline static let byteCount = 384
    @usableFromInline static let alignment = 128

    @usableFromInline let base: UnsafeMutableRawPointer

    init() {
        base = UnsafeMutableRawPointer.allocate(byteCount: RingControl.byteCount, alignment: RingControl.alignment)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: RingControl.byteCount)
        for offset in [0, 16, 128, 256, 264, 272] {
            (base + offset).bindMemory(to: Atomic<Int>.self, capacity: 1).initialize(to: Atomic(0))
        }
        for offset in [8, 136] {
            (base + offset).bindMemory(to: Int.self, capacity: 1).initialize(to: 0)
        }
        for offset in [24, 144] {
            (base + offset).bindMemory(to: Atomic<UInt>.self, capacity: 1).initialize(to: Atomic(0))
        }
    }

    func deallocate() { base.deallocate() }

    // MARK: producer block (written by the producer only)

    /// Next position the producer writes. `.block`: the publication index. `.dropOldest`: informational
    /// (`count`); publication goes through the per-slot sequence numbers.
    @inlinable var tail: UnsafeMutablePointer<Atomic<Int>> { (base + 0).assumingMemoryBound(to: Atomic<Int>.self) }
    /// The producer's last view of `head`; refreshed only when the ring looks full.
    @inlinable var cachedHead: UnsafeMutablePointer<Int> { (base + 8).assumingMemoryBound(to: Int.self) }
    /// Elements discarded by `.dropOldest`.
    @inlinable var dropped: UnsafeMutablePointer<Atomic<Int>> { (base + 16).assumingMemoryBound(to: Atomic<Int>.self) }
    /// Debug role check: the producer's thread.
    @inlinable var producerThread: UnsafeMutablePointer<Atomic<UInt>> {
        (base + 24).assumingMemoryBound(to: Atomic<UInt>.self)
    }

    // MARK: consumer block (written by the consumer; `.dropOldest` producer CASes it when full)

    /// Next position the consumer reads.
    @inlinable var head: UnsafeMutablePointer<Atomic<Int>> { (base + 128).assumingMemoryBound(to: Atomic<Int>.self) }
    /// The consumer's last view of `tail` (`.block` only); refreshed only when the ring looks empty.
    @inlinable var cachedTail: UnsafeMutablePointer<Int> { (base + 136).assumingMemoryBound(to: Int.self) }
    /// Debug role check: the consumer's thread.
    @inlinable var consumerThread: UnsafeMutablePointer<Atomic<UInt>> {
        (base + 144).assumingMemoryBound(to: Atomic<UInt>.self)
    }

    // MARK: shared block (rarely written)

    /// 1 once `close()` ran.
    @inlinable var closed: UnsafeMutablePointer<Atomic<Int>> { (base + 256).assumingMemoryBound(to: Atomic<Int>.self) }
    /// 1 while the consumer is in (or entering) `Parker.wait`'s sleep.
    @inlinable var consumerSleeping: UnsafeMutablePointer<Atomic<Int>> {
        (base + 264).assumingMemoryBound(to: Atomic<Int>.self)
    }
    /// 1 while the producer is in (or entering) `Parker.wait`'s sleep (`.block` only).
    @inlinable var producerSleeping: UnsafeMutablePointer<Atomic<Int>> {
        (base + 272).assumingMemoryBound(to: Atomic<Int>.self)
    }
}
