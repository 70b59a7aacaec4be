/// `detect:` — how often frames are analysed (top level, overridable per camera like `motion:`).
/// Every field has a default and a range; see config/vigil.yaml for the documentation users read.
public struct DetectConfig: Decodable, Sendable, Equatable {
    /// Frames analysed per second of stream time; frames in between are decoded (the codec needs them) but
    /// neither scaled nor analysed. A value above the stream's own rate analyses every frame. 0.1…120.
    public var fps: Double = 5

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case fps }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fps = try c.value(.fps, default: DetectConfig().fps, in: 0.1...120)
    }
}
