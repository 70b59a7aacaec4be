import Media
import Ring
import VigilCore

/// How a camera's frames are read and queued, the same for replay, the daemon and the benchmarks.
///
/// Thread safety: a plain value.
public struct IngestOptions: Sendable {
    public var camera: CameraID
    /// Frames in flight between the ingest thread and analysis.
    public var ringCapacity: Int = 8
    /// `.block`: replay (never drop; the reader waits for analysis). `.dropOldest`: live (never fall behind: a
    /// full ring lets its oldest frame go, and a frame that finds no free buffer is dropped).
    public var policy: RingPolicy = .block
    /// Buffers per pool beyond the ring's capacity: the frame in analysis, the one being decoded, slack.
    public var spareBuffers: Int = 2
    /// Height of the RGB picture handed to a detector (never above the source's); nil: no detector, grey only.
    public var detectHeight: Int? = nil

    public init(camera: CameraID) { self.camera = camera }
}

/// What `FrameIngest.step` did with the next decoded frame.
public enum IngestStep: Sendable, Hashable {
    /// Queued for analysis.
    case pushed
    /// Queued, and the ring let its oldest frame go to make room (live).
    case pushedDroppingOldest
    /// Decoded but not wanted (the decimator): neither scaled nor queued.
    case skipped
    /// Wanted, but every buffer is queued or in analysis (live: analysis is behind); not queued.
    case noBuffer
    /// The end of the stream.
    case end
    /// The ring or the pools were closed (analysis stopped): stop reading.
    case closed
}

/// The one ingest path: owns a camera's ring and frame pools, reads decoded frames from a `VideoSource` into
/// pooled grey (and RGB) buffers, decimates through the caller's `admit`, and queues `IngestFrame`s, which
/// give their buffers back when released. Replay, the daemon's live cameras and the benchmarks all read
/// through it; the ring policy and the buffer count are parameters.
///
/// Thread safety: `begin`, `step`, `finish` from one producer (ingest) thread; `ring.pop()` and
/// `IngestFrame.release()` from one consumer (analysis) thread; `stop` from the consumer or any thread.
public final class FrameIngest: @unchecked Sendable {  // unchecked: `pools` and `session` are touched by the producer thread only (the pools' own sides are documented in FramePools)
    public let options: IngestOptions
    public let ring: SPSCRing<IngestFrame>
    private var pools: FramePools? = nil
    /// The current connection, from 1 after the first `begin`.
    public private(set) var session = 0

    public init(_ options: IngestOptions) {
        self.options = options
        ring = SPSCRing(capacity: options.ringCapacity, policy: options.policy)
    }

    /// Producer: a new connection to `source`. Pools are kept when their sizes fit (a reconnect to the same
    /// stream), made anew otherwise.
    public func begin(_ source: VideoSource) {
        session += 1
        if let p = pools, p.fit(source, detectHeight: options.detectHeight) { return }
        pools = FramePools(count: ring.capacity + options.spareBuffers, source: source, detectHeight: options.detectHeight)
    }

    /// Producer: decodes the next frame of `source` into pooled buffers and queues it. `admit` says whether a
    /// frame at that media time is analysed (false: decoded only); `stamp` gives each decoded frame its index
    /// and media time (replay: the decoder's; live: counted over reconnects) and sees it before it is queued.
    /// `now` is the decode time stamp (monotonic nanoseconds). `discard` (live decimation) says of a media time
    /// that `admit` will certainly refuse it: such frames need not be decoded unless other frames refer to them
    /// (see `VideoSource.next(into:rgb:scaling:discard:)`).
    public func step(_ source: VideoSource, now: () -> UInt64 = MonotonicClock.nanoseconds,
                     admit: (Double) -> Bool = { _ in true }, discard: (Double) -> Bool = { _ in false },
                     stamp: (DecodedFrame) -> (index: Int, mediaTime: Double) = { ($0.index, $0.mediaTime) }) throws -> IngestStep {
        guard let pools else { preconditionFailure("FrameIngest.step before begin") }
        let waiting = options.policy == .block
        let buffers = pools.take(waiting: waiting)
        if waiting && buffers == nil { return .closed }
        let decoded: DecodedFrame?
        do {
            decoded = try source.next(into: buffers?.gray, rgb: buffers?.rgb, scaling: admit, discard: discard)
        } catch {
            pools.reuse(buffers?.gray, buffers?.rgb)  // the pools must not lose a buffer per failed session
            throw error
        }
        guard let d = decoded else { pools.reuse(buffers?.gray, buffers?.rgb); return .end }
        let decodedAt = now()
        let (index, mediaTime) = stamp(d)
        guard d.scaled else { pools.reuse(buffers?.gray, buffers?.rgb); return .skipped }
        guard let buffers else { return .noBuffer }
        var frame = Frame(camera: options.camera, index: index, mediaTime: mediaTime,
                          sourceWidth: d.sourceWidth, sourceHeight: d.sourceHeight, gray: buffers.gray)
        frame.rgb = buffers.rgb
        let item = IngestFrame(frame: frame, session: session, decodedAt: decodedAt,
                               captureWallTime: d.captureWallTime, pools: pools)
        switch ring.push(item) {
        case .pushed:
            return .pushed
        case .pushedDroppingOldest(let old):
            // The producer owns the dropped frame's buffers again; those of an older session's pools are let go.
            if old.pools === pools { pools.reuse(old.frame.gray, old.frame.rgb) }
            return .pushedDroppingOldest
        case .closed(let f), .full(let f):
            pools.reuse(f.frame.gray, f.frame.rgb)
            return .closed
        }
    }

    /// Producer: reads `source` to its end into the ring (replay, benchmarks); returns at the end or when
    /// analysis stopped. Throws what the source throws.
    public func readAll(_ source: VideoSource) throws {
        begin(source)
        while true {
            switch try step(source) {
            case .end, .closed: return
            case .pushed, .pushedDroppingOldest, .skipped, .noBuffer: continue
            }
        }
    }

    /// Producer: no more frames; analysis drains the ring and then sees the end.
    public func finish() { ring.close() }

    /// Consumer: stop early. Closes the ring and releases every frame still queued, which wakes a producer
    /// waiting for buffers or ring space; its next `step` returns `.closed` (interrupt the source to stop a
    /// blocking read). A push already in progress may still land one frame; pop and release it after the
    /// producer ended, or let it go with the ingest.
    public func stop() {
        ring.close()
        while let f = ring.pop() { f.release() }
    }
}
