import VigilCore

/// `detect:` — how often frames are analysed and by which model (top level, overridable per camera like
/// `motion:`). Every field has a default and a range; see config/vigil.yaml for the documentation users read.
///
/// Thread safety: a value type; safe to share.
public struct DetectConfig: Decodable, Sendable, Equatable {
    /// Frames analysed per second of stream time; frames in between are decoded (the codec needs them) but
    /// neither scaled nor analysed. A value above the stream's own rate analyses every frame. 0.1…120.
    public var fps: Double = 5
    /// Object detector: a shipped model name (`blazeface_short_128`, `blazeface_full_192`,
    /// `blazepose_detector_224`), a model directory or an `.onnx` file. nil with `models` nil: the default set
    /// (`defaultModels`). `models:` (a list) in the file is the same with several models; `model` is then nil.
    public var model: String? = nil
    /// `models:` — several detectors per camera; their detections are merged (each keeps its label) before
    /// tracking. At most one of `model` and `models` is set; an empty list means motion only.
    public var models: [String]? = nil

    /// The detectors of a config that names none (`vigil detect`, `vigil replay` without a config, `vigil run`
    /// with a `detect:` that names no model): the shipped faces (the full-range model: cameras see faces from
    /// afar), people near the camera with a visible face (the pose detector) and people seen whole at any
    /// distance, faces or not (`hog_people`, searched in the motion regions: see `DetectionStage`); one human's
    /// boxes become one person (`PersonFaceFusion`). The one place this list lives.
    public static let defaultModels = ["blazeface_full_192", "blazepose_detector_224", "hog_people"]
    /// Motion-gated detection (with `motion.enabled`): the detector searches only the regions that move, plus a
    /// full-frame pass every `fullFrameSeconds`; off (or with motion off): full frames every `everyNFrames`.
    public var motionGating: Bool = true
    /// Seconds of stream time between two full-frame passes while gated (still objects are looked at again). 0.1…3600.
    public var fullFrameSeconds: Double = 5
    /// Most regions searched in one frame; more are merged (the pair whose union grows least first). 1…64.
    public var maxRegions: Int = 4
    /// Margin added on every side of a motion region, as a fraction of its larger side. 0…4.
    public var regionPadding: Double = 0.25
    /// Smallest side of a searched region, as a fraction of the frame's shorter side (tiny regions are not
    /// blown up to the model's input). 0.05…1.
    public var minRegionSize: Double = 0.25
    /// When the searched regions would cover this fraction of the frame, one full-frame pass instead. 0.05…1.
    public var fullFrameCoverage: Double = 0.5
    /// Inferences in flight at once over all cameras (the shared inference pool; top level only: a camera's
    /// value is ignored). 0: one per core. 0…256.
    public var maxInFlight: Int = 0

    /// The configured models in order (`model`, else `models` — empty: motion only —, else `defaultModels`).
    public var modelNames: [String] { model.map { [$0] } ?? models ?? DetectConfig.defaultModels }
    /// Class names of a `yolo` model, by class index (default COCO's 80); an `ssd-anchors` model takes the first.
    public var labelNames: [String]? = nil
    /// Lowest detector score kept (default: the adapter's own threshold). 0…1.
    public var minScore: Float? = nil
    /// Run the detector on every Nth analysed frame (1: all). 1…1000.
    public var everyNFrames: Int = 1
    /// Motion-gated: motion inside the boxes of confirmed tracks matched within the last N − 1 analysed frames
    /// is searched on every Nth analysed frame (the tracks are held in between); motion anywhere else at once.
    /// 1 (the default): all motion on every analysed frame. 1…100.
    public var trackedEveryNFrames: Int = 1
    /// Allow-list of labels reported (nil: all).
    public var labels: [String]? = nil
    /// Per-label filters.
    public var filters: [String: LabelFilter] = [:]
    /// Object mask of every label (Frigate's `objects.mask`): polygons in source pixels; an object whose
    /// bottom centre lies inside is dropped before tracking. Per label: `filters.<label>.mask`.
    public var mask = PolygonMask()

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case fps, model, labelNames = "label_names", minScore = "min_score", everyNFrames = "every_n_frames"
        case labels, filters, models, motionGating = "motion_gating", fullFrameSeconds = "full_frame_s"
        case maxRegions = "max_regions", regionPadding = "region_padding", minRegionSize = "min_region_size"
        case fullFrameCoverage = "full_frame_coverage", maxInFlight = "max_in_flight", mask
        case trackedEveryNFrames = "tracked_every_n_frames"
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
        models = try c.decodeIfPresent([String].self, forKey: .models)
        if let models {
            guard model == nil else { throw c.invalid(.models, "give either model or models, not both") }
            guard models.count <= 8 else { throw c.invalid(.models, "lists 0…8 models (0: motion only), not \(models.count)") }
            guard Set(models).count == models.count else { throw c.invalid(.models, "names a model twice") }
            if models.contains(where: \.isEmpty) { throw c.invalid(.models, "has an empty name") }
        }
        if model?.isEmpty == true { throw c.invalid(.model, "is empty") }
        let d = DetectConfig()
        motionGating = try c.value(.motionGating, default: d.motionGating)
        fullFrameSeconds = try c.value(.fullFrameSeconds, default: d.fullFrameSeconds, in: 0.1...3600)
        maxRegions = try c.value(.maxRegions, default: d.maxRegions, in: 1...64)
        regionPadding = try c.value(.regionPadding, default: d.regionPadding, in: 0...4)
        minRegionSize = try c.value(.minRegionSize, default: d.minRegionSize, in: 0.05...1)
        fullFrameCoverage = try c.value(.fullFrameCoverage, default: d.fullFrameCoverage, in: 0.05...1)
        maxInFlight = try c.value(.maxInFlight, default: d.maxInFlight, in: 0...256)
        trackedEveryNFrames = try c.value(.trackedEveryNFrames, default: d.trackedEveryNFrames, in: 1...100)
        mask = try c.mask(.mask)
    }
}
