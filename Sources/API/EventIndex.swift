import Foundation
import GRDB
import VigilCore

/// The SQLite index of the alert log (GRDB): one row per alert line with the columns the API filters on, the
/// alert's snapshot and clip, and the line itself. The JSON-lines log stays the record: the index is filled
/// from it (`EventIndexer`), rebuilt from it when missing or behind, and pruned to what the log still holds.
///
/// A line is identified by a 64-bit digest of its bytes, so reading a log twice indexes nothing twice (two
/// byte-identical alert lines, same millisecond and all, count once).
///
/// Thread safety: any thread; GRDB's `DatabasePool` (WAL: reads run beside the writer) serialises writes.
public final class EventIndex: Sendable {
    public let path: String
    private let db: any DatabaseWriter

    /// Opens (creating if needed) the index at `path`; `:memory:` for one in memory.
    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.label = "vigil-event-index"
        config.busyMode = .timeout(5)
        if path == ":memory:" {
            db = try DatabaseQueue(configuration: config)
        } else {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous=NORMAL") }
            db = try DatabasePool(path: path, configuration: config)
        }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE event (
                  id INTEGER PRIMARY KEY,
                  ts_ms INTEGER NOT NULL,
                  camera TEXT NOT NULL,
                  event TEXT NOT NULL,
                  severity INTEGER NOT NULL,
                  label TEXT,
                  snapshot TEXT,
                  clip TEXT,
                  clip_offset_s REAL,
                  line TEXT NOT NULL,
                  digest INTEGER NOT NULL UNIQUE
                );
                CREATE INDEX event_ts ON event(ts_ms, id);
                CREATE INDEX event_camera_ts ON event(camera, ts_ms, id);
                CREATE INDEX event_event_ts ON event(event, ts_ms, id);
                """)
        }
        try migrator.migrate(db)
    }

    /// One alert line parsed for the index (by `AlertDecoder`, the one reader of the format); nil when it is not
    /// an alert.
    public struct Row: Sendable, Equatable {
        public var tsMillis: Int64
        public var camera: String
        public var event: String
        public var severity: Int
        public var label: String?
        public var snapshot: String?
        public var clip: String?
        public var clipOffset: Double?
        public var line: String
        public var digest: Int64

        public init?(line: [UInt8]) {
            guard let alert = try? AlertDecoder.decode(line) else { return nil }
            tsMillis = Int64((alert.timestamp * 1000).rounded())
            camera = alert.camera.name
            event = alert.event
            severity = alert.severity.rank
            label = alert.label
            snapshot = alert.snapshot
            clip = alert.clip
            clipOffset = alert.clipOffsetSeconds
            self.line = String(decoding: line, as: UTF8.self)
            digest = EventIndex.digest(line)
        }
    }

    /// FNV-1a, 64 bits.
    static func digest(_ bytes: [UInt8]) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Int64(bitPattern: h)
    }

    /// Adds the rows not indexed yet; returns the new ones with their ids, in order.
    @discardableResult
    public func insert(_ rows: [Row]) throws -> [(id: Int64, row: Row)] {
        guard !rows.isEmpty else { return [] }
        return try db.write { db in
            var added: [(Int64, Row)] = []
            let st = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO event (ts_ms, camera, event, severity, label, snapshot, clip, clip_offset_s, line, digest)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for r in rows {
                try st.execute(arguments: [r.tsMillis, r.camera, r.event, r.severity, r.label, r.snapshot, r.clip,
                                           r.clipOffset, r.line, r.digest])
                if db.changesCount > 0 { added.append((db.lastInsertedRowID, r)) }
            }
            return added
        }
    }

    /// Rows indexed, and the newest timestamp (ms) among them.
    public func summary() throws -> (count: Int, newestMillis: Int64?) {
        try db.read { db in
            let n = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0
            let newest = try Int64.fetchOne(db, sql: "SELECT MAX(ts_ms) FROM event")
            return (n, newest)
        }
    }

    /// Deletes rows older than `millis` (the log no longer holds them); returns how many.
    @discardableResult
    public func prune(olderThan millis: Int64) throws -> Int {
        try db.write { db in
            try db.execute(sql: "DELETE FROM event WHERE ts_ms < ?", arguments: [millis])
            return db.changesCount
        }
    }

    /// A stored event: its id, the alert line, and its files.
    public struct Event: Sendable {
        public var id: Int64
        public var tsMillis: Int64
        public var line: String
        public var snapshot: String?
        public var clip: String?
    }

    public func event(id: Int64) throws -> Event? {
        try db.read { db in
            try GRDB.Row.fetchOne(db, sql: "SELECT id, ts_ms, line, snapshot, clip FROM event WHERE id = ?",
                                  arguments: [id]).map(EventIndex.event)
        }
    }

    private static func event(_ r: GRDB.Row) -> Event {
        Event(id: r["id"], tsMillis: r["ts_ms"], line: r["line"], snapshot: r["snapshot"], clip: r["clip"])
    }

    /// Events after `id` (oldest first) that pass `query`'s filters, at most `query.limit`: what a live stream
    /// that reconnects missed.
    public func events(since id: Int64, _ query: EventQuery) throws -> [Event] {
        var q = query
        q.before = nil
        let (clause, args) = q.conditions(extra: ["id > ?"], [id])
        return try db.read { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT id, ts_ms, line, snapshot, clip FROM event \(clause) ORDER BY id LIMIT ?",
                                  arguments: StatementArguments(args + [q.limit])).map(EventIndex.event)
        }
    }

    /// Newest first, after `query`'s filters, at most `query.limit`.
    public func events(_ query: EventQuery) throws -> [Event] {
        let (whereClause, args0) = query.conditions()
        var args = args0
        let sql = "SELECT id, ts_ms, line, snapshot, clip FROM event \(whereClause) ORDER BY ts_ms DESC, id DESC LIMIT ?"
        args.append(query.limit)
        return try db.read { db in
            try GRDB.Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(EventIndex.event)
        }
    }
}

/// The filters of `GET /api/events`.
public struct EventQuery: Sendable, Equatable {
    /// Paging cursor: events strictly older than this one (`next_before` of the previous page).
    public struct Cursor: Sendable, Equatable {
        public var tsMillis: Int64
        public var id: Int64
        /// `TS_MS.ID`, as the API hands it out.
        public var text: String { "\(tsMillis).\(id)" }
        public init(tsMillis: Int64, id: Int64) { self.tsMillis = tsMillis; self.id = id }
        public init?(_ s: String) {
            let p = s.split(separator: ".", omittingEmptySubsequences: false)
            guard p.count == 2, let t = Int64(p[0]), let i = Int64(p[1]) else { return nil }
            tsMillis = t; id = i
        }
    }
    public var limit = 50
    public var before: Cursor? = nil
    public var camera: String? = nil
    public var event: String? = nil
    public var label: String? = nil
    public var minSeverity: Severity? = nil
    public var sinceMillis: Int64? = nil
    public init() {}

    /// The SQL WHERE clause of the filters (with `extra` conditions) and its arguments.
    func conditions(extra: [String] = [], _ extraArgs: [any DatabaseValueConvertible] = []) -> (String, [any DatabaseValueConvertible]) {
        var conditions = extra
        var args = extraArgs
        if let c = camera { conditions.append("camera = ?"); args.append(c) }
        if let e = event { conditions.append("event = ?"); args.append(e) }
        if let l = label { conditions.append("label = ?"); args.append(l) }
        if let s = minSeverity { conditions.append("severity >= ?"); args.append(s.rank) }
        if let since = sinceMillis { conditions.append("ts_ms >= ?"); args.append(since) }
        if let b = before { conditions.append("(ts_ms < ? OR (ts_ms = ? AND id < ?))"); args += [b.tsMillis, b.tsMillis, b.id] }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), args)
    }
}
