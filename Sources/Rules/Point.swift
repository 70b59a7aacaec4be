import VigilCore

/// A point in source pixels (x to the right, y down).
///
/// Thread safety: a plain value.
public struct Point: Hashable, Sendable, CustomStringConvertible {
    public var x: Float
    public var y: Float

    @inlinable
    public init(_ x: Float, _ y: Float) { self.x = x; self.y = y }

    /// The point a rule tests for a box: its bottom centre (where a person stands, where a car touches the road).
    @inlinable
    public init(anchorOf box: Box) { self.init((box.x1 + box.x2) * 0.5, box.y2) }

    public var description: String { "(\(x), \(y))" }
}

