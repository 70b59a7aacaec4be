import Detection
import Rules
import VigilCore

/// What the analysis chain made of one analysed frame: motion regions, where the detector looked and what it
/// found, the tracker's report, the zones' occupancy, the lines' counts and the frame's alerts. Tools that show
/// or record a replay frame by frame (`vigil replay --annotate`, `--frames`) take these; they do not reach
/// into the stages.
///
/// Thread safety: a plain value.
public struct FrameReport: Sendable {
    public var frame: Int
    public var mediaTime: Double
    public var sourceWidth: Int
    public var sourceHeight: Int
    /// Motion regions (source pixels); empty with motion off.
    public var motion: [Box]
    /// Where the detector looked (nil: no detector).
    public var pass: DetectionStage.Pass?
    /// On a full-frame pass: where the area-cost models (`hog_people`) looked instead (nil: the whole frame).
    public var areaSearch: [Box]? = nil
    /// The detections of this frame after filters, masks and merging (empty when the detector did not run).
    public var detections: [Detection]
    /// Every live track after this frame (empty without a detector).
    public var tracks: [Track]
    /// Objects in each zone (config order) and crossings of each line so far.
    public var zoneOccupancy: [Int]
    public var lineCounts: [RuleEngine.LineCount]
    /// The frame's alerts, in the order they went out.
    public var alerts: [Alert]
}

extension CameraAnalyzer {
    /// The report of the frame `analyze` just returned `alerts` for.
    public func report(_ frame: Frame, alerts: [Alert]) -> FrameReport {
        let pass = detection.map { _ in lastPass }
        return FrameReport(frame: frame.index, mediaTime: frame.mediaTime, sourceWidth: frame.sourceWidth,
                           sourceHeight: frame.sourceHeight, motion: motionResult?.regions.map(\.box) ?? [],
                           pass: pass, areaSearch: lastPass == .fullFrame ? detection?.areaSearch : nil,
                           detections: lastPass != .skipped ? detection?.detections ?? [] : [],
                           tracks: tracks,
                           zoneOccupancy: ruleEngine.rules.zones.indices.map { ruleEngine.occupancy(zone: $0) },
                           lineCounts: ruleEngine.lineCounts, alerts: alerts)
    }
}
