import DequeModule
import Media
import Synchronization

/// A camera's recent compressed packets, in decode order, kept on the ingest side so that a clip can start
/// `pre_roll_s` before its event. The window always begins at a video key frame: the one at or before the
/// analysis position minus `pre_roll_s` (the analysis position, not the newest packet, so that the packets an
/// event found by a lagging analysis needs are still there, and a replay cuts its clips the same way whatever
/// the threads' timing). `maxBytes` bounds the memory: beyond it the oldest key-frame group goes, and packets
/// that go before the recorder took them are counted (`overflowDrops`).
///
/// The recorder takes packets in order (`advance`) as the analysis moves on; a packet stays in the window after
/// that, as pre-roll for a later event.
///
/// Thread safety: `append` from the ingest thread; `advance`, `window`, `configure`, `drain` from the analysis
/// thread; the counters from any thread. One mutex guards the window (held for O(1) work per packet, amortised).
public final class PreRollBuffer: Sendable {
    struct State {
        var packets = Deque<MediaPacket>()
        /// Sequence number of `packets[0]`.
        var firstSeq = 0
        /// Sequence numbers of the video key frames in the window.
        var keySeqs = Deque<Int>()
        var bytes = 0
        /// Packets with a lower sequence number were handed to the recorder.
        var cursorSeq = 0
        /// The analysis position (media seconds); -inf before the first frame.
        var cursorTime = -Double.infinity
        var preRoll: Double
        var maxBytes: Int
        var enabled = true

        func packet(_ seq: Int) -> MediaPacket { packets[seq - firstSeq] }
        var endSeq: Int { firstSeq + packets.count }
    }

    private let state: Mutex<State>
    /// Packets dropped by the byte cap before the recorder took them.
    public let overflowDrops = Atomic<Int>(0)
    /// Bytes of packet payload held now, and the most ever held.
    public let bytesHeld = Atomic<Int>(0)
    public let peakBytes = Atomic<Int>(0)

    public init(preRollSeconds: Double, maxBytes: Int) {
        state = Mutex(State(preRoll: preRollSeconds, maxBytes: maxBytes))
    }

    /// New bounds (a reload), applied from the next packet. A disabled buffer keeps nothing.
    public func configure(preRollSeconds: Double, maxBytes: Int, enabled: Bool) {
        state.withLock { s in
            s.preRoll = preRollSeconds; s.maxBytes = maxBytes; s.enabled = enabled
            if !enabled { s.packets.removeAll(); s.keySeqs.removeAll(); s.firstSeq = s.cursorSeq; s.bytes = 0 }
        }
        if !enabled { bytesHeld.store(0, ordering: .relaxed) }
    }

    /// Ingest thread: one more packet.
    public func append(_ p: MediaPacket) {
        let (held, lost) = state.withLock { s -> (Int, Int) in
            guard s.enabled else { return (0, 0) }
            if p.isKeyframe { s.keySeqs.append(s.endSeq) }
            s.packets.append(p)
            s.bytes += p.size
            PreRollBuffer.trimByTime(&s)
            let lost = PreRollBuffer.trimByBytes(&s)
            return (s.bytes, lost)
        }
        bytesHeld.store(held, ordering: .relaxed)
        if held > peakBytes.load(ordering: .relaxed) { peakBytes.store(held, ordering: .relaxed) }
        if lost > 0 { overflowDrops.wrappingAdd(lost, ordering: .relaxed) }
    }

    /// Drops whole key-frame groups that ended before `cursorTime - preRoll` (and were taken by the recorder).
    private static func trimByTime(_ s: inout State) {
        let newest = s.packets.last?.decodeTime ?? 0
        let cutoff = min(s.cursorTime, newest) - s.preRoll
        while s.keySeqs.count >= 2 {
            let next = s.keySeqs[1]
            guard s.packet(next).time <= cutoff, next <= s.cursorSeq else { break }
            drop(&s, upTo: next)
        }
    }

    /// Drops the oldest key-frame groups while over the byte cap; returns how many untaken packets went.
    private static func trimByBytes(_ s: inout State) -> Int {
        var lost = 0
        while s.bytes > s.maxBytes, s.packets.count > 1 {
            let upTo = s.keySeqs.count >= 2 ? s.keySeqs[1] : s.endSeq - 1
            lost += max(0, upTo - max(s.firstSeq, s.cursorSeq))
            drop(&s, upTo: upTo)
        }
        return lost
    }

    private static func drop(_ s: inout State, upTo seq: Int) {
        while s.firstSeq < seq, let p = s.packets.first {
            s.packets.removeFirst()
            s.bytes -= p.size
            if s.keySeqs.first == s.firstSeq { s.keySeqs.removeFirst() }
            s.firstSeq += 1
        }
        if s.cursorSeq < s.firstSeq { s.cursorSeq = s.firstSeq }
    }

    /// Analysis thread: the analysis reached `time`; returns the packets not taken before, in order, up to the
    /// first one that decodes after `time`.
    public func advance(to time: Double) -> [MediaPacket] {
        state.withLock { s in
            s.cursorTime = max(s.cursorTime, time)
            var out: [MediaPacket] = []
            while s.cursorSeq < s.endSeq {
                let p = s.packet(s.cursorSeq)
                if p.decodeTime > time { break }
                out.append(p)
                s.cursorSeq += 1
            }
            return out
        }
    }

    /// Analysis thread: everything not taken yet (the end of the input).
    public func drain() -> [MediaPacket] { advance(to: .infinity) }

    /// Analysis thread: the taken packets from the last key frame at or before `start` (the first key frame of
    /// the window when none is that old), or nil when no key frame was taken yet.
    public func window(from start: Double) -> [MediaPacket]? {
        state.withLock { s in
            var chosen: Int? = nil
            for k in s.keySeqs where k < s.cursorSeq {
                if chosen == nil || s.packet(k).time <= start { chosen = k } else { break }
            }
            guard let from = chosen else { return nil }
            return (from..<s.cursorSeq).map { s.packet($0) }
        }
    }
}
