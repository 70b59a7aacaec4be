import Foundation
import Testing
import TestSupport
import VigilCore
@testable import Media

@Suite struct VideoSourceTests {
    /// Decodes every frame of `name`, checking each frame's facts on the way.
    func decodeAll(_ name: String) throws -> (frames: [DecodedFrame], source: VideoSource) {
        let source = try VideoSource(url: Fixtures.path(name))
        let buffer = PixelBuffer(width: source.analysisWidth, height: source.analysisHeight, format: .gray8)
        var frames: [DecodedFrame] = []
        while let f = try source.next(into: buffer) { frames.append(f) }
        #expect(try source.next(into: buffer) == nil)  // stays at the end
        return (frames, source)
    }

    @Test(arguments: ["boxes.mp4", "boxes.mkv", "boxes.ts", "boxes-mpeg4.mkv", "boxes-mpeg4.avi"])
    func decodesEveryFrameWithIncreasingTimes(_ name: String) throws {
        let (frames, source) = try decodeAll(name)
        #expect(frames.count == 300)
        #expect(frames.map(\.index) == Array(0..<300))
        #expect(abs(frames[0].mediaTime) < 0.001)
        #expect(abs(frames[299].mediaTime - 299 * 0.04) < 0.002)
        for (a, b) in zip(frames, frames.dropFirst()) { #expect(abs(b.mediaTime - a.mediaTime - 0.04) < 0.002) }
        #expect(frames.allSatisfy { $0.sourceWidth == 640 && $0.sourceHeight == 360 && !$0.corrupt })
        #expect(source.analysisWidth == 212 && source.analysisHeight == 120)
        #expect(source.stats.framesDecoded == 300 && source.stats.decodeErrors == 0)
        #expect(source.info.framesPerSecond == 25)
    }

    @Test func rawStreamWithoutTimestampsStillGetsIncreasingTimes() throws {
        let (frames, _) = try decodeAll("boxes.h264")
        #expect(frames.count == 300)
        for (a, b) in zip(frames, frames.dropFirst()) { #expect(b.mediaTime > a.mediaTime) }
        #expect(abs(frames[299].mediaTime - 299 * 0.04) < 0.05)
    }

    @Test func streamInfo() throws {
        let mp4 = try VideoSource(url: Fixtures.path("boxes.mp4"))
        #expect(mp4.info.codec == "h264")
        #expect(mp4.info.creationTime == Timestamp.parse("2026-01-01T00:00:00Z"))
        #expect(abs((mp4.info.duration ?? 0) - 12) < 0.1)
        let avi = try VideoSource(url: Fixtures.path("boxes-mpeg4.avi"))
        #expect(avi.info.codec == "mpeg4")
    }

    @Test func pixelsArriveScaledIntoTheBuffer() throws {
        // Frame 100 (t = 4 s): box A (light grey, 60×60) has x = 340…400, y = 150…210 in source pixels.
        let source = try VideoSource(url: Fixtures.path("boxes.mp4"))
        let b = PixelBuffer(width: source.analysisWidth, height: source.analysisHeight, format: .gray8)
        for _ in 0...100 { _ = try source.next(into: b) }
        let sx = Double(b.width) / 640, sy = Double(b.height) / 360
        let inside = b.data[Int(180 * sy) * b.stride + Int(370 * sx)]
        let outside = b.data[Int(300 * sy) * b.stride + Int(100 * sx)]
        #expect(inside > 180)
        #expect(outside < 70)
    }

    @Test(arguments: ["empty.mp4", "random.mp4", "text.mp4", "header-only.mp4"])
    func unreadableFilesAreDataErrors(_ name: String) {
        do {
            _ = try decodeAll(name)
            Issue.record("\(name) decoded")
        } catch let e as FFmpegError {
            #expect(e.exitStatus == .dataError)
            #expect(e.description.contains(name))
            #expect(!e.description.contains("\n"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func audioOnlyHasNoVideoStream() {
        #expect { _ = try VideoSource(url: Fixtures.path("audio.wav")) } throws: { e in
            let f = e as? FFmpegError
            return f?.exitStatus == .dataError && f?.reason == "no video stream"
        }
    }

    @Test func missingFileIsNoInput() {
        #expect { _ = try VideoSource(url: "/nonexistent/clip.mp4") } throws: { e in
            (e as? FFmpegError)?.exitStatus == .noInput
        }
    }

    @Test func truncatedFileDecodesWhatIsThere() throws {
        let (frames, _) = try decodeAll("truncated.ts")
        #expect(frames.count > 100 && frames.count < 300)
    }

    @Test func bitFlippedFileIsDecodedToTheEndAndCounted() throws {
        let (frames, source) = try decodeAll("bitflipped.ts")
        #expect(frames.count >= 250)
        #expect(frames.last!.mediaTime > 11.5)
        let s = source.stats
        #expect(s.decodeErrors + s.corruptFrames + s.readErrors > 0)
    }

    @Test func passwordsNeverAppearInErrors() {
        var o = SourceOptions()
        o.openTimeout = 3
        do {
            _ = try VideoSource(url: "rtsp://admin:hunter2@127.0.0.1:1/stream", options: o)
            Issue.record("opened a closed port")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
            #expect("\(error)".contains("admin:***@127.0.0.1"))
        }
    }

    @Test func analysisSizeKeepsAspectAndNeverUpscales() {
        #expect(VideoSource.analysisSize(width: 1920, height: 1080, targetHeight: 120) == (212, 120))
        #expect(VideoSource.analysisSize(width: 640, height: 360, targetHeight: 120) == (212, 120))
        #expect(VideoSource.analysisSize(width: 320, height: 100, targetHeight: 180) == (320, 100))
    }
}
