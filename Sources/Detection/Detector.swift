import VigilCore

/// Finds objects in one RGB frame, or in one rectangle of it. `frame` is an RGB24 buffer of the source frame
/// (any size with the source's aspect: it is sampled, not copied); `region` (source pixels, nil: the whole
/// frame) is letterboxed straight from that buffer into the model input; boxes come back in source pixels
/// (`sourceWidth`×`sourceHeight`), inside the region.
///
/// Thread safety: implementations serialise `detect` calls on one instance (their input buffer and session
/// are shared); use one detector per concurrent stream (`DetectorBank` keeps one per inference slot).
public protocol Detector: AnyObject, Sendable {
    /// Class names, indexed by `Detection.classIndex`.
    var labels: [String] { get }
    /// Model input width and height.
    var inputSize: (width: Int, height: Int) { get }
    func detect(_ frame: PixelBuffer, region: Box?, sourceWidth: Int, sourceHeight: Int) throws -> [Detection]
    /// The input `detect` fits `region` (source pixels, nil: the whole frame) into.
    func inputShape(region: Box?, sourceWidth: Int, sourceHeight: Int) -> (width: Int, height: Int)
    /// Whether a call costs in proportion to the area searched (a sliding-window detector such as HOG) rather
    /// than a fixed input's inference (a CNN): a motion-gated camera then searches the motion regions with it
    /// even on frames the planner turns into a full-frame pass for the others (only the periodic full-frame
    /// pass searches the whole frame).
    var searchCostsByArea: Bool { get }
}

extension Detector {
    /// The input `detect` fits `region` into (profiles): the model's input size unless the detector adapts it.
    public func inputShape(region: Box?, sourceWidth: Int, sourceHeight: Int) -> (width: Int, height: Int) {
        inputSize
    }

    /// A CNN: one fixed-size inference whatever the region.
    public var searchCostsByArea: Bool { false }

    /// The whole frame.
    public func detect(_ frame: PixelBuffer, sourceWidth: Int, sourceHeight: Int) throws -> [Detection] {
        try detect(frame, region: nil, sourceWidth: sourceWidth, sourceHeight: sourceHeight)
    }
}
