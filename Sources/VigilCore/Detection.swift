/// One object found in one frame: a box in source pixels, a class and a confidence in [0, 1].
public struct Detection: Hashable, Sendable {
    public var box: Box
    public var score: Float
    /// Index into the detector's label list (0 when the detector has a single class).
    public var classIndex: Int
    /// Human-readable class name (`person`, `face`, `car`, …).
    public var label: String

    public init(box: Box, score: Float, classIndex: Int = 0, label: String = "object") {
        self.box = box; self.score = score; self.classIndex = classIndex; self.label = label
    }
}
