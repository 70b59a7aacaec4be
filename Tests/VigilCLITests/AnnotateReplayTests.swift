import Foundation
import Testing
import TestSupport

/// `vigil replay --annotate OUT.mp4 --frames FILE`: the analysed video with the analysis drawn on it, and one
/// JSON line per analysed frame; checked with ffprobe, by decoding the video back, and against the alerts.
@Suite struct AnnotateReplayTests {
    func probe(_ path: String) throws -> [String: Any] {
        let r = run("/usr/bin/env", ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                                     "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", path])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
        return try #require((o["streams"] as? [[String: Any]])?.first)
    }

    /// Grey bytes of frame `n` of `path` (scaled to 320×180), through a raw file.
    func grey(_ path: String, frame n: Int, in dir: URL) -> [UInt8] {
        let raw = dir.appendingPathComponent("frame-\(n)-\(UUID().uuidString.prefix(6)).gray").path
        let r = run("/usr/bin/env", ["ffmpeg", "-v", "error", "-y", "-i", path, "-vf", "select=eq(n\\,\(n)),scale=320:180",
                                     "-frames:v", "1", "-pix_fmt", "gray", "-f", "rawvideo", raw])
        #expect(r.status == 0, "\(r.stderr)")
        return (try? Array(Data(contentsOf: URL(fileURLWithPath: raw)))) ?? []
    }

    @Test func boxesClipAnnotatedAndLogged() throws {
        let dir = makeTemporaryDirectory("annotate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("boxes-annotated.mp4").path
        let frames = dir.appendingPathComponent("frames.jsonl").path
        let r = vigil(["replay", Fixtures.path("boxes.mp4"), "--annotate", out, "--frames", frames, "--stats"]
                      + Fixtures.motionOnly)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.count == 4)  // the same four motion alerts as without the flags
        #expect(r.stdout == vigil(["replay", Fixtures.path("boxes.mp4")] + Fixtures.motionOnly).stdout)
        let s = try probe(out)
        #expect(s["codec_name"] as? String == "h264")
        #expect(s["width"] as? Int == 640 && s["height"] as? Int == 360)
        #expect(s["nb_read_frames"] as? String == "300", "\(s)")  // frames_analyzed
        // One line per analysed frame, in order, with motion where the boxes move (frames 51…137, 201…249).
        let lines = try String(contentsOfFile: frames, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 300)
        let objs = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objs.map { $0["frame"] as? Int } == (0..<300).map { $0 })
        let moving = objs.filter { !(($0["motion"] as? [Any]) ?? []).isEmpty }.compactMap { $0["frame"] as? Int }
        #expect(moving.allSatisfy { (45...140).contains($0) || (195...252).contains($0) }, "\(moving)")
        #expect(moving.count > 100)
        #expect(objs.first?["detections"] as? [Any] != nil && objs.first?["tracks"] as? [Any] != nil)
        let starts = objs.filter { ($0["events"] as? [String])?.contains("motion_start") == true }.compactMap { $0["frame"] as? Int }
        #expect(starts.count == 2)
        // Drawn where the analysis was: frame 100 differs from the source around box A (x 340…400, y 150…210
        // at 640×360: the motion region's outline) and in the header's corner, not in an empty corner.
        let a = grey(Fixtures.path("boxes.mp4"), frame: 100, in: dir), b = grey(out, frame: 100, in: dir)
        try #require(a.count == 320 * 180 && b.count == a.count)
        func diff(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> Double {
            var sum = 0, n = 0
            for y in y0..<y1 { for x in x0..<x1 { sum += abs(Int(a[y * 320 + x]) - Int(b[y * 320 + x])); n += 1 } }
            return Double(sum) / Double(n)
        }
        #expect(diff(0, 0, 100, 10) > 20, "header")
        var outline = 0  // pixels around box A changed by the drawing (an outline, not compression noise)
        for y in 65..<115 { for x in 155..<215 where abs(Int(a[y * 320 + x]) - Int(b[y * 320 + x])) > 40 { outline += 1 } }
        #expect(outline > 30, "motion outline around box A")
        #expect(diff(250, 140, 320, 180) < 3, "an empty corner")
    }

    @Test func badOutputsAreClearErrors() {
        let clip = Fixtures.path("boxes.mp4")
        let noDir = vigil(["replay", clip, "--annotate", "/nonexistent-dir/out.mp4"])
        #expect(noDir.status == 1)
        #expect(noDir.stderr.hasPrefix("vigil: /nonexistent-dir/out.mp4: annotated video:"), "\(noDir.stderr)")
        let noFormat = vigil(["replay", clip, "--annotate", "/tmp/out.notavideo"])
        #expect(noFormat.status == 1 && noFormat.stderr.contains("out.notavideo"), "\(noFormat.stderr)")
        let noLog = vigil(["replay", clip, "--frames", "/nonexistent-dir/frames.jsonl"])
        #expect(noLog.status == 1 && noLog.stderr.contains("frames.jsonl"), "\(noLog.stderr)")
        #expect(noDir.stdout.isEmpty && noLog.stdout.isEmpty)
    }
}
