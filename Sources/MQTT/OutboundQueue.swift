import DequeModule

/// The messages waiting for the broker, in order, bounded by count and by bytes. When a new message would
/// exceed either bound the oldest waiting ones are dropped (and counted) until it fits: after an outage the
/// newest events matter most, and what does go out keeps its order. A message larger than the byte bound on
/// its own is dropped at once.
///
/// Thread safety: not thread-safe; `MQTTClient` holds it under its lock.
public struct OutboundQueue: Sendable {
    public let maxMessages: Int
    public let maxBytes: Int
    private var items = Deque<MQTTMessage>()
    public private(set) var bytes = 0
    /// Messages dropped because a bound was reached.
    public private(set) var dropped = 0

    public init(maxMessages: Int, maxBytes: Int) {
        self.maxMessages = max(1, maxMessages); self.maxBytes = max(1, maxBytes)
    }

    public var count: Int { items.count }
    public var isEmpty: Bool { items.isEmpty }

    /// Appends `m`, dropping the oldest waiting messages as needed; returns how many were dropped.
    @discardableResult
    public mutating func push(_ m: MQTTMessage) -> Int {
        guard m.size <= maxBytes else { dropped += 1; return 1 }
        var n = 0
        while !items.isEmpty && (items.count + 1 > maxMessages || bytes + m.size > maxBytes) {
            bytes -= items.removeFirst().size
            n += 1
        }
        items.append(m)
        bytes += m.size
        dropped += n
        return n
    }

    /// Puts `m` back at the head (a message taken by `pop` that could not be sent, or a retained state sent
    /// first after a connect); not subject to the bounds, which it was already counted under or which the
    /// retained states' own bound (one per topic) replaces.
    public mutating func pushFront(_ m: MQTTMessage) {
        items.prepend(m)
        bytes += m.size
    }

    /// Removes the waiting messages `predicate` selects (not counted as dropped: the caller keeps them elsewhere).
    public mutating func removeAll(where predicate: (MQTTMessage) -> Bool) {
        items.removeAll(where: predicate)
        bytes = items.reduce(0) { $0 + $1.size }
    }

    /// The oldest waiting message, removed.
    public mutating func pop() -> MQTTMessage? {
        guard let m = items.popFirst() else { return nil }
        bytes -= m.size
        return m
    }
}
