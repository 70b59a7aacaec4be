/// One frame's tamper statistics, on the grey analysis frame.
///
/// Thread safety: a plain value.
public struct TamperMeasurement: Hashable, Sendable {
    /// Mean grey level and its standard deviation (contrast).
    public var mean: Double = 0
    public var contrast: Double = 0
    /// Mean absolute 4-neighbour Laplacian: falls when the picture blurs.
    public var sharpness: Double = 0
    /// Mean absolute gradient of the block-mean image (the structure `moved` compares).
    public var edgeEnergy: Double = 0
    /// Normalised correlation of this frame's block edge map with the learnt background's, -1…1.
    public var match: Double = 1
    /// Of the 3×3 tiles of the frame whose learnt background has structure, the fraction whose edge map no
    /// longer matches (correlation below `movedMatch`): near 1 when the camera turned, small when an object
    /// covers part of the view.
    public var mismatchedTiles: Double = 0

    public init() {}
}
