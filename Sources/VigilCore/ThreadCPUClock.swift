#if canImport(Glibc)
import Glibc
#endif

/// CPU time consumed by the calling thread (CLOCK_THREAD_CPUTIME_ID): per-stage CPU accounting, which wall
/// time cannot give on a machine whose cores are shared by other cameras and processes.
///
/// Thread safety: stateless; any thread (each thread reads its own clock).
public enum ThreadCPUClock {
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
