import Testing
import VigilCore

@Suite struct PolygonMaskTests {
    /// The raster and the point test agree on every pixel centre, for convex, concave and overlapping polygons
    /// at several scales (including sizes that do not divide evenly).
    @Test(arguments: [(160, 90, 1280, 720), (213, 120, 640, 360), (97, 61, 768, 576)])
    func rasterAgreesWithThePointTest(_ w: Int, _ h: Int, _ sw: Int, _ sh: Int) {
        typealias P = PolygonMask.Point
        let mask = PolygonMask([
            [P(0, 0), P(200, 0), P(200, 40), P(0, 40)],                                  // a clock's corner
            [P(300, 100), P(500, 150), P(420, 330), P(380, 200), P(310, 300)],           // concave
            [P(150, 20), P(260, 20), P(260, 120), P(150, 120)],                          // overlaps the first
            [P(-50, 500), P(100, 450), P(90, 900)],                                      // partly outside
        ])
        let out = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: w * h)
        defer { out.deallocate() }
        mask.rasterise(width: w, height: h, sourceWidth: sw, sourceHeight: sh, into: out)
        let sx = Double(sw) / Double(w), sy = Double(sh) / Double(h)
        var mismatches = 0, inside = 0
        for y in 0..<h {
            for x in 0..<w {
                let want = mask.contains(x: (Double(x) + 0.5) * sx, y: (Double(y) + 0.5) * sy)
                if want != (out[y * w + x] == 1) { mismatches += 1 }
                if want { inside += 1 }
            }
        }
        #expect(mismatches == 0)
        #expect(inside > w * h / 20)  // the polygons do cover something
    }

    @Test func bottomCentreTest() {
        typealias P = PolygonMask.Point
        let m = PolygonMask([[P(0, 0), P(100, 0), P(100, 50), P(0, 50)]])
        #expect(m.contains(x: 50, y: 25))
        #expect(!m.contains(x: 150, y: 25))
        #expect(!m.contains(x: 50, y: 60))
        #expect(!PolygonMask().contains(x: 0, y: 0))
    }
}

