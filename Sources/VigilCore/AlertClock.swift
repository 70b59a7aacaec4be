#if canImport(Glibc)
import Glibc
#endif

/// Where an alert's `ts` comes from.
public enum AlertClock: Sendable, Equatable {
    /// Replay: `start` (seconds since the epoch) plus the frame's media time, so a replay is repeatable.
    case media(start: Double)
    /// Live: the wall clock when the alert is made.
    case wall

    public func timestamp(mediaTime: Double) -> Double {
        switch self {
        case .media(let start): return start + mediaTime
        case .wall:
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        }
    }
}
