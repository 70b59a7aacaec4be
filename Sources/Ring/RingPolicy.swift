/// What a bounded ring does when the producer pushes into a full ring.
public enum RingPolicy: Sendable, Hashable, CustomStringConvertible {
    /// Replay: never drop. `push` waits while the ring is full; `pop` waits while it is empty.
    case block
    /// Live: never fall behind. `push` into a full ring discards the oldest element, counts it in
    /// `dropped` and hands it back to the producer (so a pooled buffer can be recycled); `pop` waits while
    /// the ring is empty.
    case dropOldest

    public var description: String {
        switch self {
        case .block: "block"
        case .dropOldest: "dropOldest"
        }
    }
}
