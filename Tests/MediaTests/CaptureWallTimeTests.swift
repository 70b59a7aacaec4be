import Foundation
import Testing
import TestSupport
import VigilCore
@testable import Media

/// `DecodedFrame.captureWallTime` against GStreamer's RTSP server on 127.0.0.1 (scripts/testbed/rtsp_server.py,
/// `/test`: a live 25 fps pattern whose RTP sessions send RTCP sender reports): once the first sender report
/// has come, every frame carries the sender's wall clock, 40 ms apart like the pts, and a frame arrives a
/// little after it was sent (server and client share this machine's clock). Files have no wall clock.
@Suite struct CaptureWallTimeTests {
    static func realtime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    @Test func filesHaveNoWallClock() throws {
        let source = try VideoSource(url: Fixtures.path("boxes.mp4"))
        var n = 0
        while n < 30, let f = try source.next(into: nil) { #expect(f.captureWallTime == nil); n += 1 }
        #expect(n == 30)
    }

    @Test(.enabled(if: RTSPTestServer.isAvailable, "GStreamer's RTSP server is not installed"), arguments: [("tcp", 0), ("udp", 0), ("tcp", 1)])
    func rtspFramesCarryTheSendersWallClock(_ transport: String, _ threads: Int) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-wall-\(getpid())-\(transport)-\(threads)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try RTSPTestServer(directory: dir)
        var o = SourceOptions()
        o.openTimeout = 10
        o.readTimeout = 10
        o.formatOptions = ["rtsp_transport": transport]
        o.threads = threads
        let source = try VideoSource(url: server.url("test"), options: o)
        var frames: [(media: Double, wall: Double?, arrival: Double)] = []
        let start = Self.realtime()
        // Until 50 frames with a wall clock, or 15 s (GStreamer's first sender report comes after 1–4 s).
        while Self.realtime() - start < 15, frames.filter({ $0.wall != nil }).count < 50,
              let f = try source.next(into: nil) {
            frames.append((f.mediaTime, f.captureWallTime, Self.realtime()))
        }
        let mapped = frames.filter { $0.wall != nil }
        #expect(mapped.count >= 50, "\(transport): \(mapped.count) of \(frames.count) frames with a wall clock")
        guard let first = frames.firstIndex(where: { $0.wall != nil }) else { return }
        #expect(frames[first...].allSatisfy { $0.wall != nil }, "the mapping went away again")
        // Wall clock and media time advance together (both come from the RTP timestamps). A repeated pts (B-frames
        // stamped in decode order) keeps its wall clock while MediaTimeline moves its media time on by 1 ms.
        for (a, b) in zip(mapped, mapped.dropFirst()) {
            #expect(abs((b.wall! - a.wall!) - (b.media - a.media)) < 0.0015)
        }
        // Sent before it arrived, and not long before: a wrong origin would be off by seconds (the RTP
        // timestamp's random start) or by decades (NTP's 1900 epoch). Frames read while the stream is probed at
        // open come out up to ~1 s late; FFmpeg's frame-threaded H.264 decoding holds a frame or two more.
        let delays = mapped.map { $0.arrival - $0.wall! }.sorted()
        #expect(delays.first! > -0.05 && delays.last! < 2, "\(transport): delays \(delays.first!)…\(delays.last!) s")
        let p50 = delays[delays.count / 2], p99 = delays[min(delays.count - 1, delays.count * 99 / 100)]
        print("capture→decoded over \(transport), decoder threads \(threads == 0 ? "auto" : String(threads)): \(mapped.count) frames, first wall clock at frame \(first) "
              + "(\(String(format: "%.2f", frames[first].arrival - start)) s after open), delay min "
              + "\(String(format: "%.1f", delays.first! * 1000)) p50 \(String(format: "%.1f", p50 * 1000)) p99 "
              + "\(String(format: "%.1f", p99 * 1000)) max \(String(format: "%.1f", delays.last! * 1000)) ms")
    }
}
