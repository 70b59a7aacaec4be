import VigilCore

/// A counting line from `a` to `b` in source pixels. An object crosses it when the anchor point of its box
/// (bottom centre) moves from one side to the other through the segment itself (not its extension).
///
/// Thread safety: a plain value.
public struct TripLine: Hashable, Sendable {
    public var a: Point
    public var b: Point

    public init?(from a: Point, to b: Point) {
        guard a != b, a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { return nil }
        self.a = a; self.b = b
    }

    /// -1 left of the line (as seen on the picture looking from `a` to `b`), +1 right, 0 on it.
    @inlinable
    public func side(of p: Point) -> Int {
        let c = Double(b.x - a.x) * Double(p.y - a.y) - Double(b.y - a.y) * Double(p.x - a.x)
        return c < 0 ? -1 : (c > 0 ? 1 : 0)
    }

    /// Signed distance of `p` from the line through `a` and `b`, in pixels: negative left of it, positive right.
    @inlinable
    public func signedDistance(of p: Point) -> Float {
        let c = Double(b.x - a.x) * Double(p.y - a.y) - Double(b.y - a.y) * Double(p.x - a.x)
        let length = (Double(b.x - a.x) * Double(b.x - a.x) + Double(b.y - a.y) * Double(b.y - a.y)).squareRoot()
        return Float(c / length)
    }

    /// `side(of:)` with a dead band: 0 while `p` lies within `margin` pixels of the line (not yet on either
    /// side: an object walking along the line, or a box jittering across it, does not flip sides).
    @inlinable
    public func side(of p: Point, margin: Float) -> Int {
        guard margin > 0 else { return side(of: p) }
        let d = signedDistance(of: p)
        return d <= -margin ? -1 : (d >= margin ? 1 : 0)
    }

    /// The direction when the move `p → q` crosses the segment from one side to the other; nil otherwise.
    /// A move that ends on the line does not cross it yet (the caller keeps the last point off the line).
    @inlinable
    public func crossing(from p: Point, to q: Point) -> CrossingDirection? {
        let sp = side(of: p), sq = side(of: q)
        guard sp != 0, sq != 0, sp != sq else { return nil }
        // The segment a-b must meet the move: a and b on different sides of p-q (or one on it).
        func sideOfMove(_ r: Point) -> Int {
            let c = Double(q.x - p.x) * Double(r.y - p.y) - Double(q.y - p.y) * Double(r.x - p.x)
            return c < 0 ? -1 : (c > 0 ? 1 : 0)
        }
        guard sideOfMove(a) * sideOfMove(b) <= 0 else { return nil }
        return sp < 0 ? .leftToRight : .rightToLeft
    }
}
