import Foundation
import Logging
import Sinks
import Synchronization
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the event index up with the alert log: at start it indexes what the rotated files hold that the index
/// lacks (a missing index is rebuilt whole; rotated files entirely older than the newest indexed event are
/// skipped) and prunes events older than the oldest file, then follows the log like `vigil tail -f`, indexing
/// each new line within `pollInterval` and publishing it to `hub`. Retention is re-applied once a minute.
///
/// Thread safety: `start` and `stop` from the owning thread; the follower thread owns the `LogFollower`.
public final class EventIndexer: @unchecked Sendable {  // unchecked: `thread` is touched by start/stop only, the rest is Sendable
    public let logPath: String
    public let index: EventIndex
    public let hub: EventHub
    public let pollInterval: Double
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let skipped = Atomic<Int>(0)
    private let indexedCount = Atomic<Int>(0)
    private let caughtUp = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    private let wakeUp = DispatchSemaphore(value: 0)
    private var thread: Thread?

    public init(logPath: String, index: EventIndex, hub: EventHub, logger: Logger, pollInterval: Double = 0.1) {
        self.logPath = logPath
        self.index = index
        self.hub = hub
        self.logger = logger
        self.pollInterval = pollInterval
    }

    /// Lines that were not alerts (not JSON, no ts/camera/event): counted, never indexed.
    public var skippedLines: Int { skipped.load(ordering: .relaxed) }
    /// Events added to the index since start (catch-up and live).
    public var indexed: Int { indexedCount.load(ordering: .relaxed) }
    /// True once the start-up catch-up is done.
    public var isCaughtUp: Bool { caughtUp.load(ordering: .acquiring) }

    public func start() {
        let t = Thread { [self] in run(); done.signal() }
        t.name = "vigil-event-index"
        thread = t
        t.start()
    }

    /// Reads the log now instead of at the next poll (the daemon calls it for every alert it publishes, right
    /// after writing it to the log).
    public func wake() { wakeUp.signal() }

    public func stop() {
        guard thread != nil, !stopping.exchange(true, ordering: .relaxed) else { return }
        wakeUp.signal()
        done.wait()
        hub.finishAll()
    }

    private func run() {
        catchUp()
        caughtUp.store(true, ordering: .releasing)
        // Only a regular file is followed: a device (/dev/full, a terminal) never ends and holds no record.
        var st = stat()
        if stat(logPath, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
            logger.warning("event index: \(logPath) is not a regular file; events are not indexed")
            return
        }
        let follower = LogFollower(path: logPath)
        var lastPrune = MonotonicClock.nanoseconds(), lastBeat = lastPrune
        while !stopping.load(ordering: .relaxed) {
            var batch: [EventIndex.Row] = []
            follower.poll { line in
                if let r = EventIndex.Row(line: line) { batch.append(r) } else if !line.isEmpty { skipped.wrappingAdd(1, ordering: .relaxed) }
            }
            do {
                for (id, row) in try index.insert(batch) {
                    indexedCount.wrappingAdd(1, ordering: .relaxed)
                    hub.publish(.init(id: id, json: EventJSON.object(id: id, line: row.line), camera: row.camera,
                                      event: row.event, label: row.label, severity: row.severity))
                }
            } catch {
                logger.error("event index: \(error)")
            }
            if MonotonicClock.seconds(since: lastPrune) >= 60 { prune(); lastPrune = MonotonicClock.nanoseconds() }
            if MonotonicClock.seconds(since: lastBeat) >= 15 { hub.heartbeat(); lastBeat = MonotonicClock.nanoseconds() }
            _ = wakeUp.wait(timeout: .now() + pollInterval)
            while wakeUp.wait(timeout: .now()) == .success {}  // one read covers every wake-up so far
        }
    }

    /// Indexes the rotated files (oldest first) that may hold events the index lacks; the current file is left
    /// to the follower, which starts at its top.
    func catchUp() {
        let newest = (try? index.summary().newestMillis) ?? nil
        let files = RotatedLogs.files(of: logPath).filter { $0 != logPath }
        for file in files {
            if let newest, let last = EventIndexer.lastTimestamp(of: file), last < newest { continue }
            guard let fd = Optional(Glibc.open(file, O_RDONLY | O_CLOEXEC)), fd >= 0 else { continue }
            var reader = LineReader()
            var batch: [EventIndex.Row] = []
            func flush() {
                do { indexedCount.wrappingAdd(try index.insert(batch).count, ordering: .relaxed) } catch {
                    logger.error("event index: \(error)")
                }
                batch.removeAll(keepingCapacity: true)
            }
            _ = reader.drain(fd) { line in
                if let r = EventIndex.Row(line: line) { batch.append(r) } else if !line.isEmpty { skipped.wrappingAdd(1, ordering: .relaxed) }
                if batch.count >= 2000 { flush() }
            }
            flush()
            close(fd)
        }
        prune()
    }

    /// Drops index rows older than the oldest event the log still holds.
    func prune() {
        guard let oldestFile = RotatedLogs.files(of: logPath).first,
              let first = EventIndexer.firstTimestamp(of: oldestFile) else { return }
        do {
            let n = try index.prune(olderThan: first)
            if n > 0 { logger.info("event index: pruned \(n) events older than the alert log") }
        } catch {
            logger.error("event index: \(error)")
        }
    }

    /// The `ts` (ms) of the first alert line of `file`.
    static func firstTimestamp(of file: String) -> Int64? {
        guard let h = FileHandle(forReadingAtPath: file) else { return nil }
        defer { try? h.close() }
        let data = (try? h.read(upToCount: 65536)) ?? Data()
        for line in data.split(separator: UInt8(ascii: "\n")) {
            if let r = EventIndex.Row(line: Array(line)) { return r.tsMillis }
        }
        return nil
    }

    /// The `ts` (ms) of the last alert line of `file`.
    static func lastTimestamp(of file: String) -> Int64? {
        guard let h = FileHandle(forReadingAtPath: file) else { return nil }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: size > 65536 ? size - 65536 : 0)
        let data = (try? h.readToEnd()) ?? Data()
        for line in data.split(separator: UInt8(ascii: "\n")).reversed() {
            if let r = EventIndex.Row(line: Array(line)) { return r.tsMillis }
        }
        return nil
    }
}

/// An indexed alert as the API returns it: the alert's own keys, preceded by `id`.
enum EventJSON {
    static func object(id: Int64, line: String) -> String {
        let trimmed = line.drop { $0 == " " }
        guard trimmed.first == "{" else { return "{\"id\":\(id)}" }
        let rest = trimmed.dropFirst()
        return "{\"id\":\(id)" + (rest.first == "}" ? "" : ",") + rest
    }
}
