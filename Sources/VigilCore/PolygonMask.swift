/// Polygons in source pixels that mark part of the picture, as Frigate's masks do: `motion.mask` (motion there
/// is ignored, for motion events and for detector gating) and the object masks `detect.mask` and
/// `detect.filters.<label>.mask` (an object whose bottom centre lies inside is dropped). A point is inside
/// when any polygon holds it by the even-odd rule.
///
/// Thread safety: a plain value.
public struct PolygonMask: Sendable, Hashable {
    /// One corner, in source pixels.
    public struct Point: Sendable, Hashable {
        public var x: Double
        public var y: Double
        public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
    }

    /// Each polygon has at least three points (the config checks that they enclose some area).
    public var polygons: [[Point]]

    public init(_ polygons: [[Point]] = []) { self.polygons = polygons }

    public var isEmpty: Bool { polygons.isEmpty }

    /// Whether (x, y) (source pixels) lies in a polygon. Crossing-number test with half-open edges, like
    /// zones: of two polygons sharing an edge, one holds the points on it.
    public func contains(x: Double, y: Double) -> Bool {
        for poly in polygons where PolygonMask.contains(poly, x: x, y: y) { return true }
        return false
    }

    static func contains(_ poly: [Point], x: Double, y: Double) -> Bool {
        var inside = false
        var j = poly.count - 1
        for i in poly.indices {
            let a = poly[i], b = poly[j]
            if (a.y > y) != (b.y > y), x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        return inside
    }

    /// The mask at `width`×`height` (a grid laid over a `sourceWidth`×`sourceHeight` picture): `into[y * width
    /// + x]` is 1 where the pixel's centre lies in a polygon, else 0.
    public func rasterise(width: Int, height: Int, sourceWidth: Int, sourceHeight: Int,
                          into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(out.count >= width * height)
        for i in 0..<(width * height) { out[i] = 0 }
        forEachSpan(width: width, height: height, sourceWidth: sourceWidth, sourceHeight: sourceHeight) { row, xs in
            for x in xs { out[row * width + x] = 1 }
        }
    }

    /// Calls `body(row, columns)` for each run of pixels of a `width`×`height` grid over a
    /// `sourceWidth`×`sourceHeight` picture whose centres lie in one polygon (runs of different polygons may
    /// overlap). Scanline fill: each row's edge crossings, sorted, bound the runs — the same even-odd,
    /// half-open rule as `contains`.
    public func forEachSpan(width: Int, height: Int, sourceWidth: Int, sourceHeight: Int,
                            _ body: (Int, Range<Int>) -> Void) {
        let sx = Double(sourceWidth) / Double(width), sy = Double(sourceHeight) / Double(height)
        var crossings: [Double] = []
        for poly in polygons {
            for row in 0..<height {
                let y = (Double(row) + 0.5) * sy
                crossings.removeAll(keepingCapacity: true)
                var j = poly.count - 1
                for i in poly.indices {
                    let a = poly[i], b = poly[j]
                    if (a.y > y) != (b.y > y) { crossings.append((b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) }
                    j = i
                }
                crossings.sort()
                var k = 0
                while k + 1 < crossings.count {
                    // Centres x with crossings[k] <= x < crossings[k+1] (`contains` toggles on crossings right
                    // of x, so a centre on the left crossing is inside).
                    let first = max(0, Int(((crossings[k] / sx) - 0.5).rounded(.up)))
                    let end = min(width, Int(((crossings[k + 1] / sx) - 0.5).rounded(.up)))
                    if first < end { body(row, first..<end) }
                    k += 2
                }
            }
        }
    }
}
