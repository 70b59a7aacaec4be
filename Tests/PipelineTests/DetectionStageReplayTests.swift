@testable import Analysis
import Config
import Foundation
import Testing
import TestSupport
import VigilCore
@testable import Pipeline

/// Motion-gated detection through the real replay chain (decode, motion, BlazeFace, tracker) on a clip made
/// from a real face (opencv-doc's face_swapped.jpg, fetched by scripts/fetch-test-images.sh; runs when
/// VIGIL_OPENCV_DATA names its folder): 640×360, 5 fps, 12 s; the face is still at (40,60) until t = 4 s
/// while a grey box moves elsewhere (t = 1…3 s), slides right to x = 280 over t = 4…7 s, then stays.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil))
struct DetectionStageReplayTests {
    static let clip: String = {
        let data = ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"]!
        let path = makeTemporaryDirectory("gated-face").appendingPathComponent("face.mp4").path
        let made = run("/usr/bin/ffmpeg", [
            "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x506070:s=640x360:r=5:d=12",
            "-i", data + "/face_swapped.jpg", "-f", "lavfi", "-i", "color=c=0xC0C0C0:s=60x60:r=5:d=12",
            "-filter_complex",
            "[1]crop=180:180:75:57[f];[0][f]overlay=x='if(lt(t,4),40,if(lt(t,7),40+80*(t-4),280))':y=60[a];"
                + "[a][2]overlay=x='if(between(t,1,3),400+60*(t-1),-1000)':y=260",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-threads", "1", path])
        precondition(made.status == 0, made.stderr)
        return path
    }()

    func replay(gated: Bool) throws -> (alerts: [Alert], inferences: Int, stats: RunStats) {
        var options = ReplayOptions(input: Self.clip, camera: "face")
        options.analysis.detect.models = ["blazeface_short_128"]
        options.analysis.detect.motionGating = gated
        options.track.kind = .byte
        options.track.minHits = 2
        options.track.maxAge = 2     // far shorter than the 25 frames between two full-frame passes
        let bank = try DetectorBank.load(detect: options.analysis.detect,
                                         modelsDirectory: Fixtures.repoRoot.appendingPathComponent("samples/models"),
                                         pool: InferencePool(maxInFlight: 2))
        options.detectors = bank
        let sink = MemorySink()
        let stats = try ReplayPipeline.run(options, sink: sink)
        return (sink.alerts.filter { $0.event.hasPrefix("object_") }, bank.pool.stats.inferences, stats)
    }

    @Test func oneTrackStillMovingStillWithFewerInferencesThanEveryFrame() throws {
        let gated = try replay(gated: true), every = try replay(gated: false)
        let summary = gated.alerts.map { "\($0.event) \($0.trackID ?? 0) \($0.frame) \($0.label ?? "")" }
        #expect(summary == ["object_enter 1 1 face", "object_exit 1 59 face"])
        #expect(every.alerts.map { "\($0.event) \($0.trackID ?? 0) \($0.frame) \($0.label ?? "")" } == summary)
        #expect(every.inferences == 60)
        // Motion here is not sparse: after the face moves, the motion detector sees its ghost at the old place and
        // the newly still face at the new one until the background learns them (≈ 14 s at background_alpha
        // 0.02), and gating searches there; still fewer inferences than every frame.
        #expect(gated.inferences < every.inferences, "\(gated.inferences) inferences")
        #expect(gated.stats.framesAnalyzed == 60)
        // where the face moved, the box followed it (the last box is where it stopped: x ≈ 280 + 31)
        #expect((gated.alerts.last?.box?.x1 ?? 0) > 250)
        #expect(try replay(gated: true).alerts.map { $0.jsonLine() } == gated.alerts.map { $0.jsonLine() })
    }
}
