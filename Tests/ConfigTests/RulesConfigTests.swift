import Sinks
import Testing
@testable import Config

/// `rules:`, zones, lines, stationary, `tamper:` and the alert-log keys: defaults, overrides, and every bad
/// value as an error naming the key path and the line.
@Suite struct RulesConfigTests {
    func error(_ yaml: String) -> ConfigError? {
        do {
            _ = try ConfigLoader.parse(yaml, file: "t.yaml", environment: [:])
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    static let full = """
        alerts:
          path: /tmp/a.jsonl
          max_bytes: 1048576
          rotate_daily: true
          keep: 5
          sync: always
        rules:
          time_zone: Europe/Berlin
          cooldown_s: 10
          schedules:
            night: ["22:00-06:00"]
        tamper:
          min_s: 3
        cameras:
          - name: gate
            url: gate.mp4
            tamper:
              severity: warning
            zones:
              - name: yard
                polygon: [[0, 0], [100, 0], [100, 100]]
                labels: [person]
                inertia: 2
                schedule: night
                loiter_s: 30
                crowding: {max_count: 3, min_s: 5, label: person}
            lines:
              - name: door
                from: [0, 50]
                to: [200, 50]
                directions: left_to_right
            stationary:
              stationary_s: 120
        """

    @Test func fullExampleDecodes() throws {
        let c = try ConfigLoader.parse(Self.full, environment: [:])
        #expect(c.alerts.log.maxBytes == 1_048_576 && c.alerts.log.rotateDaily && c.alerts.log.keep == 5 && c.alerts.log.sync == .always)
        #expect(c.rules.timeZone == "Europe/Berlin" && c.rules.cooldownSeconds == 10)
        #expect(c.rules.schedules["night"] == ["22:00-06:00"])
        let cam = c.cameras[0]
        // Camera tamper keys on top of the top-level ones.
        #expect(cam.tamper.minSeconds == 3 && cam.tamper.action.severity == .warning && c.tamper.action.severity == .critical)
        #expect(cam.zones[0].polygon.count == 3 && cam.zones[0].labels == ["person"] && cam.zones[0].inertia == 2)
        #expect(cam.zones[0].crowding?.maxCount == 3 && cam.zones[0].loiterSeconds == 30)
        #expect(cam.lines[0].directions == "left_to_right")
        #expect(cam.stationary?.stationarySeconds == 120 && cam.stationary?.ignoreLabels == ["person"])
    }

    @Test func defaults() throws {
        let c = try ConfigLoader.parse("cameras:\n  - name: a\n    url: a.mp4\n", environment: [:])
        #expect(c.alerts.log == AlertLogOptions() && c.alerts.log.maxBytes == 64 << 20 && c.alerts.log.keep == 10
                && c.alerts.log.sync == .interval)
        #expect(c.cameras[0].tamper == TamperConfig() && c.cameras[0].zones.isEmpty && c.cameras[0].stationary == nil)
        #expect(c.rules.timeZone == "UTC")
        #expect(c.snapshots == SnapshotsConfig() && c.snapshots.retainCount == 1000 && c.snapshots.quality == 4)
    }

    @Test(arguments: [
        ("rules:\n  time_zone: Mars/Olympus\n", "rules.time_zone", 2, "is not a time zone"),
        ("rules:\n  schedules:\n    night: [\"25:00-06:00\"]\n", "rules.schedules", 2, "is not a window"),
        ("alerts:\n  sync: sometimes\n", "alerts.sync", 2, "is not one of always"),
        ("alerts:\n  max_bytes: 100\n", "alerts.max_bytes", 2, "out of range"),
        ("alerts:\n  keep: -1\n", "alerts.keep", 2, "out of range"),
        ("tamper:\n  defocus_ratio: 2\n", "tamper.defocus_ratio", 2, "out of range"),
        ("tamper:\n  severity: loud\n", "tamper.severity", 2, "is not a severity"),
        ("tamper:\n  blur: 1\n", "tamper.blur", 2, "unknown key"),
        ("snapshots:\n  quality: 1\n", "snapshots.quality", 2, "out of range"),
        ("snapshots:\n  retain_days: -1\n", "snapshots.retain_days", 2, "out of range"),
        ("cameras:\n  - name: a\n    url: a\n    zones:\n      - name: z\n        polygon: [[0, 0], [1, 1]]\n",
         "cameras[0].zones[0].polygon", 6, "at least 3 points"),
        ("cameras:\n  - name: a\n    url: a\n    zones:\n      - name: z\n        polygon: [[0, 0], [1, 1], [2, 2]]\n",
         "cameras[0].zones[0].polygon", 6, "encloses no area"),
        ("cameras:\n  - name: a\n    url: a\n    zones:\n      - name: z\n        polygon: [[0, 0], [1], [2, 2]]\n",
         "cameras[0].zones[0].polygon[1]", 6, "a point is [x, y]"),
        ("cameras:\n  - name: a\n    url: a\n    zones:\n      - name: z\n        polygon: [[0, 0], [9, 0], [0, 9]]\n        schedule: night\n",
         "cameras[0].zones[0].schedule", 7, "no schedule 'night'"),
        ("cameras:\n  - name: a\n    url: a\n    zones:\n      - name: z\n        polygon: [[0, 0], [9, 0], [0, 9]]\n        crowding: {min_s: 3}\n",
         "cameras[0].zones[0].crowding.max_count", 7, "required key is missing"),
        ("cameras:\n  - name: a\n    url: a\n    lines:\n      - name: l\n        from: [0, 0]\n        to: [0, 0]\n",
         "cameras[0].lines[0].to", 7, "two different points"),
        ("cameras:\n  - name: a\n    url: a\n    lines:\n      - name: l\n        from: [0, 0]\n        to: [5, 0]\n        directions: up\n",
         "cameras[0].lines[0].directions", 8, "is not one of both"),
        ("cameras:\n  - name: a\n    url: a\n    stationary:\n      stationary_s: -5\n",
         "cameras[0].stationary.stationary_s", 5, "out of range"),
    ] as [(String, String, Int, String)])
    func badValuesNameKeyAndLine(_ yaml: String, _ keyPath: String, _ line: Int, _ message: String) {
        let e = error(yaml)
        #expect(e?.keyPath == keyPath, "\(yaml)")
        #expect(e?.line == line, "\(yaml)")
        #expect(e?.message.contains(message) == true, "\(e?.message ?? "no error")")
    }

    @Test func duplicateZoneNames() {
        let e = error("cameras:\n  - name: a\n    url: a\n    zones:\n      - name: z\n        polygon: [[0, 0], [9, 0], [0, 9]]\n      - name: z\n        polygon: [[0, 0], [9, 0], [0, 9]]\n")
        #expect(e?.message.contains("zone name 'z' is used twice") == true)
    }
}
