import Foundation
import Testing
import TestSupport
import VigilCore
@testable import Media

/// The annotated replay's encoder: H.264 by libx264, MPEG-4 when the first choice is missing, every picture
/// kept with its time, checked by ffprobe and by decoding the file back.
@Suite struct VideoWriterTests {
    /// ffprobe's codec, size and counted frames of the file's video stream.
    func probe(_ path: String) throws -> (codec: String, width: Int, height: Int, frames: Int) {
        let r = run("/usr/bin/env", ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                                     "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", path])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
        let s = try #require((o["streams"] as? [[String: Any]])?.first)
        return (s["codec_name"] as? String ?? "", s["width"] as? Int ?? 0, s["height"] as? Int ?? 0,
                Int(s["nb_read_frames"] as? String ?? "") ?? -1)
    }

    /// Picture `i`: a grey level ramp that changes with `i`, and a bright square moving right.
    func picture(_ i: Int, width: Int = 320, height: Int = 180) -> PixelBuffer {
        let p = PixelBuffer(width: width, height: height, format: .rgb24)
        for y in 0..<height {
            for x in 0..<width {
                let v = UInt8((x + y + 3 * i) % 200)
                let inSquare = x >= 10 + 8 * i && x < 50 + 8 * i && y >= 60 && y < 100
                let o = y * p.stride + 3 * x
                p.data[o] = inSquare ? 250 : v; p.data[o + 1] = inSquare ? 250 : v; p.data[o + 2] = inSquare ? 40 : v
            }
        }
        return p
    }

    @Test(arguments: [(["libx264", "mpeg4"], "h264", "mp4"), (["no-such-encoder", "mpeg4"], "mpeg4", "mp4"),
                      (["libx264"], "h264", "mkv")])
    func writesEveryPicture(_ encoders: [String], _ codec: String, _ ext: String) throws {
        let dir = makeTemporaryDirectory("video-writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out.\(ext)").path
        let w = try VideoWriter(path: path, width: 320, height: 180, framesPerSecond: 10, encoders: encoders)
        #expect(w.encoderName == encoders.first { $0 != "no-such-encoder" })
        for i in 0..<25 { try w.write(picture(i), mediaTime: Double(i) / 10) }
        try w.finish()
        #expect(w.framesWritten == 25)
        let p = try probe(path)
        #expect(p.codec == codec && p.width == 320 && p.height == 180 && p.frames == 25, "\(p)")
        // Decoded back: picture 12's square is where it was drawn (yellow), its surroundings the ramp.
        let source = try VideoSource(url: path, options: SourceOptions())
        let gray = PixelBuffer(width: source.analysisWidth, height: source.analysisHeight, format: .gray8)
        let rgb = PixelBuffer(width: 320, height: 180, format: .rgb24)
        var last: DecodedFrame? = nil
        for _ in 0...12 { last = try source.next(into: gray, rgb: rgb) }
        #expect(last?.index == 12)
        #expect(abs((last?.mediaTime ?? 0) - 1.2) < 0.02, "times kept: \(String(describing: last?.mediaTime))")
        let c = 80 * rgb.stride + 3 * (30 + 96)
        #expect(rgb.data[c] > 200 && rgb.data[c + 1] > 200 && rgb.data[c + 2] < 100)
    }

    @Test func timesThatDoNotIncreaseStillGiveOneFrameEach() throws {
        let dir = makeTemporaryDirectory("video-writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("same.mp4").path
        let w = try VideoWriter(path: path, width: 64, height: 48, framesPerSecond: 25)
        for i in 0..<10 { try w.write(picture(i, width: 64, height: 48), mediaTime: 0) }
        try w.finish()
        #expect(try probe(path).frames == 10)
    }

    @Test func badOutputsAreClearErrors() throws {
        let dir = makeTemporaryDirectory("video-writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: FFmpegError.self) {
            try VideoWriter(path: dir.appendingPathComponent("no/such/dir/a.mp4").path, width: 64, height: 48, framesPerSecond: 25)
        }
        #expect(throws: FFmpegError.self) {  // no container for the name
            try VideoWriter(path: dir.appendingPathComponent("a.notavideo").path, width: 64, height: 48, framesPerSecond: 25)
        }
        do {
            _ = try VideoWriter(path: dir.appendingPathComponent("b.mp4").path, width: 64, height: 48,
                                framesPerSecond: 25, encoders: ["no-such-encoder"])
            Issue.record("an encoder that does not exist opened")
        } catch let e as FFmpegError {
            #expect(e.reason.contains("no-such-encoder"))
        }
    }
}
