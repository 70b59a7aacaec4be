import Testing
import TestSupport
import VigilCore
@testable import Rules

/// Point-in-polygon and line crossing: golden cases and properties checked on random input.
@Suite struct GeometryTests {
    let square = Polygon([Point(10, 10), Point(110, 10), Point(110, 60), Point(10, 60)])!

    @Test func squareGolden() {
        #expect(square.contains(Point(50, 30)))
        #expect(!square.contains(Point(5, 30)))
        #expect(!square.contains(Point(50, 61)))
        #expect(!square.contains(Point(200, 30)))
        #expect(square.area == 5000)
    }

    @Test func degeneratePolygonsAreRejected() {
        #expect(Polygon([Point(0, 0), Point(1, 1)]) == nil)
        #expect(Polygon([Point(0, 0), Point(1, 1), Point(2, 2)]) == nil)
        #expect(Polygon([Point(0, 0), Point(.nan, 1), Point(2, 0)]) == nil)
    }

    @Test func concaveGolden() {
        // A U shape: the notch between the arms is outside.
        let u = Polygon([Point(0, 0), Point(30, 0), Point(30, 30), Point(20, 30), Point(20, 10), Point(10, 10),
                         Point(10, 30), Point(0, 30)])!
        #expect(u.contains(Point(5, 20)))
        #expect(u.contains(Point(25, 20)))
        #expect(!u.contains(Point(15, 20)))
        #expect(u.contains(Point(15, 5)))
    }

    /// Property: for random rectangles, the polygon test equals the coordinate comparison (half-open on the
    /// top and bottom edges as the crossing rule has it), whatever vertex the outline starts at and in either
    /// winding.
    @Test func rectanglesMatchCoordinateTest() {
        var rng = SplitMix(seed: 11)
        func r(_ n: UInt64) -> Float { Float(rng.next() % n) }
        for _ in 0..<500 {
            let x1 = r(100), y1 = r(100), x2 = x1 + 1 + r(100), y2 = y1 + 1 + r(100)
            var pts = [Point(x1, y1), Point(x2, y1), Point(x2, y2), Point(x1, y2)]
            let rot = Int(rng.next() % 4)
            pts = Array(pts[rot...] + pts[..<rot])
            if rng.next() % 2 == 0 { pts.reverse() }
            let poly = Polygon(pts)!
            for _ in 0..<20 {
                let p = Point(r(220) - 10 + 0.5, r(220) - 10 + 0.5)
                let truth = p.x > x1 && p.x < x2 && p.y > y1 && p.y < y2
                #expect(poly.contains(p) == truth, "\(pts) \(p)")
            }
        }
    }

    /// Property: two polygons that split a rectangle along a shared edge never both hold a point, and together
    /// hold every interior point off the outer boundary.
    @Test func sharedEdgeBelongsToOneSide() {
        let left = Polygon([Point(0, 0), Point(50, 0), Point(50, 100), Point(0, 100)])!
        let right = Polygon([Point(50, 0), Point(100, 0), Point(100, 100), Point(50, 100)])!
        for y in stride(from: Float(1), to: 100, by: 7) {
            for x in stride(from: Float(1), to: 100, by: 0.5) {
                let p = Point(x, y)
                #expect(!(left.contains(p) && right.contains(p)))
                #expect(left.contains(p) || right.contains(p), "\(p)")
            }
        }
    }

    @Test func lineSidesAndDirections() {
        // A line drawn left to right across the picture: `left` is above it.
        let l = TripLine(from: Point(0, 100), to: Point(200, 100))!
        #expect(l.side(of: Point(50, 50)) == -1)
        #expect(l.side(of: Point(50, 150)) == 1)
        #expect(l.side(of: Point(50, 100)) == 0)
        #expect(l.crossing(from: Point(50, 50), to: Point(60, 150)) == .leftToRight)
        #expect(l.crossing(from: Point(60, 150), to: Point(50, 50)) == .rightToLeft)
        // Past the end of the segment: no crossing.
        #expect(l.crossing(from: Point(250, 50), to: Point(250, 150)) == nil)
        // Ending on the line is not a crossing yet.
        #expect(l.crossing(from: Point(50, 50), to: Point(50, 100)) == nil)
        #expect(TripLine(from: Point(1, 1), to: Point(1, 1)) == nil)
    }

    /// Property: a move crosses the segment exactly when the brute-force sampled path meets it, and reversing
    /// the move reverses the direction.
    @Test func crossingMatchesSampledPath() {
        var rng = SplitMix(seed: 5)
        func r() -> Float { Float(rng.next() % 400) / 2 + 0.25 }
        let line = TripLine(from: Point(40, 30), to: Point(160, 170))!
        var crossings = 0
        for _ in 0..<2000 {
            let p = Point(r(), r()), q = Point(r(), r())
            let d = line.crossing(from: p, to: q)
            let back = line.crossing(from: q, to: p)
            #expect((d == nil) == (back == nil))
            if let d, let back { #expect(d != back); crossings += 1 }
            // Brute force: segment intersection with parameters strictly inside.
            let ax = Double(line.a.x), ay = Double(line.a.y), bx = Double(line.b.x), by = Double(line.b.y)
            let px = Double(p.x), py = Double(p.y), qx = Double(q.x), qy = Double(q.y)
            let den = (bx - ax) * (qy - py) - (by - ay) * (qx - px)
            var truth = false
            if den != 0 {
                let t = ((px - ax) * (qy - py) - (py - ay) * (qx - px)) / den
                let u = ((px - ax) * (by - ay) - (py - ay) * (bx - ax)) / den
                truth = t >= 0 && t <= 1 && u > 0 && u < 1
            }
            #expect((d != nil) == truth, "\(p) -> \(q)")
        }
        #expect(crossings > 100)
    }

    @Test func timeWindows() {
        let night = TimeWindow(parsing: "22:00-06:00")!
        #expect(night.contains(secondsOfDay: 23 * 3600))
        #expect(night.contains(secondsOfDay: 0))
        #expect(night.contains(secondsOfDay: 5 * 3600 + 3599))
        #expect(!night.contains(secondsOfDay: 6 * 3600))
        #expect(!night.contains(secondsOfDay: 12 * 3600))
        let day = TimeWindow(parsing: "08:30-24:00")!
        #expect(day.contains(secondsOfDay: 86_399) && !day.contains(secondsOfDay: 8 * 3600))
        for bad in ["", "22:00", "25:00-01:00", "10:00-10:00", "1:00-02:00", "10:60-11:00", "24:00-01:00", "aa:bb-cc:dd"] {
            #expect(TimeWindow(parsing: bad) == nil, "\(bad)")
        }
        #expect(night.description == "22:00-06:00")
    }
}
