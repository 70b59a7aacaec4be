import Foundation
import Synchronization
import VigilCore

/// The one place every alert goes through, in `vigil replay` and in `vigil run`: the record (the JSON-lines
/// alert log, or standard output) and every registered `EventSink` (MQTT, the event recorder, the HTTP API's
/// live stream and event index).
///
/// The record is written synchronously, on the publishing thread, under a lock: it is the durable account of
/// what happened, so an alert is in the log before anything else hears of it, a replay's output is complete and
/// in order when `publish` returns, and a replay stops at the first alert it cannot record. Alerts are rare
/// (events, not frames) and each is one `write(2)`, so the lock is short. Every other sink gets its own
/// bounded queue, drop counter and thread (`SinkQueue`): publishing only enqueues, so a slow or stuck sink
/// never holds analysis or another sink back; a full queue drops that sink's new events and counts them
/// (`vigil_sink_dropped_total`). Each sink sees the events in publication order (one global order over all
/// cameras, since queuing happens under the same lock as the record). Besides alerts, sinks can subscribe to
/// one `FrameSummary` per analysed frame.
///
/// Snapshots are not a sink: an alert's `snapshot` path is part of its line, so the analysis chain writes the
/// picture before the alert is published.
///
/// Thread safety: every method from any thread; the record, the per-event counts and the sink list are behind
/// `lock`; counters are atomic.
public final class AlertHub: @unchecked Sendable {  // unchecked: the non-Sendable record is only touched under `lock`
    private let lock = NSLock()
    private var record: any AlertSink
    private var byEvent: [String: Int] = [:]
    private var queues: [SinkQueue] = []
    private var frameQueues: [SinkQueue] = []
    private let hasFrameSinks = Atomic<Bool>(false)
    /// Alerts the record could not write (counted here; the sinks still got them when `send` was used).
    public let dropped = Atomic<Int>(0)
    /// Monotonic nanoseconds when the record write in progress began; 0 when idle (the sd watchdog's view).
    public let busySince = Atomic<UInt64>(0)
    private let onError: @Sendable (any Error) -> Void
    /// This machine's name in a fleet, added to every alert's `details` as `node` before it is recorded and fanned
    /// out (set with MQTT on, so the log and the bus carry the same bytes); nil: alerts as they come.
    private var node: String? = nil

    /// `record`: the alert log. `onError`: told about alerts `send` could not record (they are counted too).
    public init(record: any AlertSink, onError: @escaping @Sendable (any Error) -> Void = { _ in }) {
        self.record = record
        self.onError = onError
    }

    /// Registers `sink` under `name` (metrics label) with its own queue and thread; it receives events published
    /// from now on. Adding a sink touches nothing else.
    public func add(_ sink: any EventSink, name: String, subscription: SinkSubscription = .init()) {
        let q = SinkQueue(name: name, sink: sink, subscription: subscription)
        lock.withLock {
            queues.append(q)
            if subscription.frames {
                frameQueues.append(q)
                hasFrameSinks.store(true, ordering: .relaxed)  // relaxed: a hint; a frame published meanwhile may be missed
            }
        }
    }

    /// Tags every alert published from now on with `details.node` (nil: no tag).
    public func tag(node: String?) { lock.withLock { self.node = node } }

    private func tagged(_ a: Alert) -> Alert {
        guard let node else { return a }
        var out = a
        out.details = (a.details ?? []).filter { $0.0 != "node" } + [("node", .string(node))]
        return out
    }

    /// Whether any sink wants frame summaries (callers skip building them otherwise).
    public var wantsFrames: Bool { hasFrameSinks.load(ordering: .relaxed) }

    /// Records `alerts` whole and in order and offers each to every sink; stops at the first alert the record
    /// cannot write and throws its error (a replay ends there). Returns how many were recorded.
    @discardableResult
    public func publish(_ alerts: [Alert]) throws -> Int {
        try deliver(alerts, stopAtFailure: true)
    }

    /// Records and fans out `alerts`, going on past failures: an alert the record cannot write is counted in
    /// `dropped`, reported to `onError` and still reaches the sinks (the daemon: a full disk must not silence MQTT).
    public func send(_ alerts: [Alert]) {
        do { try deliver(alerts, stopAtFailure: false) } catch { onError(error) }
    }

    public func send(_ alert: Alert) { send([alert]) }

    @discardableResult
    private func deliver(_ alerts: [Alert], stopAtFailure: Bool) throws -> Int {
        guard !alerts.isEmpty else { return 0 }
        lock.lock(); defer { lock.unlock() }
        busySince.store(MonotonicClock.nanoseconds(), ordering: .relaxed)  // relaxed: read by the supervisor only
        defer { busySince.store(0, ordering: .relaxed) }
        var failure: (any Error)? = nil
        var written = 0
        for alert in alerts {
            let a = tagged(alert)
            do {
                try record.write(a)
                byEvent[a.event, default: 0] += 1
                written += 1
            } catch {
                dropped.wrappingAdd(1, ordering: .relaxed)
                failure = failure ?? error
                if stopAtFailure { break }
            }
            if !queues.isEmpty {
                let e = SinkEvent.alert(a, line: a.jsonLine())
                for q in queues { q.offer(e) }
            }
        }
        if let failure { throw failure }
        return written
    }

    /// Offers one frame's summary to the sinks that subscribed to frames.
    public func publish(frame: FrameSummary) {
        guard wantsFrames else { return }
        lock.withLock { for q in frameQueues { q.offer(.frame(frame)) } }
    }

    /// Makes recorded alerts durable (fsync for files).
    public func flush() throws {
        try lock.withLock { try record.flush() }
    }

    /// Flushes the current record and writes to `newRecord` from now on (a reload that changes `alerts.path`).
    public func replace(record newRecord: any AlertSink) {
        lock.withLock {
            try? record.flush()
            record = newRecord
        }
    }

    /// Closes every sink's queue and waits, at most `timeout` seconds in all, until each has delivered what it
    /// holds and finished. True when all did. Events published afterwards reach the record only.
    @discardableResult
    public func close(timeout: Double) -> Bool {
        let list = lock.withLock { () -> [SinkQueue] in
            defer { queues = []; frameQueues = []; hasFrameSinks.store(false, ordering: .relaxed) }
            return queues
        }
        return AlertHub.drain(list, timeout: timeout)
    }

    /// Closes the queue of the sink registered as `name` alone and waits, at most `timeout` seconds, until it has
    /// delivered what it holds and finished (`vigil run` stops its sinks one by one, the record last). True when
    /// it did (also when no such sink is registered). Events published afterwards no longer reach it.
    @discardableResult
    public func close(sink name: String, timeout: Double) -> Bool {
        let list = lock.withLock { () -> [SinkQueue] in
            defer {
                queues.removeAll { $0.name == name }
                frameQueues.removeAll { $0.name == name }
                hasFrameSinks.store(!frameQueues.isEmpty, ordering: .relaxed)
            }
            return queues.filter { $0.name == name }
        }
        return AlertHub.drain(list, timeout: timeout)
    }

    private static func drain(_ list: [SinkQueue], timeout: Double) -> Bool {
        for q in list { q.close() }
        let deadline = MonotonicClock.nanoseconds() + UInt64(max(0, timeout) * 1e9)
        var all = true
        for q in list {
            let left = Double(Int64(bitPattern: deadline &- MonotonicClock.nanoseconds())) / 1e9
            if !q.join(timeout: max(0, left)) { all = false }
        }
        return all
    }

    /// Alerts lost by the record: writes that failed here plus those it counted and let go itself (a full disk).
    public var droppedTotal: Int {
        lock.withLock { dropped.load(ordering: .relaxed) + record.dropped }
    }

    /// Alerts recorded so far, by event name.
    public var alertsByEvent: [String: Int] { lock.withLock { byEvent } }

    /// Each registered sink's queue and counters, in registration order.
    public var sinkStats: [SinkStats] { lock.withLock { queues }.map(\.stats) }
}
