import Synchronization

/// A bounded, lock-free single-producer/single-consumer ring on `Synchronization.Atomic`.
///
/// The capacity is rounded up to a power of two. The producer and the consumer each keep their index in their
/// own 128-byte block (see `RingControl`) together with a cached copy of the other side's index, which they
/// refresh only when the ring looks full (producer) or empty (consumer).
///
/// Two policies (`RingPolicy`):
/// - `.block` (replay) is the pure SPSC path. The producer writes slot `tail`, then publishes `tail + 1` with a
///   release store; the consumer acquires `tail`, moves the slot out, then releases `head + 1`; the producer
///   acquires `head` before it overwrites a slot. Each slot has exactly one writer at a time, so any element
///   type is safe. A full `push` and an empty `pop` spin briefly, then sleep (`Parker`: no lost wakeup, proved
///   there).
/// - `.dropOldest` (live) uses per-slot sequence numbers (Vyukov). `seq[i] == p` means slot `i` is free for
///   position `p`; `seq[i] == p + 1` means it holds element `p`. The consumer claims element `head` with a CAS
///   `head: h -> h + 1` after seeing `seq == h + 1`, moves it out, then releases `seq = h + capacity`. When the
///   ring is full, the producer claims the oldest element the same way (CAS `head: t - capacity -> t -
///   capacity + 1`), so exactly one of the two sides wins each element: the loser never touches the slot, and
///   the producer never overwrites a slot the consumer is still copying (if the consumer won, the producer waits
///   for its `seq = t` release, which follows a single move). Positions are full-width `Int`s, so a sequence
///   value is never reused (no ABA). The dropped element is handed back to the producer and counted in
///   `dropped`.
///
/// `close()` ends the stream: the consumer drains what is left, then `pop()` returns nil; a waiting producer or
/// consumer wakes. Pushing after `close()` hands the element back as `.closed`.
///
/// Thread safety: exactly one producer thread calls `push`/`tryPush`, exactly one consumer thread calls
/// `pop`/`tryPop` (it may be the same thread); `close`, `count`, `capacity`, `dropped`, `isClosed` from any
/// thread. Debug builds record each role's thread on first use and assert that no other thread takes it.
/// A `close()` from a thread other than the producer may race with a concurrent `push`: such an element may
/// stay undelivered (it is released with the ring).
public final class SPSCRing<Element> {
    /// The outcome of `push`/`tryPush`. The element comes back whenever the ring did not keep it.
    public enum PushResult {
        /// Stored.
        case pushed
        /// Stored; the ring was full and discarded its oldest element, which is returned (`.dropOldest`).
        case pushedDroppingOldest(Element)
        /// Not stored: the ring is full (`tryPush` with `.block` only).
        case full(Element)
        /// Not stored: the ring is closed.
        case closed(Element)

        /// True when the ring now holds the pushed element.
        @inlinable public var isStored: Bool {
            switch self {
            case .pushed, .pushedDroppingOldest: true
            case .full, .closed: false
            }
        }
    }

    /// Number of slots: the requested capacity rounded up to a power of two.
    public let capacity: Int
    public let policy: RingPolicy

    @usableFromInline let mask: Int
    @usableFromInline let slots: UnsafeMutablePointer<Element>
    /// Per-slot sequence numbers (`.dropOldest` only).
    @usableFromInline let sequence: UnsafeMutablePointer<Atomic<Int>>?
    @usableFromInline let control: RingControl
    @usableFromInline let producerParker = Parker()
    @usableFromInline let consumerParker = Parker()
    /// True when the wake-up protocol uses `AsymmetricFence` (fast path without locked instructions); false:
    /// seq_cst stores and loads on both sides.
    @usableFromInline let asymmetric: Bool

    /// Largest accepted capacity (after rounding).
    public static var maximumCapacity: Int { 1 << 32 }

    /// - Parameter capacity: at least 1; rounded up to the next power of two.
    public convenience init(capacity: Int, policy: RingPolicy) {
        self.init(capacity: capacity, policy: policy, asymmetricFence: AsymmetricFence.isAvailable)
    }

    /// `asymmetricFence: false` selects the seq_cst wake-up protocol even where `membarrier` exists (tests
    /// exercise both).
    init(capacity: Int, policy: RingPolicy, asymmetricFence: Bool) {
        precondition(!asymmetricFence || AsymmetricFence.isAvailable, "AsymmetricFence is not available")
        precondition(capacity >= 1 && capacity <= SPSCRing.maximumCapacity,
                     "SPSCRing capacity must be in 1...\(SPSCRing.maximumCapacity)")
        let rounded = capacity == 1 ? 1 : 1 << (Int.bitWidth - (capacity - 1).leadingZeroBitCount)
        self.capacity = rounded
        self.mask = rounded - 1
        self.policy = policy
        self.slots = .allocate(capacity: rounded)
        if policy == .dropOldest {
            let seq = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: rounded)
            for i in 0..<rounded { (seq + i).initialize(to: Atomic(i)) }  // slot i is free for position i
            self.sequence = seq
        } else {
            self.sequence = nil
        }
        self.control = RingControl()
        self.asymmetric = asymmetricFence
    }

    deinit {
        // No other thread can hold the ring now: every element in [head, tail) is initialized and ours.
        let head = control.head.pointee.load(ordering: .relaxed)
        let tail = control.tail.pointee.load(ordering: .relaxed)
        var p = head
        while p != tail {
            _ = (slots + (p & mask)).move()
            p &+= 1
        }
        slots.deallocate()
        if let sequence {
            sequence.deinitialize(count: capacity)
            sequence.deallocate()
        }
        control.deallocate()
    }

    // MARK: - Any thread

    /// Approximate number of stored elements (exact when neither side is active).
    public var count: Int {
        let tail = control.tail.pointee.load(ordering: .relaxed)  // relaxed: a statistic
        let head = control.head.pointee.load(ordering: .relaxed)
        return min(max(tail &- head, 0), capacity)
    }

    /// Elements discarded by `.dropOldest` so far.
    public var dropped: Int { control.dropped.pointee.load(ordering: .relaxed) }  // relaxed: a statistic

    /// True once `close()` has run.
    public var isClosed: Bool {
        control.closed.pointee.load(ordering: .acquiring) != 0  // acquire: pairs with close()'s store
    }

    /// Ends the stream (idempotent). Normally called by the producer after its last push. The consumer drains
    /// what is left, then `pop()` returns nil; a producer or consumer waiting inside the ring wakes up.
    public func close() {
        // Release (seq_cst is stronger than needed; close is rare): every push before close() is visible to a
        // consumer that acquires `closed`. No wakeup is lost: a sleeper checks `closed` while holding its
        // Parker's mutex and releases it only inside pthread_cond_wait, and wakeAll takes that mutex after this
        // store, so the sleeper either sees `closed` or is already waiting for the broadcast.
        control.closed.pointee.store(1, ordering: .sequentiallyConsistent)
        consumerParker.wakeAll()
        producerParker.wakeAll()
    }

    /// Forgets which threads hold the producer and consumer roles (debug bookkeeping), so that new threads may
    /// take them. Call only while neither side is active, e.g. after joining both threads.
    public func resetThreadRoles() {
        control.producerThread.pointee.store(0, ordering: .relaxed)
        control.consumerThread.pointee.store(0, ordering: .relaxed)
    }

    /// Publishes `value` into `word` (release: the slot written before it becomes visible to the other side's
    /// acquire load) and then reports whether the other side is asleep: (C) then (D) of `Parker`'s proof.
    @inlinable @inline(__always)
    func publish(_ value: Int, to word: UnsafeMutablePointer<Atomic<Int>>,
                 thenLoad sleeping: UnsafeMutablePointer<Atomic<Int>>) -> Bool {
        if asymmetric {
            // Release store, compiler barrier, relaxed load: the hardware StoreLoad order comes from the sleeper's
            // membarrier (see AsymmetricFence).
            word.pointee.store(value, ordering: .releasing)
            AsymmetricFence.light()
            return sleeping.pointee.load(ordering: .relaxed) != 0
        } else {
            // Seq_cst store (its release half publishes) and seq_cst load: the Dekker pair of Parker's proof.
            word.pointee.store(value, ordering: .sequentiallyConsistent)
            return sleeping.pointee.load(ordering: .sequentiallyConsistent) != 0
        }
    }

    // MARK: - Producer

    /// Stores `element`. `.block`: waits while the ring is full. `.dropOldest`: never waits for the consumer to
    /// make progress (it never sleeps); when full, discards the oldest element and returns it in
    /// `.pushedDroppingOldest`. If the consumer is at that moment moving that very element out, the push spins
    /// for that one move and then stores without dropping.
    /// Returns `.closed(element)` when the ring is (or gets, while waiting) closed.
    @inlinable
    @discardableResult
    public func push(_ element: consuming Element) -> PushResult {
        assert(claimRole(control.producerThread), "SPSCRing: push from a second producer thread")
        switch policy {
        case .block: return pushBlock(element, waiting: true)
        case .dropOldest: return pushDroppingOldest(element)
        }
    }

    /// Like `push`, but never waits: `.block` returns `.full(element)` instead of waiting for space.
    /// (`.dropOldest` behaves as `push`.)
    @inlinable
    @discardableResult
    public func tryPush(_ element: consuming Element) -> PushResult {
        assert(claimRole(control.producerThread), "SPSCRing: push from a second producer thread")
        switch policy {
        case .block: return pushBlock(element, waiting: false)
        case .dropOldest: return pushDroppingOldest(element)
        }
    }

    @inlinable
    func pushBlock(_ element: consuming Element, waiting: Bool) -> PushResult {
        let control = self.control
        let capacity = self.capacity
        // Relaxed: the producer's own index; only this thread writes it. Same for `closed`: a flag checked
        // without ordering needs (nothing is read because of it).
        let t = control.tail.pointee.load(ordering: .relaxed)
        if control.closed.pointee.load(ordering: .relaxed) != 0 { return .closed(element) }
        if t &- control.cachedHead.pointee == capacity {
            // Looks full: refresh the cached head. Acquire pairs with the consumer's release store of `head`
            // (`publish`) after it moved the slot out, so overwriting that slot cannot race with the consumer's read.
            var h = control.head.pointee.load(ordering: .acquiring)
            if t &- h == capacity {
                guard waiting else { return .full(element) }
                let head = control.head, closed = control.closed
                producerParker.wait(sleeping: control.producerSleeping, asymmetric: asymmetric) {
                    // seq_cst: (B) of Parker's proof; also acquire, as above.
                    t &- head.pointee.load(ordering: .sequentiallyConsistent) != capacity
                        || closed.pointee.load(ordering: .sequentiallyConsistent) != 0
                }
                h = control.head.pointee.load(ordering: .acquiring)  // acquire: as above
                if t &- h == capacity { return .closed(element) }
            }
            control.cachedHead.pointee = h
        }
        (slots + (t & mask)).initialize(to: element)
        // Publishes the slot to the consumer's acquire load of `tail`; wakes it if it sleeps.
        if publish(t &+ 1, to: control.tail, thenLoad: control.consumerSleeping) {
            consumerParker.wake()
        }
        return .pushed
    }

    @inlinable
    func pushDroppingOldest(_ element: consuming Element) -> PushResult {
        let control = self.control
        let sequence = self.sequence.unsafelyUnwrapped
        let t = control.tail.pointee.load(ordering: .relaxed)  // relaxed: the producer's own counter
        if control.closed.pointee.load(ordering: .relaxed) != 0 { return .closed(element) }  // relaxed: a flag
        let index = t & mask
        let seq = sequence + index
        var displaced: Element? = nil
        // Acquire pairs with the consumer's release store `seq = h + capacity` after it moved the previous
        // element out: the slot is then ours to overwrite.
        if seq.pointee.load(ordering: .acquiring) != t {
            // Full: the slot still holds element t - capacity (the oldest), or the consumer has claimed it and is
            // moving it out right now. Claim it the way the consumer does: whoever moves `head` past it owns it.
            let oldest = t &- capacity
            // Relaxed: the CAS only decides ownership; the element was written by this thread.
            let (won, _) = control.head.pointee.compareExchange(
                expected: oldest, desired: oldest &+ 1, ordering: .relaxed)
            if won {
                displaced = (slots + index).move()
                control.dropped.pointee.wrappingAdd(1, ordering: .relaxed)  // relaxed: a statistic
            } else {
                // The consumer won: wait for its release `seq = t` (one move away). Acquire: as above.
                spinYield { seq.pointee.load(ordering: .acquiring) == t }
            }
        }
        (slots + index).initialize(to: element)
        control.tail.pointee.store(t &+ 1, ordering: .relaxed)  // relaxed: only feeds `count`
        // Publishes the slot to the consumer's acquire load of `seq`; wakes the consumer if it sleeps.
        if publish(t &+ 1, to: seq, thenLoad: control.consumerSleeping) {
            consumerParker.wake()
        }
        if let displaced { return .pushedDroppingOldest(displaced) }
        return .pushed
    }

    // MARK: - Consumer

    /// The oldest element; waits while the ring is empty. Returns nil once the ring is closed and drained.
    @inlinable
    public func pop() -> Element? {
        assert(claimRole(control.consumerThread), "SPSCRing: pop from a second consumer thread")
        switch policy {
        case .block: return popBlock(waiting: true)
        case .dropOldest: return popDroppingOldest(waiting: true)
        }
    }

    /// The oldest element, or nil at once when the ring is empty (closed or not: see `isClosed`).
    @inlinable
    public func tryPop() -> Element? {
        assert(claimRole(control.consumerThread), "SPSCRing: pop from a second consumer thread")
        switch policy {
        case .block: return popBlock(waiting: false)
        case .dropOldest: return popDroppingOldest(waiting: false)
        }
    }

    @inlinable
    func popBlock(waiting: Bool) -> Element? {
        let control = self.control
        let h = control.head.pointee.load(ordering: .relaxed)  // relaxed: the consumer's own index
        if h == control.cachedTail.pointee {
            // Looks empty: refresh the cached tail. Acquire pairs with the producer's release store of `tail`
            // (`publish`) after it initialized the slot.
            var t = control.tail.pointee.load(ordering: .acquiring)
            if t == h {
                // Acquire pairs with close()'s release: every push before close() is visible after it.
                if control.closed.pointee.load(ordering: .acquiring) != 0 {
                    t = control.tail.pointee.load(ordering: .acquiring)
                    if t == h { return nil }
                } else {
                    guard waiting else { return nil }
                    let tail = control.tail, closed = control.closed
                    consumerParker.wait(sleeping: control.consumerSleeping, asymmetric: asymmetric) {
                        // seq_cst: (B) of Parker's proof; also acquire, as above.
                        tail.pointee.load(ordering: .sequentiallyConsistent) != h
                            || closed.pointee.load(ordering: .sequentiallyConsistent) != 0
                    }
                    // Woken by data or by close(); after close, everything pushed before it is visible (the
                    // seq_cst load of `closed` in `ready` acquired it).
                    t = control.tail.pointee.load(ordering: .acquiring)
                    if t == h { return nil }
                }
            }
            control.cachedTail.pointee = t
        }
        let element = (slots + (h & mask)).move()
        // Hands the slot back to the producer's acquire load of `head`; wakes the producer if it sleeps.
        if publish(h &+ 1, to: control.head, thenLoad: control.producerSleeping) {
            producerParker.wake()
        }
        return element
    }

    @inlinable
    func popDroppingOldest(waiting: Bool) -> Element? {
        let control = self.control
        let sequence = self.sequence.unsafelyUnwrapped
        let capacity = self.capacity
        // Relaxed: `head` only names a candidate; the CAS below validates it.
        var h = control.head.pointee.load(ordering: .relaxed)
        var sawClosed = false
        while true {
            let index = h & mask
            let seq = sequence + index
            // Acquire pairs with the producer's release store `seq = h + 1` (`publish`) after it initialized
            // the slot with element h.
            let state = seq.pointee.load(ordering: .acquiring) &- (h &+ 1)
            if state == 0 {
                // Element h is there. Claim it; the producer may claim it too (to drop it) when the ring is full.
                // Relaxed: the CAS only decides ownership; the slot's contents were acquired through `seq`.
                let (won, current) = control.head.pointee.compareExchange(
                    expected: h, desired: h &+ 1, ordering: .relaxed)
                if won {
                    let element = (slots + index).move()
                    // Release: hands the slot to the producer's acquire load of `seq` for position h + capacity.
                    seq.pointee.store(h &+ capacity, ordering: .releasing)
                    return element
                }
                h = current  // the producer dropped element h
            } else if state > 0 {
                // The slot has moved on to a later lap: the producer dropped h meanwhile.
                h = control.head.pointee.load(ordering: .relaxed)  // relaxed: re-validated as above
            } else {
                // Element h is not published yet: empty.
                if sawClosed { return nil }
                // Acquire pairs with close()'s release: every push before close() is visible after it; look once
                // more, then stop.
                if control.closed.pointee.load(ordering: .acquiring) != 0 {
                    sawClosed = true
                    continue
                }
                guard waiting else { return nil }
                let head = control.head, closed = control.closed
                consumerParker.wait(sleeping: control.consumerSleeping, asymmetric: asymmetric) {
                    // seq_cst: (B) of Parker's proof. Ready when the slot at `head` is no longer "empty for
                    // position head" (published, or moved on), or on close.
                    let h = head.pointee.load(ordering: .sequentiallyConsistent)
                    let s = (sequence + (h & self.mask)).pointee.load(ordering: .sequentiallyConsistent)
                    return s &- (h &+ 1) >= 0 || closed.pointee.load(ordering: .sequentiallyConsistent) != 0
                }
                h = control.head.pointee.load(ordering: .relaxed)  // relaxed: re-validated as above
            }
        }
    }
}

// unchecked: slots pass between the two role threads only through the release/acquire protocol documented above.
extension SPSCRing: @unchecked Sendable where Element: Sendable {}

extension SPSCRing.PushResult: Sendable where Element: Sendable {}
