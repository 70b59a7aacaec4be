@testable import Analysis
import Config
import Testing
import VigilCore
@testable import Pipeline

/// Masks reload like the other analysis settings (`CameraAnalyzer.apply`, what SIGHUP calls): from the next
/// frame, without losing the background or an open event.
@Suite struct MaskReloadTests {
    /// A 160×90 analysis frame of a 640×360 source: flat grey 40, plus a square at analysis (8…27, 6…19)
    /// that blinks between 40 and 220 on odd frames (an on-screen clock's digits).
    func frame(_ i: Int) -> Frame {
        let g = PixelBuffer(width: 160, height: 90, format: .gray8)
        for y in 0..<90 {
            for x in 0..<160 {
                let blink = x >= 8 && x < 28 && y >= 6 && y < 20 && i % 2 == 1
                g.data[y * g.stride + x] = blink ? 220 : 40
            }
        }
        return Frame(camera: CameraID("cam"), index: i, mediaTime: Double(i) / 10, sourceWidth: 640, sourceHeight: 360, gray: g)
    }

    @Test func motionMaskAppliesFromTheNextFrame() {
        var masked = AnalysisSettings()
        masked.tamper.enabled = false
        masked.motion.minFrames = 2
        masked.motion.eventGapSeconds = 0.5
        masked.motion.mask = PolygonMask([[.init(0, 0), .init(160, 0), .init(160, 100), .init(0, 100)]])  // the square, in source pixels
        var open = masked
        open.motion.mask = PolygonMask()
        let a = CameraAnalyzer(camera: CameraID("cam"), clock: .media(start: 0), settings: masked, detection: nil)
        var events: [(Int, String)] = []
        for i in 0..<100 {
            if i == 30 { a.apply(open) }
            if i == 60 { a.apply(masked) }
            events += a.analyze(frame(i)).alerts.map { (i, $0.event) }
        }
        #expect(events.map(\.1) == ["motion_start", "motion_end"], "\(events)")
        // Starts two frames after the mask went (min_frames 2), ends half a second after it came back.
        #expect((31...33).contains(events.first?.0 ?? -1), "\(events)")
        #expect((63...67).contains(events.last?.0 ?? -1), "\(events)")
    }
}
