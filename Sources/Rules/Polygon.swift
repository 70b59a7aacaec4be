import VigilCore

/// A simple polygon in source pixels (a zone's outline). Points on the boundary follow the half-open rule of
/// the crossing-number test, so two zones sharing an edge never both hold a point on it.
///
/// Thread safety: a plain value.
public struct Polygon: Hashable, Sendable {
    public let points: [Point]
    /// Bounding box, to reject far points with four comparisons.
    public let bounds: Box

    /// Nil unless there are at least three points and the outline encloses some area.
    public init?(_ points: [Point]) {
        guard points.count >= 3, points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return nil }
        var twiceArea: Double = 0
        for i in points.indices {
            let p = points[i], q = points[(i + 1) % points.count]
            twiceArea += Double(p.x) * Double(q.y) - Double(q.x) * Double(p.y)
        }
        guard abs(twiceArea) > 1e-6 else { return nil }
        self.points = points
        var b = Box(x1: points[0].x, y1: points[0].y, x2: points[0].x, y2: points[0].y)
        for p in points { b = b.union(Box(x1: p.x, y1: p.y, x2: p.x, y2: p.y)) }
        bounds = b
    }

    /// Area in square pixels (shoelace formula; self-intersecting outlines count signed parts).
    public var area: Double {
        var s: Double = 0
        for i in points.indices {
            let p = points[i], q = points[(i + 1) % points.count]
            s += Double(p.x) * Double(q.y) - Double(q.x) * Double(p.y)
        }
        return abs(s) / 2
    }

    /// Even-odd crossing-number test: a horizontal ray from `p` to the right crosses the outline an odd number
    /// of times. An edge counts when it spans `p.y` half-open (`y1 > p.y` differs from `y2 > p.y`).
    @inlinable
    public func contains(_ p: Point) -> Bool {
        guard p.x >= bounds.x1, p.x <= bounds.x2, p.y >= bounds.y1, p.y <= bounds.y2 else { return false }
        var inside = false
        let n = points.count
        var j = n - 1
        for i in 0..<n {
            let a = points[i], b = points[j]
            if (a.y > p.y) != (b.y > p.y) {
                let xCross = (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x
                if p.x < xCross { inside.toggle() }
            }
            j = i
        }
        return inside
    }

    /// Distance in pixels from `p` to the nearest point of the outline (0 on it), inside or outside.
    public func distanceToOutline(_ p: Point) -> Float {
        var best = Double.infinity
        let n = points.count
        for i in 0..<n {
            let a = points[i], b = points[(i + 1) % n]
            let ex = Double(b.x - a.x), ey = Double(b.y - a.y), px = Double(p.x - a.x), py = Double(p.y - a.y)
            let length2 = ex * ex + ey * ey
            let t = length2 > 0 ? min(1, max(0, (px * ex + py * ey) / length2)) : 0
            let dx = px - t * ex, dy = py - t * ey
            best = min(best, dx * dx + dy * dy)
        }
        return Float(best.squareRoot())
    }
}
