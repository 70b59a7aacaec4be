import Synchronization
import VigilCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs bodies on real pthreads (not tasks: a ring's producer and consumer roles are per thread), released
/// together once all exist, and joins them. The one thread harness of the ring benchmark and the ring tests.
///
/// Thread safety: `run` may be called from any thread; each body runs on its own new thread.
public enum PThreads {
    /// Runs each body on its own pthread; all start at one release once every thread exists. Returns, per body,
    /// the seconds from the release until it finished (`MonotonicClock`).
    @discardableResult
    public static func run(_ bodies: [@Sendable () -> Void]) -> [Double] {
        let start = Start()
        let contexts = bodies.map { Context(start, $0) }
        var threads: [pthread_t] = []
        for context in contexts {
            #if canImport(Darwin)
            var tid: pthread_t? = nil
            #else
            var tid = pthread_t()
            #endif
            let rc = pthread_create(&tid, nil, { raw in
                let context = Unmanaged<Context>.fromOpaque(raw!).takeRetainedValue()
                // Acquire pairs with the release below (the start signal publishes nothing else).
                while !context.start.go.load(ordering: .acquiring) { sched_yield() }
                context.body()
                context.end = MonotonicClock.nanoseconds()
                return nil
            }, Unmanaged.passRetained(context).toOpaque())
            precondition(rc == 0, "pthread_create failed (\(rc))")
            #if canImport(Darwin)
            threads.append(tid!)
            #else
            threads.append(tid)
            #endif
        }
        let begin = MonotonicClock.nanoseconds()
        start.go.store(true, ordering: .releasing)
        for t in threads { pthread_join(t, nil) }
        return contexts.map { Double($0.end &- begin) / 1e9 }
    }

    private final class Start: Sendable { let go = Atomic<Bool>(false) }

    /// One thread's body and its finish time.
    private final class Context: @unchecked Sendable {  // unchecked: handed to one thread, `end` read after its join
        let start: Start
        let body: @Sendable () -> Void
        var end: UInt64 = 0
        init(_ start: Start, _ body: @escaping @Sendable () -> Void) { self.start = start; self.body = body }
    }
}
