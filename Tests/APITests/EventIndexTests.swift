import Foundation
import Testing
import TestSupport
import VigilCore
@testable import API

/// The SQLite index against the JSON-lines log it mirrors: filters and paging as `vigil tail` would select,
/// nothing indexed twice, rebuilt from rotated files when missing or behind, pruned to what the log holds.
@Suite struct EventIndexTests {
    /// An alert line at `t` seconds after 2026-12-01T00:00:00Z.
    static func line(_ t: Double, camera: String = "front", event: String = "zone_enter", severity: String = "info",
                     label: String? = nil, snapshot: String? = nil, clip: String? = nil) -> String {
        var o: [(String, JSONValue)] = [("ts", .string(Timestamp.rfc3339(1_796_083_200 + t))), ("media_time", .double(t)),
                                        ("frame", .int(Int(t * 10))), ("camera", .string(camera)),
                                        ("event", .string(event)), ("severity", .string(severity))]
        if let label { o.append(("label", .string(label))) }
        if let snapshot { o.append(("snapshot", .string(snapshot))) }
        if let clip { o += [("clip", .string(clip)), ("clip_offset_s", .double(2.5))] }
        return JSONValue.object(o).serialized()
    }

    static func rows(_ lines: [String]) -> [EventIndex.Row] { lines.compactMap { EventIndex.Row(line: Array($0.utf8)) } }

    /// A newer node's line with keys this version does not define is indexed (filters work on the keys it
    /// knows) and served whole, new keys included; a line missing a required key is still not an alert.
    @Test func linesWithKeysANewerNodeAddsAreIndexedWhole() throws {
        let index = try EventIndex(path: ":memory:")
        let newer = #"{"ts":"2026-12-01T00:00:05.000Z","media_time":5,"frame":50,"camera":"front","event":"zone_enter","severity":"warning","label":"car","plate":{"text":"AB 123"},"schema":2}"#
        let broken = #"{"ts":"2026-12-01T00:00:06.000Z","media_time":6,"camera":"front","event":"zone_enter","severity":"info","schema":2}"#
        let rows = Self.rows([newer, broken])
        #expect(rows.count == 1)
        #expect(try index.insert(rows).count == 1)
        var q = EventQuery()
        q.label = "car"
        q.minSeverity = .warning
        let found = try index.events(q)
        #expect(found.map(\.line) == [newer])
        let served = try #require(found.first.map { EventJSON.object(id: $0.id, line: $0.line) })
        let object = try JSONValue.parse(Array(served.utf8))
        #expect(object["plate"]?["text"] == .string("AB 123") && object["schema"] == .int(2), "\(served)")
    }

    @Test func filtersAndPagesNewestFirstLikeTheLog() throws {
        let index = try EventIndex(path: ":memory:")
        var lines: [String] = []
        for i in 0..<250 {
            lines.append(Self.line(Double(i), camera: i % 2 == 0 ? "front" : "back",
                                   event: i % 5 == 0 ? "line_cross" : "zone_enter",
                                   severity: i % 7 == 0 ? "critical" : i % 3 == 0 ? "warning" : "info",
                                   label: i % 4 == 0 ? "person" : "car"))
        }
        lines.append("not json")
        lines.append("{\"ts\":\"2026-12-01T00:00:00Z\"}")  // no camera/event
        let rows = Self.rows(lines)
        #expect(rows.count == 250, "the two bad lines are not alerts")
        #expect(try index.insert(rows).count == 250)
        #expect(try index.insert(rows).isEmpty, "the same lines again add nothing")

        // Paging through everything with the cursor gives every line once, newest first.
        var q = EventQuery()
        q.limit = 40
        var seen: [Int64] = []
        var pages = 0
        while true {
            let page = try index.events(q)
            seen += page.map(\.tsMillis)
            pages += 1
            guard page.count == q.limit, let last = page.last else { break }
            q.before = .init(tsMillis: last.tsMillis, id: last.id)
        }
        #expect(pages == 7)
        let all: [Int64] = (0..<250).reversed().map { (i: Int) -> Int64 in Int64(1_796_083_200 + i) * 1000 }
        #expect(seen == all)

        // Filters select what a reading of the lines selects.
        func expected(_ keep: (Int) -> Bool) -> [Int64] {
            (0..<250).reversed().filter(keep).map { (i: Int) -> Int64 in Int64(1_796_083_200 + i) * 1000 }
        }
        var f = EventQuery()
        f.limit = 1000
        f.camera = "back"; f.event = "line_cross"
        #expect(try index.events(f).map(\.tsMillis) == expected { $0 % 2 == 1 && $0 % 5 == 0 })
        f = EventQuery(); f.limit = 1000; f.minSeverity = .warning
        #expect(try index.events(f).map(\.tsMillis) == expected { $0 % 7 == 0 || $0 % 3 == 0 })
        f = EventQuery(); f.limit = 1000; f.label = "person"; f.sinceMillis = Int64(1_796_083_200 + 200) * 1000
        #expect(try index.events(f).map(\.tsMillis) == expected { $0 % 4 == 0 && $0 >= 200 })
        // The stored line is the log's line, byte for byte.
        let one = try #require(try index.events(EventQuery()).first)
        #expect(one.line == lines[249])
        #expect(EventJSON.object(id: one.id, line: one.line).hasPrefix("{\"id\":\(one.id),\"ts\":"))
    }

    @Test func rebuildsFromRotatedLogsWhenMissingOrBehindAndPrunesWithTheLog() throws {
        let dir = makeTemporaryDirectory("index")
        let log = dir.appendingPathComponent("alerts.jsonl").path
        // Three files, oldest first: alerts.jsonl.2 (0…99), .1 (100…199), the current one (200…249).
        func write(_ range: Range<Int>, _ path: String) throws {
            try (range.map { Self.line(Double($0)) }.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        try write(0..<100, log + ".2")
        try write(100..<200, log + ".1")
        try write(200..<250, log)
        let indexPath = dir.appendingPathComponent("index.sqlite").path
        let hub = EventHub()
        do {
            let index = try EventIndex(path: indexPath)
            let indexer = EventIndexer(logPath: log, index: index, hub: hub, logger: .init(label: "test"), pollInterval: 0.01)
            indexer.start()
            #expect(waitUntil(timeout: 10) { ((try? index.summary().count) ?? 0) == 250 }, "missing index rebuilt from all three files")
            indexer.stop()
        }
        // Behind: the writer went on (and rotated) while no indexer ran; the oldest file was deleted by rotation.
        try FileManager.default.removeItem(atPath: log + ".2")
        try FileManager.default.moveItem(atPath: log + ".1", toPath: log + ".2")
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        try write(250..<300, log)
        let index = try EventIndex(path: indexPath)
        let indexer = EventIndexer(logPath: log, index: index, hub: hub, logger: .init(label: "test"), pollInterval: 0.01)
        indexer.start()
        defer { indexer.stop() }
        #expect(waitUntil(timeout: 10) { indexer.isCaughtUp && ((try? index.summary().newestMillis) ?? nil) == Int64(1_796_083_200 + 299) * 1000 })
        let s = try index.summary()
        #expect(s.count == 200, "100…299 indexed, 0…99 pruned with the deleted file: \(s.count)")
        var q = EventQuery()
        q.limit = 1000
        #expect(try index.events(q).last?.tsMillis == Int64(1_796_083_200 + 100) * 1000)
    }
}
