#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time and sleeping, injected where timing decides behaviour (a live camera's reconnect backoff and
/// no-frames watchdog), so that tests drive it on virtual time instead of sleeping.
///
/// Thread safety: implementations are safe from any thread.
public protocol TickingClock: Sendable {
    /// Monotonic nanoseconds.
    func nanoseconds() -> UInt64
    /// Sleeps about `nanoseconds` (a virtual clock: until its time has moved on that far).
    func sleep(nanoseconds: UInt64)
}

extension TickingClock {
    /// Seconds from `nanos` (an earlier `nanoseconds()`) to now; 0 if `nanos` is not in the past.
    public func seconds(since nanos: UInt64) -> Double {
        let now = nanoseconds()
        return now > nanos ? Double(now - nanos) / 1e9 : 0
    }
}

/// The machine's clock: `MonotonicClock` (CLOCK_MONOTONIC) and a real sleep.
///
/// Thread safety: stateless.
public struct SystemClock: TickingClock {
    public init() {}
    public func nanoseconds() -> UInt64 { MonotonicClock.nanoseconds() }
    public func sleep(nanoseconds: UInt64) {
        var left = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var rest = timespec()
        while nanosleep(&left, &rest) != 0 && errno == EINTR { left = rest }
    }
}
