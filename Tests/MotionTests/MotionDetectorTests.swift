import Testing
import VigilCore
@testable import Motion

/// Deterministic noise for synthetic frames.
struct LCG {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
    mutating func noise(_ amplitude: Int) -> Int { Int(next() % UInt64(2 * amplitude + 1)) - amplitude }
}

/// A 160×90 grey frame: background level 40 with noise, plus filled rectangles.
func frame(_ rects: [(x: Int, y: Int, w: Int, h: Int, v: UInt8)] = [], level: Int = 40, noise: Int = 6,
           rng: inout LCG) -> PixelBuffer {
    let b = PixelBuffer(width: 160, height: 90, format: .gray8)
    for y in 0..<90 {
        for x in 0..<160 { b.data[y * b.stride + x] = UInt8(clamping: level + rng.noise(noise)) }
    }
    for r in rects {
        for y in max(0, r.y)..<min(90, r.y + r.h) {
            for x in max(0, r.x)..<min(160, r.x + r.w) { b.data[y * b.stride + x] = r.v }
        }
    }
    return b
}

@Suite struct MotionDetectorTests {
    @Test func stillNoisySceneHasNoMotion() {
        var rng = LCG(state: 1)
        let d = MotionDetector(width: 160, height: 90, parameters: MotionParameters())
        for _ in 0..<50 {
            let r = d.process(frame(rng: &rng), sourceWidth: 1280, sourceHeight: 720)
            #expect(!r.hasMotion)
            #expect(!r.lightingChange)
        }
    }

    @Test func aSquareIsFoundWhereItIsInSourcePixels() throws {
        var rng = LCG(state: 2)
        let d = MotionDetector(width: 160, height: 90, parameters: MotionParameters())
        _ = d.process(frame(rng: &rng), sourceWidth: 1280, sourceHeight: 720)
        let r = d.process(frame([(x: 40, y: 20, w: 12, h: 10, v: 200)], rng: &rng), sourceWidth: 1280, sourceHeight: 720)
        #expect(r.regions.count == 1)
        let box = try #require(r.regions.first?.box)
        // The square covers analysis x 40..<52, y 20..<30; blur and dilation widen it by at most 3 px a side.
        #expect(box.x1 >= 37 * 8 && box.x1 <= 40 * 8)
        #expect(box.x2 >= 52 * 8 && box.x2 <= 55 * 8)
        #expect(box.y1 >= 17 * 8 && box.y1 <= 20 * 8)
        #expect(box.y2 >= 30 * 8 && box.y2 <= 33 * 8)
        #expect(r.regions[0].changedPixels >= 100)
    }

    @Test func regionsBelowTheMinimumAreaAreIgnored() {
        var rng = LCG(state: 3)
        var p = MotionParameters()
        p.minRegionArea = 0.005  // 72 changed pixels of 14400
        let d = MotionDetector(width: 160, height: 90, parameters: p)
        _ = d.process(frame(rng: &rng), sourceWidth: 160, sourceHeight: 90)
        let small = d.process(frame([(x: 10, y: 10, w: 5, h: 5, v: 220)], rng: &rng), sourceWidth: 160, sourceHeight: 90)
        #expect(!small.hasMotion)
        #expect(small.changedFraction > 0)
        let big = d.process(frame([(x: 10, y: 10, w: 12, h: 12, v: 220)], rng: &rng), sourceWidth: 160, sourceHeight: 90)
        #expect(big.regions.count == 1)
    }

    @Test func separateObjectsAreSeparateRegionsLargestFirst() {
        var rng = LCG(state: 4)
        let d = MotionDetector(width: 160, height: 90, parameters: MotionParameters())
        _ = d.process(frame(rng: &rng), sourceWidth: 160, sourceHeight: 90)
        let r = d.process(frame([(x: 10, y: 10, w: 8, h: 8, v: 220), (x: 100, y: 50, w: 20, h: 20, v: 220)],
                                rng: &rng), sourceWidth: 160, sourceHeight: 90)
        #expect(r.regions.count == 2)
        #expect(r.regions[0].box.x1 >= 95)   // the 20×20 one first
        #expect(r.regions[1].box.x2 <= 22)
    }

    @Test func wholeFrameChangeIsLightingNotMotion() {
        var rng = LCG(state: 5)
        let d = MotionDetector(width: 160, height: 90, parameters: MotionParameters())
        _ = d.process(frame(rng: &rng), sourceWidth: 160, sourceHeight: 90)
        let lit = d.process(frame(level: 160, rng: &rng), sourceWidth: 160, sourceHeight: 90)
        #expect(lit.lightingChange)
        #expect(!lit.hasMotion)
        // The background was re-learnt: the bright still scene is quiet afterwards.
        let after = d.process(frame(level: 160, rng: &rng), sourceWidth: 160, sourceHeight: 90)
        #expect(!after.hasMotion && !after.lightingChange)
    }

    @Test func aStoppedObjectFadesIntoTheBackground() {
        var rng = LCG(state: 6)
        var p = MotionParameters()
        p.backgroundAlpha = 0.1
        let d = MotionDetector(width: 160, height: 90, parameters: p)
        _ = d.process(frame(rng: &rng), sourceWidth: 160, sourceHeight: 90)
        var moving = 0
        for _ in 0..<60 {
            if d.process(frame([(x: 50, y: 30, w: 15, h: 15, v: 200)], rng: &rng), sourceWidth: 160,
                         sourceHeight: 90).hasMotion { moving += 1 }
        }
        #expect(moving > 5 && moving < 40)
    }
}

@Suite struct MotionEventsTests {
    let still = MotionResult(regions: [], changedFraction: 0, lightingChange: false)
    let moving = MotionResult(regions: [MotionRegion(box: Box(x1: 1, y1: 2, x2: 3, y2: 4), changedPixels: 10)],
                              changedFraction: 0.01, lightingChange: false)

    func run(_ pattern: String, minFrames: Int = 3, gap: Double = 0.2) -> [Alert] {
        var p = MotionParameters()
        p.minFrames = minFrames
        p.eventGapSeconds = gap
        var e = MotionEvents(camera: "c", clock: .media(start: 100), parameters: p)
        var out: [Alert] = []
        for (i, ch) in pattern.enumerated() {
            out += e.update(ch == "M" ? moving : still, frame: i, mediaTime: Double(i) * 0.04)
        }
        return out + e.finish()
    }

    @Test func shortFlickerStartsNothing() {
        #expect(run("..M..MM..M.MM...").isEmpty)
    }

    @Test func startIsDatedAtTheRunsFirstFrame() {
        let a = run("...MMMM" + String(repeating: ".", count: 10))
        #expect(a.map(\.event) == ["motion_start", "motion_end"])
        #expect(a[0].frame == 3)
        #expect(a[0].timestamp == 100 + 0.12)
        #expect(a[1].frame == 6)
        #expect(a[0].box == Box(x1: 1, y1: 2, x2: 3, y2: 4))
    }

    @Test func gapsShorterThanTheEventGapKeepOneEvent() {
        // 0.2 s gap = 5 frames at 25 fps; a 3-frame pause does not end the event.
        let a = run("MMMM...MMMM" + String(repeating: ".", count: 8))
        #expect(a.map(\.event) == ["motion_start", "motion_end"])
        #expect(a[1].frame == 10)
        let b = run("MMMM.......MMMM" + String(repeating: ".", count: 8))
        #expect(b.map(\.event) == ["motion_start", "motion_end", "motion_start", "motion_end"])
    }

    @Test func openEventEndsAtFinish() {
        let a = run("..MMMMMMMM")
        #expect(a.map(\.event) == ["motion_start", "motion_end"])
        #expect(a[1].frame == 9)
    }

    @Test func lightingChangeNeitherStartsNorEnds() {
        var p = MotionParameters()
        p.minFrames = 2
        p.eventGapSeconds = 0.1
        var e = MotionEvents(camera: "c", clock: .media(start: 0), parameters: p)
        let light = MotionResult(regions: [], changedFraction: 0.9, lightingChange: true)
        var out: [Alert] = []
        out += e.update(moving, frame: 0, mediaTime: 0)
        out += e.update(moving, frame: 1, mediaTime: 0.04)
        for i in 2..<10 { out += e.update(light, frame: i, mediaTime: Double(i) * 0.04) }
        #expect(out.map(\.event) == ["motion_start"])
    }
}
