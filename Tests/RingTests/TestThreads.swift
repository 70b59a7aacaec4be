import Ring
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs each body on its own pthread (real threads, not tasks: the rings' roles are per thread; `PThreads`, the
/// harness `vigil bench ring` uses too) and joins them. A hang or livelock (a lost wakeup, a broken claim) must
/// fail the run rather than stall it, and Swift Testing's time limit cannot stop a thread: after `deadline`
/// seconds a watchdog aborts the process with a message.
func runOnThreads(deadline: Int = 120, _ bodies: [@Sendable () -> Void]) {
    let watchdog = Watchdog(seconds: deadline)
    defer { watchdog.finish() }
    PThreads.run(bodies)
}

/// Sleeps the calling thread.
func sleepMilliseconds(_ ms: Int) { usleep(useconds_t(ms * 1000)) }

/// Counts live `Token`s of one test.
final class LiveCounter: Sendable {
    let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .sequentiallyConsistent) }
}

/// A reference-counted element: catches refcount races and double moves (TSan, and the live counter).
final class Token: Sendable {
    let value: Int
    let counter: LiveCounter
    init(_ value: Int, _ counter: LiveCounter) {
        self.value = value
        self.counter = counter
        counter.count.wrappingAdd(1, ordering: .relaxed)
    }
    deinit { counter.count.wrappingSubtract(1, ordering: .relaxed) }
}

/// A value behind a pthread mutex. Tests use this rather than `Synchronization.Mutex`: on Linux that lock is a
/// futex inside the (uninstrumented) standard library, so ThreadSanitizer does not see its happens-before edges
/// and reports races on the protected value.
final class Results<Value: Sendable>: @unchecked Sendable {  // unchecked: `value` is only touched under `mutex`
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var stored: Value
    init(_ initial: Value) {
        stored = initial
        pthread_mutex_init(mutex, nil)
    }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&stored)
    }
    func set(_ v: Value) { withLock { $0 = v } }
    var value: Value { withLock { $0 } }
}

/// Aborts the process unless `finish()` is called within the given time.
final class Watchdog: @unchecked Sendable {  // unchecked: `done` is only touched under `mutex`
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var done = false
    private var thread: pthread_t? = nil

    init(seconds: Int) {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
        final class Box { let dog: Watchdog; let seconds: Int; init(_ d: Watchdog, _ s: Int) { dog = d; seconds = s } }
        #if canImport(Darwin)
        var tid: pthread_t? = nil
        #else
        var tid = pthread_t()
        #endif
        let arg = Unmanaged.passRetained(Box(self, seconds)).toOpaque()
        pthread_create(&tid, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.dog.watch(seconds: box.seconds)
            return nil
        }, arg)
        thread = tid
    }

    private func watch(seconds: Int) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var until = now
        until.tv_sec += seconds
        pthread_mutex_lock(mutex)
        while !done {
            if pthread_cond_timedwait(cond, mutex, &until) == ETIMEDOUT && !done {
                let message = "RingTests watchdog: threads did not finish within \(seconds) s (hang or livelock)\n"
                _ = message.withCString { write(2, $0, strlen($0)) }
                abort()
            }
        }
        pthread_mutex_unlock(mutex)
    }

    func finish() {
        pthread_mutex_lock(mutex)
        done = true
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
        if let thread { pthread_join(thread, nil) }
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }
}
