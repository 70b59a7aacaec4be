import Foundation
import Sinks
import Synchronization
import VigilCore

/// The one alert sink of the daemon, shared by every camera's threads (analysis: motion; ingest: stream
/// health) and the reload path. Writes are serialised by a lock rather than funnelled through a writer
/// thread: alerts are rare (events, not frames), each write is one `write(2)`, and a lock keeps the
/// "written whole, in order" promise of `AlertSink` without another queue and its drop policy.
///
/// A failed write is not thrown at the camera: it is logged by the caller-supplied handler, counted
/// (`vigil_alerts_dropped_total`) and the camera goes on. `replace` swaps the underlying sink (a reload that
/// changes `alerts.path`) between two alerts.
///
/// Thread safety: every method from any thread; all state is behind `lock` or atomic.
public final class SerializedAlertSink: @unchecked Sendable {  // unchecked: the wrapped non-Sendable sink is only touched under `lock`
    private let lock = NSLock()
    private var sink: any AlertSink
    private var byEvent: [String: Int] = [:]
    /// Alerts that could not be written.
    public let dropped = Atomic<Int>(0)
    /// Monotonic nanoseconds when the write in progress began; 0 when idle (the sd watchdog's view of the sink).
    public let busySince = Atomic<UInt64>(0)
    private let onError: @Sendable (any Error) -> Void

    public init(_ sink: any AlertSink, onError: @escaping @Sendable (any Error) -> Void) {
        self.sink = sink
        self.onError = onError
    }

    /// Writes `alerts` whole and in order.
    public func write(_ alerts: [Alert]) {
        guard !alerts.isEmpty else { return }
        lock.lock()
        busySince.store(MonotonicClock.nanoseconds(), ordering: .relaxed)  // relaxed: read by the supervisor only
        var failure: (any Error)? = nil
        for a in alerts {
            do {
                try sink.write(a)
                byEvent[a.event, default: 0] += 1
            } catch {
                dropped.wrappingAdd(1, ordering: .relaxed)
                failure = error
            }
        }
        busySince.store(0, ordering: .relaxed)
        lock.unlock()
        if let failure { onError(failure) }
    }

    public func write(_ alert: Alert) { write([alert]) }

    /// Makes written alerts durable (fsync for files).
    public func flush() throws {
        lock.lock(); defer { lock.unlock() }
        try sink.flush()
    }

    /// Flushes the current sink and writes to `newSink` from now on.
    public func replace(with newSink: any AlertSink) {
        lock.lock(); defer { lock.unlock() }
        try? sink.flush()
        sink = newSink
    }

    /// Alerts lost: writes that failed here plus those the sink itself counted and let go (a full disk).
    public var droppedTotal: Int {
        lock.lock(); defer { lock.unlock() }
        return dropped.load(ordering: .relaxed) + sink.dropped
    }

    /// Alerts written so far, by event name.
    public var alertsByEvent: [String: Int] {
        lock.lock(); defer { lock.unlock() }
        return byEvent
    }
}
