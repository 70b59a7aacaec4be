import Testing
import VigilCore
@testable import Motion

@Suite struct MotionMaskTests {
    /// A square blinking inside the mask is ignored; the same square outside is found; a change of the
    /// mask between frames (a reload) applies from the next frame.
    @Test func maskedChangesAreIgnored() {
        var rng = LCG(state: 11)
        typealias P = PolygonMask.Point
        var p = MotionParameters()
        p.mask = PolygonMask([[P(0, 0), P(480, 0), P(480, 240), P(0, 240)]])  // analysis x < 60, y < 30
        let d = MotionDetector(width: 160, height: 90, parameters: p)
        _ = d.process(frame(rng: &rng), sourceWidth: 1280, sourceHeight: 720)
        for i in 0..<10 {
            let v: UInt8 = i % 2 == 0 ? 220 : 40
            let r = d.process(frame([(x: 10, y: 5, w: 30, h: 15, v: v)], rng: &rng), sourceWidth: 1280, sourceHeight: 720)
            #expect(!r.hasMotion, "frame \(i): \(r.regions)")
        }
        // Outside the mask, in the same frames as a masked change: only the outside one is a region.
        let r = d.process(frame([(x: 10, y: 5, w: 30, h: 15, v: 220), (x: 100, y: 50, w: 12, h: 12, v: 220)], rng: &rng),
                          sourceWidth: 1280, sourceHeight: 720)
        #expect(r.regions.count == 1)
        #expect((r.regions.first?.box.x1 ?? 0) >= 90 * 8)
        // Reload without the mask: the blinking square is motion again.
        d.parameters.mask = PolygonMask()
        _ = d.process(frame(rng: &rng), sourceWidth: 1280, sourceHeight: 720)
        let again = d.process(frame([(x: 10, y: 5, w: 30, h: 15, v: 220)], rng: &rng), sourceWidth: 1280, sourceHeight: 720)
        #expect(again.hasMotion)
    }

    /// A lighting change is judged on the watched pixels: half the frame masked, the other half changing
    /// wholly is a lighting change, not motion.
    @Test func lightingChangeCountsWatchedPixelsOnly() {
        var rng = LCG(state: 12)
        typealias P = PolygonMask.Point
        var p = MotionParameters()
        p.mask = PolygonMask([[P(0, 0), P(640, 0), P(640, 720), P(0, 720)]])  // left half
        let d = MotionDetector(width: 160, height: 90, parameters: p)
        _ = d.process(frame(rng: &rng), sourceWidth: 1280, sourceHeight: 720)
        let r = d.process(frame([(x: 80, y: 0, w: 80, h: 90, v: 200)], rng: &rng), sourceWidth: 1280, sourceHeight: 720)
        #expect(r.lightingChange)
        #expect(!r.hasMotion)
    }
}
