/// One object found in one frame: a box in source pixels, a class and a confidence in [0, 1].
public struct Detection: Hashable, Sendable {
    public var box: Box
    public var score: Float
    /// Index into the detector's label list (0 when the detector has a single class).
    public var classIndex: Int
    /// Human-readable class name (`person`, `face`, `car`, …).
    public var label: String
    /// What the detector saw besides the box (a person's head box and keypoints, an attached face); nil for
    /// detectors that give only boxes.
    public var parts: DetectionParts?

    public init(box: Box, score: Float, classIndex: Int = 0, label: String = "object", parts: DetectionParts? = nil) {
        self.box = box; self.score = score; self.classIndex = classIndex; self.label = label; self.parts = parts
    }
}

/// The parts of a detection that alerts carry in `details` (source pixels): the box the model itself
/// regressed when `Detection.box` is derived from keypoints (the pose detector's head box), the keypoints
/// (`x0, y0, x1, y1, …`), the body region's rotation, and the face found inside a person's box.
///
/// Thread safety: a value type; safe to share.
public struct DetectionParts: Hashable, Sendable {
    public var headBox: Box?
    public var keypoints: [Float]
    /// Rotation of the body region MediaPipe would crop (degrees, 0: upright; positive: clockwise).
    public var rotationDegrees: Float?
    public var faceBox: Box?
    public var faceScore: Float?

    public init(headBox: Box? = nil, keypoints: [Float] = [], rotationDegrees: Float? = nil, faceBox: Box? = nil,
                faceScore: Float? = nil) {
        self.headBox = headBox; self.keypoints = keypoints; self.rotationDegrees = rotationDegrees
        self.faceBox = faceBox; self.faceScore = faceScore
    }

    /// The alert's `details` pairs, in a fixed order: `face_score`, `face_box`, `head_box`, `keypoints`
    /// (`[[x, y], …]`), `rotation_deg`; boxes and points to 0.1 px, scores to 0.001.
    public var details: [(String, JSONValue)] {
        func px(_ v: Float) -> JSONValue { .double(JSONValue.rounded(Double(v), places: 1)) }
        func box(_ b: Box) -> JSONValue { .array([b.x1, b.y1, b.x2, b.y2].map(px)) }
        var out: [(String, JSONValue)] = []
        if let faceScore { out.append(("face_score", .double(JSONValue.rounded(Double(faceScore), places: 3)))) }
        if let faceBox { out.append(("face_box", box(faceBox))) }
        if let headBox { out.append(("head_box", box(headBox))) }
        if keypoints.count >= 2 {
            out.append(("keypoints", .array(stride(from: 0, to: keypoints.count - 1, by: 2).map {
                .array([px(keypoints[$0]), px(keypoints[$0 + 1])])
            })))
        }
        if let rotationDegrees { out.append(("rotation_deg", .double(JSONValue.rounded(Double(rotationDegrees), places: 1)))) }
        return out
    }
}
