import Foundation
import Testing
@testable import Config
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ConfigLoaderTests {
    func error(_ yaml: String, env: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try ConfigLoader.parse(yaml, file: "t.yaml", environment: env)
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func minimalConfigUsesDefaults() throws {
        let c = try ConfigLoader.parse("""
            alerts:
              path: /tmp/a.jsonl
            cameras:
              - name: front
                url: rtsp://user:${PW}@192.0.2.10:554/stream1
            """, environment: ["PW": "s3cret"])
        #expect(c.alerts.path == "/tmp/a.jsonl")
        #expect(c.cameras.count == 1)
        #expect(c.cameras[0].url == "rtsp://user:s3cret@192.0.2.10:554/stream1")
        #expect(c.cameras[0].motion == MotionConfig())
        #expect(c.motion.threshold == 25)
        try c.validateForDaemon(file: "t.yaml")
    }

    @Test func emptyConfigIsValidForReplayButNotForTheDaemon() throws {
        let c = try ConfigLoader.parse("")
        #expect(c == VigilConfig())
        #expect(throws: ConfigError.self) { try c.validateForDaemon(file: "t.yaml") }
    }

    /// A config from a pipe (`--config <(envsubst < vigil.yaml.in)`, a FIFO) is read to its end; a directory is
    /// unreadable (exit 66), not a crash.
    @Test func aConfigFromAPipeIsReadToItsEndADirectoryIsUnreadable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-fifo-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("vigil.yaml").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Thread {
            let h = FileHandle(forWritingAtPath: fifo)!  // blocks until the loader opens the other end
            h.write(Data("alerts:\n  path: /tmp/a.jsonl\nmotion:\n  threshold: 31\n".utf8))
            try? h.close()
        }
        writer.start()
        let c = try ConfigLoader.load(path: fifo)
        #expect(c.motion.threshold == 31)
        #expect(throws: ConfigLoadError.self) { try ConfigLoader.load(path: dir.path) }
    }

    @Test func unknownKeyNamesPathAndLine() {
        let e = error("""
            motion:
              threshold: 30
              treshold: 40
            """)
        #expect(e?.keyPath == "motion.treshold")
        #expect(e?.line == 3)
        #expect(e?.message.contains("unknown key 'treshold'") == true)
        #expect(e?.description.hasPrefix("t.yaml:3: motion.treshold: unknown key") == true)
    }

    @Test func outOfRangeValueInACamera() {
        let e = error("""
            cameras:
              - name: a
                url: a.mp4
              - name: b
                url: b.mp4
                motion:
                  min_frames: 0
            """)
        #expect(e?.keyPath == "cameras[1].motion.min_frames")
        #expect(e?.line == 7)
        #expect(e?.message.contains("out of range 1…100") == true)
    }

    @Test func wrongTypeSaysWhatWasFound() {
        let e = error("""
            decoder:
              threads: many
            """)
        #expect(e?.keyPath == "decoder.threads")
        #expect(e?.line == 2)
        #expect(e?.message.contains("whole number") == true)
        #expect(e?.message.contains("many") == true)
    }

    @Test func missingRequiredKey() {
        let e = error("""
            cameras:
              - name: a
            """)
        #expect(e?.keyPath == "cameras[0].url")
        #expect(e?.line == 2)
    }

    @Test func cameraMotionOverridesSingleKeys() throws {
        let c = try ConfigLoader.parse("""
            motion:
              threshold: 40
              min_frames: 5
            cameras:
              - name: a
                url: a.mp4
                motion:
                  min_frames: 2
              - name: b
                url: b.mp4
            """)
        #expect(c.camera(named: "a")?.motion.threshold == 40)
        #expect(c.camera(named: "a")?.motion.minFrames == 2)
        #expect(c.camera(named: "b")?.motion.minFrames == 5)
    }

    @Test func environmentVariables() {
        let e = error("""
            cameras:
              - name: a
                url: rtsp://u:${NOPE}@h/s
            """)
        #expect(e?.keyPath == "cameras[0].url")
        #expect(e?.line == 3)
        #expect(e?.message == "environment variable NOPE is not set")
        #expect(error("cameras:\n  - name: a\n    url: x${A\n") != nil)
    }

    @Test func duplicateNamesAndBadNames() {
        #expect(error("cameras:\n  - name: a\n    url: x\n  - name: a\n    url: y\n")?.message
            .contains("used twice") == true)
        let bad = error("cameras:\n  - name: front door\n    url: x\n")
        #expect(bad?.keyPath == "cameras[0].name")
        #expect(bad?.line == 2)
    }

    @Test func syntaxErrorsHaveALine() {
        let e = error("motion:\n  threshold: 3\n   blur: [1\n")
        #expect(e?.line != nil)
        #expect(e?.message.hasPrefix("YAML syntax") == true)
        let dup = error("motion:\n  blur: 1\n  blur: 2\n")
        #expect(dup?.message.contains("duplicate key") == true)
        let notMap = error("- a\n- b\n")
        #expect(notMap?.message.contains("mapping") == true)
    }
}

@Suite struct TrackConfigTests {
    @Test func kindsAndRanges() throws {
        let c = try ConfigLoader.parse("track:\n  kind: iou\n  min_hits: 3\n")
        #expect(c.track.kind == .iou && c.track.minHits == 3 && c.track.maxAge == nil)
        #expect(try ConfigLoader.parse("").track.kind == .byte)
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("track:\n  kind: kalman\n") }
        do {
            _ = try ConfigLoader.parse("track:\n  kind: iou\n  match_iou: 1.5\n", file: "t.yaml")
            Issue.record("accepted match_iou 1.5")
        } catch let e as ConfigError {
            #expect(e.keyPath == "track.match_iou" && e.line == 3)
        }
    }

    @Test func matchDistanceAndHysteresis() throws {
        let c = try ConfigLoader.parse("track:\n  match_distance: 0.5\nrules:\n  hysteresis: 0.15\n")
        #expect(c.track.matchDistance == 0.5 && c.track.byteConfiguration.matchDistance == 0.5)
        #expect(c.rules.hysteresis == 0.15)
        let d = try ConfigLoader.parse("")
        #expect(d.track.byteConfiguration.matchDistance == 0 && d.rules.hysteresis == 0.1)
        for (yaml, key, words) in [("track:\n  match_distance: 3\n", "track.match_distance", "out of range"),
                                   ("track:\n  kind: iou\n  match_distance: 0.5\n", "track.match_distance", "byte only"),
                                   ("rules:\n  hysteresis: 0.8\n", "rules.hysteresis", "out of range")] {
            do {
                _ = try ConfigLoader.parse(yaml, file: "t.yaml")
                Issue.record("accepted \(yaml)")
            } catch let e as ConfigError {
                #expect(e.keyPath == key && e.message.contains(words), "\(e)")
            }
        }
    }
}

extension TrackConfigTests {
    /// `track.max_unseen_s`: seconds, 1…3600, default 15; at least two of any camera's full-frame intervals (a still
    /// object is looked at only by those passes and must survive one the detector misses).
    @Test func maxUnseenSeconds() throws {
        #expect(try ConfigLoader.parse("").track.maxUnseenSeconds == 15)
        let c = try ConfigLoader.parse("track:\n  max_unseen_s: 40\ndetect:\n  full_frame_s: 20\n")
        #expect(c.track.maxUnseenSeconds == 40 && c.track.byteConfiguration.maxUnseenSeconds == 40
                && c.track.iouConfiguration.maxUnseenSeconds == 40)
        let camera = "cameras:\n  - name: a\n    url: a.mp4\n    detect:\n      full_frame_s: 8\n"
        for (yaml, key, words) in [("track:\n  max_unseen_s: 0.5\n", "track.max_unseen_s", "out of range 1…3600"),
                                   ("track:\n  max_unseen_s: 9000\n", "track.max_unseen_s", "out of range"),
                                   ("track:\n  max_unseen_s: 9\n", "track", "below twice detect.full_frame_s (5.0)"),
                                   (camera, "track", "below twice detect.full_frame_s (8.0)")] {
            do {
                _ = try ConfigLoader.parse(yaml, file: "t.yaml")
                Issue.record("accepted \(yaml)")
            } catch let e as ConfigError {
                #expect(e.keyPath == key && e.message.contains(words), "\(e)")
            }
        }
    }
}
