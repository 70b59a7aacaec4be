import Foundation
import Synchronization
import VigilCore

/// Counters of one registered sink, for the metrics (`vigil_sink_*`) and tests.
///
/// Thread safety: a plain value (a snapshot).
public struct SinkStats: Sendable, Equatable {
    public var name: String
    public var capacity: Int
    /// Events waiting in the queue now.
    public var queued: Int
    /// Events handed to the sink.
    public var delivered: Int
    /// Events let go because the queue was full.
    public var dropped: Int
}

/// One sink's bounded queue and delivery thread: `offer` never blocks (a full queue drops the new event and
/// counts it), the thread hands events to the sink in order, `close` lets it drain and call `finish`.
///
/// Thread safety: `offer`, `close`, `join`, `stats` from any thread; the buffer is behind `condition`; the sink
/// is called from the delivery thread only.
final class SinkQueue: @unchecked Sendable {  // unchecked: `buffer`, `head`, `count`, `closed` are only touched under `condition`
    let name: String
    let subscription: SinkSubscription
    private let sink: any EventSink
    private let condition = NSCondition()
    private var buffer: [SinkEvent?]
    private var head = 0, count = 0
    private var closed = false
    private let delivered = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let done = DispatchSemaphore(value: 0)

    init(name: String, sink: any EventSink, subscription: SinkSubscription) {
        self.name = name
        self.sink = sink
        self.subscription = subscription
        buffer = Array(repeating: nil, count: subscription.capacity)
        let t = Thread { [self] in run() }
        t.name = "vigil-sink-\(name)"
        t.start()
    }

    /// Queues `event`, or drops it (counted) when the queue is full or closed. Never waits for the sink.
    func offer(_ event: SinkEvent) {
        condition.lock()
        guard !closed, count < buffer.count else {
            condition.unlock()
            dropped.wrappingAdd(1, ordering: .relaxed)  // relaxed: a counter read by the metrics
            return
        }
        buffer[(head + count) % buffer.count] = event
        count += 1
        condition.signal()
        condition.unlock()
    }

    /// No more events: the thread delivers what is queued, calls `finish` and ends.
    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    /// Waits until the thread has delivered everything and ended, at most `timeout` seconds. True when it did.
    func join(timeout: Double) -> Bool {
        done.wait(timeout: .now() + timeout) == .success
    }

    var stats: SinkStats {
        let queued = condition.withLock { count }
        return SinkStats(name: name, capacity: buffer.count, queued: queued,
                         delivered: delivered.load(ordering: .relaxed), dropped: dropped.load(ordering: .relaxed))
    }

    private func take() -> SinkEvent? {
        condition.lock(); defer { condition.unlock() }
        while count == 0 && !closed { condition.wait() }
        guard count > 0 else { return nil }
        let e = buffer[head]
        buffer[head] = nil
        head = (head + 1) % buffer.count
        count -= 1
        return e
    }

    private func run() {
        while let e = take() {
            sink.receive(e)
            delivered.wrappingAdd(1, ordering: .relaxed)
        }
        sink.finish()
        done.signal()
    }
}
