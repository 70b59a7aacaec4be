import DequeModule
import Foundation
import Media

/// What the recorder asks the writer thread to do.
enum WriterCommand: Sendable {
    case open(id: Int, path: String, parameters: StreamParameters, audio: Bool)
    case packet(id: Int, MediaPacket)
    case close(id: Int)
    /// Retention settings for the sweeps after each closed file.
    case retention(RetentionPolicy)
}

/// The bounded queue between a camera's recorder and its writer thread. Packets beyond `capacity` are refused
/// (`.drop`: live, counted by the caller) or wait (`.block`: replay, never loses a packet); open and close
/// commands may use a further `controlReserve` slots so that a file is never left without its close.
///
/// Thread safety: `push` from the recorder's thread, `popAll` from the writer thread, `close` from either.
final class WriterQueue: @unchecked Sendable {  // unchecked: all state is guarded by `condition`
    enum Policy: Sendable { case drop, block }
    private let condition = NSCondition()
    private var items = Deque<WriterCommand>()
    private var closed = false
    let capacity: Int
    let policy: Policy
    private let controlReserve = 256

    init(capacity: Int, policy: Policy) { self.capacity = capacity; self.policy = policy }

    /// False when the command was refused (queue full under `.drop`, or closed).
    func push(_ c: WriterCommand) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let limit: Int
        if case .packet = c { limit = capacity } else { limit = capacity + controlReserve }
        while items.count >= limit && !closed {
            if policy == .drop { return false }
            condition.wait()
        }
        if closed { return false }
        items.append(c)
        condition.broadcast()
        return true
    }

    /// Waits for commands; empty after `close` once the queue drained, or when `timeout` seconds passed
    /// without a command (`isClosed` tells which).
    func popAll(timeout: Double? = nil) -> [WriterCommand] {
        condition.lock()
        defer { condition.unlock() }
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0) }
        while items.isEmpty && !closed {
            if let deadline {
                if !condition.wait(until: deadline) { return [] }
            } else {
                condition.wait()
            }
        }
        let out = Array(items)
        items.removeAll(keepingCapacity: true)
        condition.broadcast()
        return out
    }

    var isClosed: Bool { condition.withLock { closed } }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
