#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time for heartbeats and timeouts (CLOCK_MONOTONIC: never jumps with the wall clock).
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
