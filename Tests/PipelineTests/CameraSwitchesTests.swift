@testable import Analysis
import Config
import Detection
import Pipeline
import Testing
import Tracking
import VigilCore

/// The run-time switches (MQTT `…/motion/set`, `…/detect/set`) take effect on the next frame the analysis reads.
struct CameraSwitchesTests {
    /// 160×120 grey frames at 25 fps: still, then a bright square sliding across (frames 20…39), then still again.
    static func frame(_ i: Int) -> Frame {
        let g = PixelBuffer(width: 160, height: 120, format: .gray8)
        if (20..<40).contains(i) {
            let x0 = 10 + (i - 20) * 6
            for y in 40..<70 { for x in x0..<(x0 + 30) { g.data[y * g.stride + x] = 230 } }
        }
        return Frame(camera: CameraID("cam"), index: i, mediaTime: Double(i) / 25, sourceWidth: 160, sourceHeight: 120, gray: g)
    }

    /// Runs 80 frames; `flip(i, switches)` may change the switches before frame i is analysed.
    static func analyzer() -> CameraAnalyzer {
        var settings = AnalysisSettings()
        settings.motion.frameHeight = 120
        settings.motion.eventGapSeconds = 1
        settings.tamper.enabled = false
        return CameraAnalyzer(camera: CameraID("cam"), clock: .media(start: 0), settings: settings, detection: nil)
    }

    static func run(_ flip: (Int, CameraSwitches) -> Void) -> [Alert] {
        let a = analyzer()
        let sw = CameraSwitches()
        a.switches = sw
        var out: [Alert] = []
        for i in 0..<80 {
            flip(i, sw)
            out += a.analyze(frame(i)).alerts
        }
        return out + a.finish()
    }

    @Test func motionSwitchHoldsBackAlertsFromTheNextFrame() throws {
        let on = Self.run { _, _ in }
        let start = try #require(on.first { $0.event == "motion_start" })
        #expect(on.map(\.event) == ["motion_start", "motion_end"])
        // Off exactly before the frame whose analysis raises motion_start: nothing goes out, not even its end.
        let starting = Self.firstAlertFrame()
        #expect(starting > 20 && start.frame <= starting)
        #expect(Self.run { i, s in if i == starting { s.motion = false } }.isEmpty)
        // Off one frame later: the start went out, so its end does too (no event left open on a dashboard).
        #expect(Self.run { i, s in if i == starting + 1 { s.motion = false } }.map(\.event) == ["motion_start", "motion_end"])
        // Back on mid-event: the held-back event stays held back; the next one goes out.
        #expect(Self.run { i, s in s.motion = i > starting + 3 }.isEmpty)
    }

    /// The index of the frame whose analysis returns motion_start (with the switch on).
    static func firstAlertFrame() -> Int {
        let a = analyzer()
        for i in 0..<80 where a.analyze(frame(i)).alerts.contains(where: { $0.event == "motion_start" }) { return i }
        return -1
    }

    /// Detection off: the detector is not called from the next frame on; on again: called on the next frame.
    @Test func detectSwitchSkipsTheDetectorFromTheNextFrame() {
        let detector = SceneDetector(label: "face")
        detector.show([Box(x1: 40, y1: 30, x2: 80, y2: 70)])
        var settings = AnalysisSettings()
        settings.motion.frameHeight = 120
        settings.tamper.enabled = false
        settings.detect.motionGating = false
        let stage = DetectionStage(detector: detector, camera: CameraID("cam"), clock: .media(start: 0),
                                   detect: settings.detect, track: TrackerSettings())
        let a = CameraAnalyzer(camera: CameraID("cam"), clock: .media(start: 0), settings: settings, detection: stage)
        let sw = CameraSwitches()
        a.switches = sw
        let rgb = PixelBuffer(width: 160, height: 120, format: .rgb24)
        var calls: [Int] = []
        var alerts: [Alert] = []
        for i in 0..<15 {
            sw.detect = !(5..<10).contains(i)
            var f = Self.frame(i)
            f.rgb = rgb
            alerts += a.analyze(f).alerts
            calls.append(detector.searched.withLock { $0.count })
        }
        #expect(calls == [1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 6, 7, 8, 9, 10])
        #expect(alerts.filter { $0.event == "object_enter" }.count == 1, "the held track is not entered twice")
    }
}
