import Testing
import VigilCore
@testable import Media

/// The annotation layers land where the scene says, in their colours.
@Suite struct AnnotationRendererTests {
    func grey(_ w: Int, _ h: Int) -> PixelBuffer {
        let p = PixelBuffer(width: w, height: h, format: .rgb24)
        for y in 0..<h { for x in 0..<(3 * w) { p.data[y * p.stride + x] = 100 } }
        return p
    }

    func at(_ p: PixelBuffer, _ x: Int, _ y: Int) -> (Int, Int, Int) {
        let o = y * p.stride + 3 * x
        return (Int(p.data[o]), Int(p.data[o + 1]), Int(p.data[o + 2]))
    }

    /// A 640×360 picture of a 1280×720 source: every coordinate halves.
    @Test func layersAtTheirPlaces() {
        typealias P = PolygonMask.Point
        var s = AnnotationScene(sourceWidth: 1280, sourceHeight: 720)
        s.zones = [.init(name: "lower", polygon: PolygonMask([[P(0, 360), P(1280, 360), P(1280, 720), P(0, 720)]]), occupancy: 1),
                   .init(name: "upper", polygon: PolygonMask([[P(0, 0), P(1280, 0), P(1280, 200), P(0, 200)]]), occupancy: 0)]
        s.lines = [.init(name: "gate", from: P(0, 500), to: P(1280, 500), crossed: true, counts: (2, 1))]
        s.motion = [Box(x1: 400, y1: 220, x2: 600, y2: 320)]
        s.objects = [.init(id: 3, box: Box(x1: 800, y1: 400, x2: 900, y2: 640), caption: "#3 person",
                           trail: [P(600, 700), P(700, 680)], lost: false)]
        s.text = ["frame 12"]
        let p = grey(640, 360)
        AnnotationRenderer.draw(s, on: p)
        // Occupied zone: tinted red inside (away from its outline and label); the empty one barely green.
        let lower = at(p, 320, 220)
        #expect(lower.0 > 130 && lower.1 < 100 && lower.2 < 100, "\(lower)")
        let upper = at(p, 320, 60)
        #expect(upper.1 > upper.0 && upper.0 < 100, "\(upper)")
        // The crossed line, at y = 250, highlighted magenta.
        let line = at(p, 100, 250)
        #expect(line == (255, 40, 200), "\(line)")
        // Motion region outline (yellow) on its left edge: x = 200, y 110…159.
        #expect(at(p, 200, 140) == (255, 214, 0))
        // Track 3 in its palette colour on its left edge (x = 400), and its trail from (300, 350) on.
        let trackColor = AnnotationRenderer.palette[2]
        let edge = at(p, 400, 280)
        #expect(edge == (Int(trackColor.r), Int(trackColor.g), Int(trackColor.b)))
        let trail = at(p, 325, 345)
        #expect(trail == (Int(trackColor.r), Int(trackColor.g), Int(trackColor.b)), "\(trail)")
        // Header text: white pixels on a darkened band in the top-left corner.
        var white = 0
        for y in 2..<20 { for x in 2..<60 where at(p, x, y) == (255, 255, 255) { white += 1 } }
        #expect(white > 20)
        // Untouched: a pixel inside no zone, line, box or text keeps its grey.
        #expect(at(p, 620, 290) != (100, 100, 100))  // inside the occupied zone: tinted
        #expect(at(p, 620, 140) == (100, 100, 100))
    }
}
