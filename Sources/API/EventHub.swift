import Synchronization

/// Hands each newly indexed event to every live subscriber (`GET /api/events/stream`). Each subscriber has its
/// own bounded buffer of `capacity` events; a subscriber that does not keep up loses the oldest ones, counted in
/// `dropped` (reported as `vigil_api_stream_dropped_total`) — a slow browser tab never holds up the indexer.
///
/// Thread safety: any thread; the subscriber table is behind a Mutex.
public final class EventHub: Sendable {
    /// One indexed alert (id 0: a keep-alive tick, `heartbeat()`).
    public struct Item: Sendable {
        public var id: Int64
        public var json: String
        public var camera = ""
        public var event = ""
        public var label: String? = nil
        public var severity = 0
    }
    public let capacity: Int
    private let subscribers = Mutex<[Int: AsyncStream<Item>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)
    private let droppedCount = Atomic<Int>(0)

    public init(capacity: Int = 256) { self.capacity = capacity }

    /// Events lost by subscribers that fell behind.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }
    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// A stream of events published from now on; ends when the consumer stops iterating or `finishAll` runs.
    public func subscribe() -> AsyncStream<Item> {
        let (stream, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingNewest(capacity))
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        continuation.onTermination = { [weak self] _ in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    public func publish(_ item: Item) {
        let list = subscribers.withLock { Array($0.values) }
        for c in list {
            if case .dropped = c.yield(item) { droppedCount.wrappingAdd(1, ordering: .relaxed) }
        }
    }

    /// A keep-alive tick for every subscriber (the stream writes a comment line).
    public func heartbeat() { publish(Item(id: 0, json: "")) }

    public func finishAll() {
        let list = subscribers.withLock { s in defer { s.removeAll() }; return Array(s.values) }
        for c in list { c.finish() }
    }
}
