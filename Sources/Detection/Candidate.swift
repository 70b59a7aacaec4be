import VigilCore

/// A decoded box before suppression: input to `NonMaxSuppression`, output of the model adapters.
/// `keypoints` holds `x0, y0, x1, y1, …` in the same coordinates as `box` (empty for models without them).
///
/// Thread safety: a value type; safe to share.
public struct Candidate: Sendable, Equatable {
    public var box: Box
    public var score: Float
    public var classIndex: Int
    public var keypoints: [Float]

    public init(box: Box, score: Float, classIndex: Int = 0, keypoints: [Float] = []) {
        self.box = box; self.score = score; self.classIndex = classIndex; self.keypoints = keypoints
    }
}
