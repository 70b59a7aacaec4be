#if canImport(Glibc)
import Glibc
#endif

/// The one monotonic clock (CLOCK_MONOTONIC: never jumps with the wall clock): every interval measured and every
/// deadline kept reads it — directly where nothing needs to replace it (benchmarks, latencies, I/O deadlines), or
/// through an injected `TickingClock` (`SystemClock` reads this one) where tests drive the time (a live camera's
/// backoff, watchdog and heartbeats, the daemon's supervisor). Per-thread CPU time is `ThreadCPUClock`; wall-clock
/// time only for timestamps a user reads (`AlertClock.wall`).
///
/// Thread safety: stateless; any thread.
public enum MonotonicClock {
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Now, in seconds (for measuring spans: subtract two readings).
    public static func seconds() -> Double { Double(nanoseconds()) / 1e9 }

    public static func seconds(since nanos: UInt64) -> Double {
        let now = nanoseconds()
        return now > nanos ? Double(now - nanos) / 1e9 : 0
    }
}
