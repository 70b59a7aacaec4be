import VigilCore

/// Finds objects in one RGB frame. `frame` is an RGB24 buffer of the source frame (any size with the source's
/// aspect: it is sampled, not copied); boxes come back in source pixels (`sourceWidth`×`sourceHeight`).
///
/// Thread safety: implementations serialise `detect` calls on one instance (their input buffer and session
/// are shared); use one detector per concurrent stream.
public protocol Detector: AnyObject, Sendable {
    /// Class names, indexed by `Detection.classIndex`.
    var labels: [String] { get }
    /// Model input width and height.
    var inputSize: (width: Int, height: Int) { get }
    func detect(_ frame: PixelBuffer, sourceWidth: Int, sourceHeight: Int) throws -> [Detection]
}
