import CFFmpeg
import Synchronization
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// Makes blocking FFmpeg I/O (open, read) give up on request or after a deadline, through libavformat's
/// interrupt callback. Without it a stalled network socket could block shutdown or a reconnect for minutes.
///
/// Thread safety: `cancel()`, `arm(seconds:)` and `disarm()` may be called from any thread; FFmpeg calls the
/// callback on the thread doing the I/O. All state is atomic.
public final class InterruptGuard: Sendable {
    private let cancelled = Atomic<Bool>(false)
    /// Monotonic nanoseconds after which I/O is interrupted; 0 = no deadline.
    private let deadline = Atomic<UInt64>(0)
    private let timedOut = Atomic<Bool>(false)

    public init() {}

    /// Interrupts the current and every later I/O call for good.
    public func cancel() { cancelled.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Interrupts I/O that is still running `seconds` from now.
    public func arm(seconds: Double) {
        timedOut.store(false, ordering: .relaxed)
        deadline.store(MonotonicClock.nanoseconds() + UInt64(max(0, seconds) * 1e9), ordering: .relaxed)
    }

    public func disarm() { deadline.store(0, ordering: .relaxed) }

    /// True when the last interruption came from the deadline (a timeout rather than a cancel).
    public var didTimeOut: Bool { timedOut.load(ordering: .relaxed) }

    func shouldInterrupt() -> Bool {
        if cancelled.load(ordering: .relaxed) { return true }
        let d = deadline.load(ordering: .relaxed)
        if d != 0, MonotonicClock.nanoseconds() > d {
            timedOut.store(true, ordering: .relaxed)
            return true
        }
        return false
    }

    /// The callback record to store in `AVFormatContext.interrupt_callback`. The guard must outlive the context
    /// (the demuxer holds a strong reference).
    var callback: AVIOInterruptCB {
        AVIOInterruptCB(callback: interruptCallback, opaque: Unmanaged.passUnretained(self).toOpaque())
    }
}

/// A global function (not a closure): FFmpeg calls it on its I/O thread; it must not capture anything.
private func interruptCallback(_ opaque: UnsafeMutableRawPointer?) -> Int32 {
    guard let opaque else { return 0 }
    return Unmanaged<InterruptGuard>.fromOpaque(opaque).takeUnretainedValue().shouldInterrupt() ? 1 : 0
}
