import Foundation
import Media
import Testing
import TestSupport

/// `MediaTimeline`: frames are dated by their own timestamps, never by the declared frame rate.
@Suite struct MediaTimelineTests {
    /// The pts ffprobe shows for issue 16's stream (x264 B-frames that GStreamer stamped 40 ms apart in decode
    /// order; FFmpeg's best-effort timestamp repeats one now and then): one repeated pts must not push the time
    /// ahead at a declared 10 fps for the rest of the stream.
    @Test func aRepeatedPtsDoesNotRunTheClockAhead() {
        var timeline = MediaTimeline(fileInterval: 0.1)  // the headers declare 10 fps
        var pts: [Double?] = [nil, 0.04, 0.08, 0.16, 0.16]
        pts += (5..<250).map { Double($0) * 0.04 }
        let times = pts.map { timeline.time(pts: $0, arrival: nil) }
        for (a, b) in zip(times, times.dropFirst()) { #expect(b > a) }
        #expect(abs(times[4] - 0.161) < 1e-9, "the repeated pts moves on by 1 ms")
        #expect(abs(times.last! - 249 * 0.04) < 1e-9, "\(times.last!)")
    }

    @Test func reorderedPtsKeepTheStreamsRate() {
        // Display order of I P B B with decode-order stamps: 0, 0.08, 0.12, 0.04, 0.2, 0.24, 0.16, …
        var timeline = MediaTimeline(fileInterval: 0.1)
        var pts: [Double] = []
        for g in 0..<100 { let b = Double(g) * 0.12; pts += [b + 0.08, b + 0.12, b + 0.04] }
        let times = pts.map { timeline.time(pts: $0, arrival: nil) }
        for (a, b) in zip(times, times.dropFirst()) { #expect(b > a) }
        #expect(abs(times.last! - pts.max()!) < 0.002, "300 frames of 40 ms span 12 s, not 30")
    }

    @Test func liveFramesWithoutPtsAreDatedByArrival() {
        var timeline = MediaTimeline(fileInterval: 0.1)
        let arrivals = [100.0, 100.04, 100.09, 100.12]
        let times = arrivals.map { timeline.time(pts: nil, arrival: $0) }
        #expect(zip(times, [0, 0.04, 0.09, 0.12]).allSatisfy { abs($0 - $1) < 1e-9 }, "\(times)")
    }

    @Test func fileFramesWithoutPtsFollowTheDeclaredRate() {
        var timeline = MediaTimeline(fileInterval: 0.04)
        let times = (0..<4).map { _ in timeline.time(pts: nil, arrival: nil) }
        #expect(zip(times, [0, 0.04, 0.08, 0.12]).allSatisfy { abs($0 - $1) < 1e-9 }, "\(times)")
    }

    @Test func aSenderClockRestartIsANewEpochNotAFreeze() {
        var timeline = MediaTimeline(fileInterval: 0.1)
        var times = [(50.0, 1.0), (50.04, 1.04), (0.0, 1.08), (0.04, 1.12)].map { timeline.time(pts: $0.0, arrival: $0.1) }
        times.append(timeline.time(pts: 0.08, arrival: 1.16))
        let expected = [50, 50.04, 50.08, 50.12, 50.16]
        #expect(zip(times, expected).allSatisfy { abs($0 - $1) < 1e-9 }, "\(times)")
    }
}

/// Issue 16's stream for real: vtest.avi re-encoded by libx264 (headers: 10 fps; B-frames), served by GStreamer's
/// RTSP server on 127.0.0.1 at 25 fps. Media times advance 40 ms a frame, and no frame is dated after it arrived.
@Suite(.enabled(if: RTSPTestServer.isAvailable && Fixtures.vtestH264 != nil,
                "needs GStreamer's RTSP server and VIGIL_OPENCV_DATA (scripts/fetch-test-images.sh)"))
struct DeclaredRateStreamTests {
    @Test func mediaTimeFollowsTheSentTimestampsNotTheDeclaredRate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-declared-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try RTSPTestServer(directory: dir, clip: Fixtures.vtestH264!)
        var o = SourceOptions()
        o.openTimeout = 10
        o.readTimeout = 10
        o.formatOptions = ["rtsp_transport": "tcp"]
        o.arrivalClock = { CaptureWallTimeTests.realtime() }
        let source = try VideoSource(url: server.url("file"), options: o)
        #expect(abs(source.info.framesPerSecond - 10) < 0.01, "the headers' rate: \(source.info.framesPerSecond)")
        var frames: [(media: Double, wall: Double?, arrival: Double)] = []
        while frames.count < 150, let f = try source.next(into: nil) {
            frames.append((f.mediaTime, f.captureWallTime, CaptureWallTimeTests.realtime()))
        }
        #expect(frames.count == 150)
        let span = frames.last!.media - frames.first!.media
        #expect(abs(span - 149 * 0.04) < 0.2, "150 frames sent at 25 fps span \(span) s of media time")
        let early = frames.compactMap { f in f.wall.map { f.arrival - $0 } }.filter { $0 < -0.05 }
        #expect(early.count == 0, "\(early.count) frames dated after they arrived, by up to \(-(early.min() ?? 0)) s")
        #expect(frames.contains { $0.wall != nil }, "no RTCP sender report in 150 frames")
    }
}
