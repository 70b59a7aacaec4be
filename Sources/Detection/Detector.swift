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
}

extension Detector {
    /// The input `detect` fits `region` into (profiles): the model's input size unless the detector adapts it.
    public func inputShape(region: Box?, sourceWidth: Int, sourceHeight: Int) -> (width: Int, height: Int) {
        inputSize
    }

    /// The whole frame.
    public func detect(_ frame: PixelBuffer, sourceWidth: Int, sourceHeight: Int) throws -> [Detection] {
        try detect(frame, region: nil, sourceWidth: sourceWidth, sourceHeight: sourceHeight)
    }
}
