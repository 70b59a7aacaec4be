import Foundation
import Testing
import TestSupport

/// `vigil replay` with `record:`: event clips and continuous segments of the generated boxes clip (25 fps, a
/// key frame every second, motion over t = 2.04…5.48 s and 8.04…9.96 s, `motion_end` 2 s after the last motion),
/// checked with ffprobe.
@Suite struct RecordReplayTests {
    func replay(_ dir: URL, record: String, input: String = "boxes.mp4") throws -> (ProcessResult, [[String: Any]]) {
        let config = dir.appendingPathComponent("vigil.yaml").path
        // Motion only: recording is the subject; the default detectors would cost minutes per debug replay.
        try "detect:\n  models: []\nrecord:\n  enabled: true\n  dir: \(dir.path)/rec\n\(record)".write(toFile: config, atomically: true,
                                                                                  encoding: .utf8)
        let path = input.hasPrefix("/") ? input : Fixtures.path(input)
        let r = vigil(["replay", path, "--config", config, "--stats"])
        #expect(r.status == 0, "\(r.stderr)")
        return (r, alertObjects(r.lines))
    }

    /// The clip starts at the key frame at or before start − pre_roll_s (within one GOP), ends after
    /// end + post_roll_s, its timestamps increase, and it holds exactly the source's frames of its span.
    @Test func clipBoundariesFollowKeyFramesAndRolls() throws {
        let dir = makeTemporaryDirectory("rec-bounds")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, alerts) = try replay(dir, record: "  pre_roll_s: 1.5\n  post_roll_s: 1\n")
        #expect(alerts.map { $0["event"] as? String } == ["motion_start", "motion_end", "motion_start", "motion_end"])
        let clips = mp4Files(under: dir.path + "/rec/boxes/events")
        #expect(clips.count == 2, "\(clips)")
        let first = try #require(alerts.first)
        let clip = try #require(first["clip"] as? String)
        #expect(clip == dir.path + "/rec/boxes/events/boxes-20260101T000000.000Z.mp4")
        #expect(alerts[1]["clip"] as? String == clip)
        let start = try #require(first["media_time"] as? Double)
        let offset = try #require(first["clip_offset_s"] as? Double)
        let packets = Probe.videoPackets(clip)
        let source = Probe.videoPackets(Fixtures.path("boxes.mp4"))
        let clipStart = start - offset  // the clip's first frame in source time
        #expect(packets.first?.keyframe == true && packets.first?.pts == 0)
        #expect(source.contains { $0.keyframe && abs($0.pts - clipStart) < 0.001 }, "clip starts at a key frame")
        #expect(clipStart <= start - 1.5 + 0.001 && clipStart > start - 1.5 - 1.0, "within one GOP of the pre-roll")
        for (a, b) in zip(packets, packets.dropFirst()) { #expect(b.dts > a.dts && b.pts > a.pts) }
        let end = try #require(alerts[1]["media_time"] as? Double)
        let last = try #require(packets.last)
        #expect(clipStart + last.pts >= end + 1 - 0.001, "ends after end + post_roll_s")
        let span = source.filter { $0.pts >= clipStart - 0.001 && $0.pts <= clipStart + last.pts + 0.001 }
        #expect(Probe.decodedFrames(clip).frames == span.count)
        #expect(packets.count == span.count)
    }

    /// Events closer than the post-roll share one clip; the second event's offset is its place in that clip.
    @Test func closeEventsShareOneClip() throws {
        let dir = makeTemporaryDirectory("rec-share")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, alerts) = try replay(dir, record: "  pre_roll_s: 1\n  post_roll_s: 3\n")
        let clips = mp4Files(under: dir.path + "/rec/boxes/events")
        #expect(clips.count == 1, "\(clips)")
        #expect(Set(alerts.compactMap { $0["clip"] as? String }) == Set(clips))
        let offsets = alerts.compactMap { $0["clip_offset_s"] as? Double }
        #expect(offsets.count == 4)
        #expect(abs(offsets[2] - (8.04 - 1.0)) < 0.05, "\(offsets)")
        #expect(Probe.decodedFrames(clips[0]).frames ?? 0 > 25 * 9)
    }

    /// A clip reaching max_clip_s ends at the next key frame and a new clip goes on; later alerts of the event
    /// name the new clip. Both play.
    @Test func longEventIsCappedThenANewClip() throws {
        let dir = makeTemporaryDirectory("rec-cap")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (r, alerts) = try replay(dir, record: "  pre_roll_s: 1\n  post_roll_s: 1\n  max_clip_s: 5\n")
        let clips = mp4Files(under: dir.path + "/rec/boxes/events")
        #expect(clips.count == 3, "\(clips)")  // 1 s…6 s, 6 s…7.56 s, then the second event
        #expect(alerts[0]["clip"] as? String == clips[0])
        #expect(alerts[1]["clip"] as? String == clips[1])
        #expect(alerts[1]["clip_offset_s"] as? Double == 0)
        let first = Probe.videoPackets(clips[0])
        #expect(first.count == 125, "5 s at 25 fps: \(first.count)")
        for c in clips { #expect(Probe.decodedFrames(c).frames ?? 0 > 0, "\(c)") }
        #expect(r.stderr.contains(#""clips":3"#))
    }

    /// A recordings folder that cannot be made: the replay runs to the end with all its alerts, the problem is
    /// reported on stderr and counted, nothing crashes.
    @Test func unwritableRecordingsFolderLeavesAlertsAlone() throws {
        let dir = makeTemporaryDirectory("rec-unwritable")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("vigil.yaml").path
        try "detect:\n  models: []\nrecord:\n  enabled: true\n  dir: /proc/vigil-no-such-place\n  min_free_bytes: 0\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let r = vigil(["replay", Fixtures.path("boxes.mp4"), "--config", config, "--stats"])
        #expect(r.status == 0, "\(r.stderr)")
        let alerts = alertObjects(r.lines)
        #expect(alerts.count == 4 && alerts.allSatisfy { $0["clip"] is String })
        #expect(r.stderr.contains("recording file abandoned"), "\(r.stderr)")
        #expect(r.stderr.contains(#""files_closed":0"#))
    }

    /// `vigil tail` shows the clip path and the event's offset in it.
    @Test func tailShowsTheClip() throws {
        let dir = makeTemporaryDirectory("rec-tail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (r, alerts) = try replay(dir, record: "  pre_roll_s: 1\n  post_roll_s: 1\n")
        let log = dir.appendingPathComponent("alerts.jsonl").path
        try r.stdout.write(toFile: log, atomically: true, encoding: .utf8)
        let tail = vigil(["tail", log])
        #expect(tail.status == 0)
        let clip = try #require(alerts.first?["clip"] as? String)
        #expect(tail.lines.first?.hasSuffix("clip=\(clip)@1.04s") == true, "\(tail.stdout)")
    }

    /// Same input and config: byte-identical alert lines (clip paths included) and byte-identical files.
    @Test func replayWithRecordingIsRepeatable() throws {
        let dir = makeTemporaryDirectory("rec-repeat")
        defer { try? FileManager.default.removeItem(at: dir) }
        let record = "  pre_roll_s: 2\n  post_roll_s: 1\n  continuous: true\n  segment_s: 5\n"
        let (a, _) = try replay(dir, record: record)
        let files = mp4Files(under: dir.path + "/rec")
        let bytes = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        try FileManager.default.removeItem(atPath: dir.path + "/rec")
        let (b, _) = try replay(dir, record: record)
        #expect(a.stdout == b.stdout && !a.stdout.isEmpty)
        #expect(mp4Files(under: dir.path + "/rec") == files)
        #expect(try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == bytes)
        let segments = mp4Files(under: dir.path + "/rec/boxes/continuous")
        #expect(segments.map { ($0 as NSString).lastPathComponent } ==
                ["boxes-20260101T000000.000Z.mp4", "boxes-20260101T000005.000Z.mp4", "boxes-20260101T000010.000Z.mp4"])
        #expect(segments.compactMap { Probe.decodedFrames($0).frames } == [125, 125, 50])
    }

    /// Audio the MP4 can carry (AAC) is copied; audio it cannot (G.711 µ-law) is left out, said once.
    @Test func audioCopiedWhenMP4CanCarryIt() throws {
        let dir = makeTemporaryDirectory("rec-audio")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (codec, ext) in [("aac", "mp4"), ("pcm_mulaw", "mkv")] {
            let input = dir.appendingPathComponent("boxes-\(codec).\(ext)").path
            let ff = run("/usr/bin/env", ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", Fixtures.path("boxes.mp4"),
                                          "-f", "lavfi", "-i", "sine=frequency=440:duration=12:sample_rate=8000",
                                          "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", codec, "-shortest", input])
            #expect(ff.status == 0, "\(ff.stderr)")
            let out = dir.appendingPathComponent(codec)
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let (r, alerts) = try replay(out, record: "  pre_roll_s: 1\n  post_roll_s: 1\n", input: input)
            #expect(alerts.count == 4)
            let clip = try #require(alerts.first?["clip"] as? String)
            #expect(Probe.decodedFrames(clip).frames ?? 0 > 100)
            if codec == "aac" {
                #expect(Probe.codecs(clip) == ["h264", "aac"])
            } else {
                #expect(Probe.codecs(clip) == ["h264"])
                #expect(r.stderr.components(separatedBy: "MP4 cannot carry pcm_mulaw").count == 2, "\(r.stderr)")
            }
        }
    }
}
