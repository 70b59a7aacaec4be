/// `detect:` — how often frames are analysed and by which model (top level, overridable per camera like
/// `motion:`). Every field has a default and a range; see config/vigil.yaml for the documentation users read.
///
/// Thread safety: a value type; safe to share.
public struct DetectConfig: Decodable, Sendable, Equatable {
    /// Frames analysed per second of stream time; frames in between are decoded (the codec needs them) but
    /// neither scaled nor analysed. A value above the stream's own rate analyses every frame. 0.1…120.
    public var fps: Double = 5
    /// Object detector: a shipped model name (`blazeface_short_128`, `blazeface_full_192`,
    /// `blazepose_detector_224`), a model directory or an `.onnx` file. nil: motion only.
    public var model: String? = nil
    /// Class names of a `yolo` model, by class index (default COCO's 80); an `ssd-anchors` model takes the first.
    public var labelNames: [String]? = nil
    /// Lowest detector score kept (default: the adapter's own threshold). 0…1.
    public var minScore: Float? = nil
    /// Run the detector on every Nth analysed frame (1: all). 1…1000.
    public var everyNFrames: Int = 1
    /// Allow-list of labels reported (nil: all).
    public var labels: [String]? = nil
    /// Per-label filters.
    public var filters: [String: LabelFilter] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case fps, model, labelNames = "label_names", minScore = "min_score", everyNFrames = "every_n_frames"
        case labels, filters
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fps = try c.value(.fps, default: DetectConfig().fps, in: 0.1...120)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        labelNames = try c.decodeIfPresent([String].self, forKey: .labelNames)
        if let m = try c.decodeIfPresent(Float.self, forKey: .minScore) {
            guard (0...1).contains(m) else { throw c.invalid(.minScore, "\(m) is out of range 0…1") }
            minScore = m
        }
        everyNFrames = try c.value(.everyNFrames, default: 1, in: 1...1000)
        labels = try c.decodeIfPresent([String].self, forKey: .labels)
        filters = try c.value(.filters, default: [:])
    }

    /// Whether `label` is reported at all and passes its filter.
    public func accepts(label: String, score: Float, width: Float, height: Float, frameWidth: Int, frameHeight: Int) -> Bool {
        if let labels, !labels.contains(label) { return false }
        guard let f = filters[label] else { return true }
        return f.accepts(score: score, width: width, height: height, frameWidth: frameWidth, frameHeight: frameHeight)
    }
}
