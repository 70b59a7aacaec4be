import Config
import Foundation
import Logging
import Pipeline
import Service
import Sinks
import Synchronization
import Testing
import TestSupport

/// Issue 16: a camera whose stream declares 10 fps but is sent at 25 (opencv-doc's vtest.avi re-encoded by
/// libx264, served by GStreamer's RTSP server on 127.0.0.1 `/file`) analyses `detect.fps` frames per second of
/// the frames' own timestamps. Decimation reads only media times, so the share of frames scaled for analysis
/// (analysed + dropped) is 10 in 25 however fast the machine is; it was every frame.
@Suite(.enabled(if: RTSPTestServer.isAvailable && Fixtures.vtestH264 != nil,
                "needs GStreamer's RTSP server and VIGIL_OPENCV_DATA (scripts/fetch-test-images.sh)"))
struct DeclaredRateDecimationTests {
    @Test func decimatesByTimestampsNotByTheDeclaredRate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-decimate-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try RTSPTestServer(directory: dir, clip: Fixtures.vtestH264!)
        let sink = AlertHub(record: MemorySink())
        let options = LiveCameraOptions(name: "vtest", url: server.url("file"))
        var cam = CameraConfig(name: "vtest", url: options.url)
        cam.detect.fps = 10
        let camera = LiveCamera(options: options, settings: CameraSettings(cam), hub: sink,
                                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        camera.start()
        let m = camera.metrics
        let enough = waitUntil(timeout: 60) { m.framesDecoded.load(ordering: .relaxed) >= 200 }
        camera.stop()
        #expect(camera.join(timeout: 10))
        #expect(enough, "decoded \(m.framesDecoded.load(ordering: .relaxed)) frames")
        // Frames received: decoded, plus the non-reference frames the decimation let the decoder skip.
        let received = m.framesDecoded.load(ordering: .relaxed) + m.framesNotDecoded.load(ordering: .relaxed)
        let skipped = m.framesSkipped.load(ordering: .relaxed)
        let scaled = received - skipped
        #expect(m.framesAnalyzed.load(ordering: .relaxed) > 0)
        let share = Double(scaled) / Double(max(1, received))
        #expect(abs(share - 0.4) < 0.04, "\(scaled) of \(received) frames went to analysis: \(share), want 10 in 25")
        // GStreamer's test server stamps every packet's pts in decode order (pts = dts), so where a B-frame
        // would come out is unknown: such a stream is decoded whole, to keep frame numbers exact
        // (SkipNonReferenceTests covers both this and the skip on a stream with presentation stamps).
        #expect(m.framesNotDecoded.load(ordering: .relaxed) == 0)
        // The stage timers saw the ingest and analysis threads work (detection: no detector configured here).
        let st = m.stages
        #expect(st.seconds(.decode) > 0 && st.seconds(.scale) > 0 && st.seconds(.motion) > 0 && st.seconds(.sinks) > 0)
        #expect(st.seconds(.detection) == 0)
    }
}
