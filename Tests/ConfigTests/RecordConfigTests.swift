import Config
import Foundation
import Testing

/// `record:`: defaults, ranges with the key path and line, camera overrides of single keys.
@Suite struct RecordConfigTests {
    func load(_ yaml: String) throws -> VigilConfig {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-recordcfg-\(getpid())-\(UUID().uuidString.prefix(6)).yaml")
        try yaml.write(to: dir, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: dir) }
        return try ConfigLoader.load(path: dir.path)
    }

    @Test func defaultsAndCameraOverrides() throws {
        let c = try load("""
            record:
              enabled: true
              dir: /srv/rec
              pre_roll_s: 3
              continuous: true
            cameras:
              - name: a
                url: rtsp://x/a
              - name: b
                url: rtsp://x/b
                record:
                  continuous: false
                  events_retain_days: 90
            """)
        #expect(c.record.enabled && c.record.directory == "/srv/rec" && c.record.preRollSeconds == 3)
        #expect(c.record.postRollSeconds == 5 && c.record.maxClipSeconds == 300 && c.record.segmentSeconds == 300)
        let a = try #require(c.camera(named: "a")), b = try #require(c.camera(named: "b"))
        #expect(a.record == c.record)
        #expect(b.record.enabled && b.record.directory == "/srv/rec" && b.record.preRollSeconds == 3)
        #expect(!b.record.continuous && b.record.eventsRetainDays == 90)
        #expect(try load("alerts:\n  path: /tmp/a.jsonl\n").record == RecordConfig())
    }

    @Test(arguments: [
        ("record:\n  pre_roll_s: -1\n", "record.pre_roll_s", 2),
        ("record:\n  post_roll_s: 601\n", "record.post_roll_s", 2),
        ("record:\n  max_clip_s: 1\n", "record.max_clip_s", 2),
        ("record:\n  segment_s: 0\n", "record.segment_s", 2),
        ("record:\n  max_total_bytes: 1000\n", "record.max_total_bytes", 2),
        ("record:\n  queue_packets: 1\n", "record.queue_packets", 2),
        ("record:\n  dir: \"\"\n", "record.dir", 2),
        ("record:\n  prerol_s: 3\n", "record.prerol_s", 2),
        ("cameras:\n  - name: a\n    url: x\n    record:\n      enabled: maybe\n", "cameras[0].record.enabled", 5),
    ])
    func badValuesNameTheKeyAndLine(_ yaml: String, _ key: String, _ line: Int) {
        do {
            _ = try load(yaml)
            Issue.record("accepted: \(yaml)")
        } catch let e as ConfigError {
            #expect(e.keyPath == key, "\(e)")
            #expect(e.line == line, "\(e)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
