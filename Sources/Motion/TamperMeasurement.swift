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
    /// The fraction of the frame's 3×3 tiles that have structure in the learnt background and whose edge map no
    /// longer matches it (correlation below `movedMatch`): near 1 when the camera turned, small when an object
    /// covers part of the view.
    public var mismatchedTiles: Double = 0
    /// The fraction of the 3×3 tiles that have structure in the learnt background and whose sharpness fell
    /// below `defocusRatio` × their own baseline: near 1 when the lens blurs, small when a sharp object that was
    /// in the learnt view leaves part of it.
    public var blurredTiles: Double = 0

    public init() {}
}
