import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The slow path of a waiting ring side: spin briefly, yield a few times, then sleep on a condition variable.
///
/// The fast paths of `SPSCRing` never take this lock. A side that has to wait raises its `sleeping` flag under
/// the mutex and re-checks its condition before sleeping; the other side, after every publication, loads that
/// flag and only then takes the mutex to signal.
///
/// Why no wakeup is lost (Dekker pair on sequentially consistent operations):
/// - sleeper: (A) `sleeping.store(1, seq_cst)` under the mutex, then (B) `ready()` loads the other side's index
///   (and `closed`) with `seq_cst`; sleeps with `pthread_cond_wait` only if (B) saw no progress, still holding
///   the mutex from (A) until `pthread_cond_wait` atomically releases it.
/// - waker: (C) publishes its index with a `seq_cst` store, then (D) loads `sleeping` with `seq_cst`.
/// - All four are in the single total order S of seq_cst operations. If (B) missed (C), then B < C in S, hence
///   A < B < C < D and (D) reads 1 (the flag is cleared only after `ready()` has returned true). The waker then
///   locks the mutex, which it can only get once the sleeper is inside `pthread_cond_wait` (or has left), and
///   signals: the sleeper wakes and re-checks. If instead (D) reads 0, then D < A in S, so C < B and (B) sees the
///   progress: the sleeper does not sleep.
/// - `close()` stores `closed`, then locks the mutex and broadcasts unconditionally. The sleeper checks `closed`
///   in (B) while holding the mutex, which it gives up only inside `pthread_cond_wait`: either `close()` got the
///   mutex first (its store happens before the sleeper's check, which sees it), or the sleeper is already waiting
///   when the broadcast comes.
/// - Where `AsymmetricFence` is available (Linux), the waker's (C) is a release store and (D) a relaxed load with
///   only a compiler barrier between them, and the sleeper calls `AsymmetricFence.heavy()` between (A) and (B);
///   `AsymmetricFence` proves that this gives the same "(B) sees (C) or (D) sees (A)" guarantee, and the rest of
///   the argument is unchanged.
///
/// Thread safety: `wait` is called by the one thread that owns the waiting side (producer or consumer of one
/// ring); `wake`/`wakeAll` from any thread.
@usableFromInline
final class Parker: @unchecked Sendable {  // unchecked: pthread objects at fixed heap addresses, used only via pthread calls
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    /// Busy re-checks before yielding; short, because two cores are shared with decoders and other rings.
    @usableFromInline static let spinLimit = 64
    /// `sched_yield` rounds before sleeping.
    @usableFromInline static let yieldLimit = 16

    @usableFromInline
    init() {
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    /// Returns once `ready()` is true. `ready` must load the other side's progress (and `closed`) with
    /// `.sequentiallyConsistent` ordering: it is (B) of the proof above. `asymmetric` tells that the waker uses
    /// the `AsymmetricFence` protocol.
    @usableFromInline
    func wait(sleeping: UnsafeMutablePointer<Atomic<Int>>, asymmetric: Bool, until ready: () -> Bool) {
        for _ in 0..<Parker.spinLimit where ready() { return }
        for _ in 0..<Parker.yieldLimit {
            sched_yield()
            if ready() { return }
        }
        pthread_mutex_lock(mutex)
        sleeping.pointee.store(1, ordering: .sequentiallyConsistent)  // (A)
        if asymmetric { AsymmetricFence.heavy() }                       // (M)
        while !ready() {                                                // (B)
            pthread_cond_wait(cond, mutex)
        }
        // Relaxed: a waker that still reads 1 only signals a condition nobody waits on.
        sleeping.pointee.store(0, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
    }

    /// Wakes the sleeper, if any. Called after (C) and (D) found the flag raised.
    @usableFromInline
    func wake() {
        pthread_mutex_lock(mutex)
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
    }

    /// Wakes every sleeper unconditionally (used by `close()`).
    @usableFromInline
    func wakeAll() {
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(cond)
        pthread_mutex_unlock(mutex)
    }
}

/// Spins on `condition` (loaded with acquire by the caller) with a few `sched_yield`s between tries; for waits
/// that are bounded by the other side finishing one short step (never for waits on the other side's progress).
@usableFromInline
func spinYield(until condition: () -> Bool) {
    var tries = 0
    while !condition() {
        tries += 1
        if tries > 16 { sched_yield() }
    }
}

/// An identifier of the calling thread, never 0.
@usableFromInline
func currentThreadID() -> UInt {
    #if canImport(Darwin)
    return UInt(bitPattern: pthread_self())
    #else
    return UInt(pthread_self())
    #endif
}

/// Records the calling thread as the owner of a role on first use; true when the caller is that owner.
/// Used only inside `assert` (debug builds).
@usableFromInline
func claimRole(_ owner: UnsafeMutablePointer<Atomic<UInt>>) -> Bool {
    let me = currentThreadID()
    // Relaxed: an identity check; it orders nothing.
    let (claimed, current) = owner.pointee.compareExchange(expected: 0, desired: me, ordering: .relaxed)
    return claimed || current == me
}
