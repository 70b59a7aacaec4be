import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs each body on its own pthread (real threads, not tasks: the rings' roles are per thread) and joins them.
func runOnThreads(_ bodies: [@Sendable () -> Void]) {
    final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    var threads: [pthread_t] = []
    for body in bodies {
        let arg = Unmanaged.passRetained(Box(body)).toOpaque()
        #if canImport(Darwin)
        var tid: pthread_t? = nil
        #else
        var tid = pthread_t()
        #endif
        let rc = pthread_create(&tid, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, arg)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        #if canImport(Darwin)
        threads.append(tid!)
        #else
        threads.append(tid)
        #endif
    }
    for t in threads { pthread_join(t, nil) }
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
