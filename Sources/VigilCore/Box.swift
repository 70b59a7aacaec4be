/// An axis-aligned rectangle `[x1, y1, x2, y2]` in source pixels (x to the right, y down).
/// `x2 >= x1` and `y2 >= y1` for a well-formed box; an empty box has zero area.
public struct Box: Hashable, Sendable, Codable, CustomStringConvertible {
    public var x1: Float
    public var y1: Float
    public var x2: Float
    public var y2: Float

    @inlinable
    public init(x1: Float, y1: Float, x2: Float, y2: Float) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
    }

    /// A box from its top-left corner and size (MOTChallenge's `left, top, width, height`).
    @inlinable
    public init(left: Float, top: Float, width: Float, height: Float) {
        self.init(x1: left, y1: top, x2: left + width, y2: top + height)
    }

    @inlinable public var width: Float { max(0, x2 - x1) }
    @inlinable public var height: Float { max(0, y2 - y1) }
    @inlinable public var area: Float { width * height }
    @inlinable public var centerX: Float { (x1 + x2) * 0.5 }
    @inlinable public var centerY: Float { (y1 + y2) * 0.5 }
    /// The point zones test against: the bottom centre of the box (where a person stands).
    @inlinable public var bottomCenter: (x: Float, y: Float) { ((x1 + x2) * 0.5, y2) }

    /// Intersection over union; 0 when either box is empty.
    @inlinable
    public func iou(_ other: Box) -> Float {
        let iw = min(x2, other.x2) - max(x1, other.x1)
        let ih = min(y2, other.y2) - max(y1, other.y1)
        guard iw > 0, ih > 0 else { return 0 }
        let inter = iw * ih
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }

    /// The smallest box holding both.
    @inlinable
    public func union(_ other: Box) -> Box {
        Box(x1: min(x1, other.x1), y1: min(y1, other.y1), x2: max(x2, other.x2), y2: max(y2, other.y2))
    }

    /// This box scaled by `sx`, `sy` (e.g. from an analysis grid back to source pixels).
    @inlinable
    public func scaled(x sx: Float, y sy: Float) -> Box {
        Box(x1: x1 * sx, y1: y1 * sy, x2: x2 * sx, y2: y2 * sy)
    }

    /// This box clipped to `[0, width] × [0, height]`.
    @inlinable
    public func clipped(width w: Float, height h: Float) -> Box {
        Box(x1: min(max(x1, 0), w), y1: min(max(y1, 0), h), x2: min(max(x2, 0), w), y2: min(max(y2, 0), h))
    }

    public var description: String { "[\(x1), \(y1), \(x2), \(y2)]" }

    // Codable as the alert format's `[x1, y1, x2, y2]` array.
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        self.init(x1: try c.decode(Float.self), y1: try c.decode(Float.self),
                  x2: try c.decode(Float.self), y2: try c.decode(Float.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(x1); try c.encode(y1); try c.encode(x2); try c.encode(y2)
    }
}

extension Box {
    /// `[x1, y1, x2, y2]`, each rounded to 0.1 pixel (as alerts carry boxes).
    public var json: JSONValue {
        .array([x1, y1, x2, y2].map { .double(JSONValue.rounded(Double($0), places: 1)) })
    }
}
