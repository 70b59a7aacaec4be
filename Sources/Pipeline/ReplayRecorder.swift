import Analysis
import Media
import Rules
import VigilCore

/// Records a replay frame by frame for people tuning a camera: `--annotate OUT.mp4` (each analysed picture
/// with the motion regions, detections, tracks and their trails, zones and lines highlighted while occupied
/// or just crossed, masks and the frame's events drawn on it; H.264, else MPEG-4) and `--frames FILE` (one
/// JSON line per analysed frame, `FrameLogWriter`). The analysis does not change: it only reads the reports.
///
/// Thread safety: not thread-safe; the replay's thread calls it (`ReplayObserver`).
public final class ReplayRecorder: ReplayObserver {
    public let annotatePath: String?
    public let settings: AnalysisSettings
    /// The encoders tried for the video, in order.
    public let encoders: [String]
    private var frameLog: FrameLogWriter?
    private var video: VideoWriter? = nil
    private var fps = 25.0
    /// Bottom centres of each live track over the last `trailLength` analysed frames.
    private var trails: [Int: [PolygonMask.Point]] = [:]
    /// Recent events (media time, text) shown for `eventHoldSeconds`, and when each line was last crossed.
    private var recent: [(Double, String)] = []
    private var crossedAt: [String: Double] = [:]

    static let trailLength = 24
    static let eventHoldSeconds = 2.0
    static let crossHoldSeconds = 0.6

    public init(annotate: String?, frames: String?, settings: AnalysisSettings,
                encoders: [String] = VideoWriter.defaultEncoders) throws {
        annotatePath = annotate
        self.settings = settings
        self.encoders = encoders
        frameLog = try frames.map {
            try FrameLogWriter(path: $0, zones: settings.rules.zones.map(\.name), lines: settings.rules.lines.map(\.name))
        }
    }

    /// The encoder the video is written with (nil before `start` or without `--annotate`).
    public var encoderName: String? { video?.encoderName }
    public var framesWritten: Int { video?.framesWritten ?? 0 }

    public func start(width: Int, height: Int, framesPerSecond: Double) throws {
        fps = framesPerSecond
        guard let annotatePath else { return }
        video = try videoErrors {
            try VideoWriter(path: annotatePath, width: width, height: height, framesPerSecond: framesPerSecond,
                            encoders: encoders)
        }
    }

    public func observe(_ report: FrameReport, picture: PixelBuffer?) throws {
        try frameLog?.write(report)
        remember(report)
        guard let video, let picture else { return }
        AnnotationRenderer.draw(scene(report), on: picture)
        try videoErrors { try video.write(picture, mediaTime: report.mediaTime) }
    }

    public func finish() throws {
        try videoErrors { try video?.finish() }
        try frameLog?.close()
    }

    /// FFmpeg's errors about the output as `AnnotatedVideoError` (an FFmpeg code such as ENOENT must not
    /// read as a missing input).
    private func videoErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as FFmpegError {
            throw AnnotatedVideoError(path: annotatePath ?? "", reason: "cannot \(e.operation): \(e.reason)")
        }
    }

    /// Trails, recent events and line crossings after this frame.
    private func remember(_ r: FrameReport) {
        for t in r.tracks {
            if t.state == .ended { trails[t.id] = nil; continue }
            guard t.state == .confirmed || t.state == .lost else { continue }
            var trail = trails[t.id, default: []]
            trail.append(PolygonMask.Point(Double(t.box.centerX), Double(t.box.y2)))
            if trail.count > ReplayRecorder.trailLength { trail.removeFirst(trail.count - ReplayRecorder.trailLength) }
            trails[t.id] = trail
        }
        let live = Set(r.tracks.map(\.id))
        for id in trails.keys where !live.contains(id) { trails[id] = nil }
        for a in r.alerts {
            recent.append((r.mediaTime, ReplayRecorder.describe(a)))
            if a.event == "line_cross", let l = a.line { crossedAt[l] = r.mediaTime }
        }
        recent.removeAll { r.mediaTime - $0.0 > ReplayRecorder.eventHoldSeconds }
        if recent.count > 8 { recent.removeFirst(recent.count - 8) }
    }

    /// `123 ZONE_ENTER #4 PERSON LOWER`
    static func describe(_ a: Alert) -> String {
        var s = "\(a.frame) \(a.event)"
        if let id = a.trackID { s += " #\(id)" }
        if let l = a.label { s += " \(l)" }
        if let z = a.zone { s += " \(z)" }
        if let l = a.line { s += " \(l)" }
        if let d = a.direction { s += d == "left_to_right" ? " >" : " <" }
        return s
    }

    /// The scene of one frame: what the report holds, with the camera's zones, lines and masks.
    func scene(_ r: FrameReport) -> AnnotationScene {
        var s = AnnotationScene(sourceWidth: r.sourceWidth, sourceHeight: r.sourceHeight)
        s.motion = r.motion
        s.detections = r.detections.map { ($0.box, "\($0.label) \(Self.percent($0.score))") }
        for t in r.tracks where t.state == .confirmed || t.state == .lost {
            let trail = Array((trails[t.id] ?? []).dropLast())
            s.objects.append(.init(id: t.id, box: t.box, caption: "#\(t.id) \(t.label)", trail: trail, lost: t.state == .lost))
        }
        for (i, z) in settings.rules.zones.enumerated() {
            let poly = PolygonMask([z.polygon.points.map { PolygonMask.Point(Double($0.x), Double($0.y)) }])
            s.zones.append(.init(name: z.name, polygon: poly, occupancy: i < r.zoneOccupancy.count ? r.zoneOccupancy[i] : 0))
        }
        for (i, l) in settings.rules.lines.enumerated() {
            let crossed = crossedAt[l.name].map { r.mediaTime - $0 <= ReplayRecorder.crossHoldSeconds } ?? false
            let c = i < r.lineCounts.count ? (r.lineCounts[i].leftToRight, r.lineCounts[i].rightToLeft) : (0, 0)
            s.lines.append(.init(name: l.name, from: .init(Double(l.line.a.x), Double(l.line.a.y)),
                                 to: .init(Double(l.line.b.x), Double(l.line.b.y)), crossed: crossed,
                                 counts: c))
        }
        s.masks = [settings.motion.mask, settings.detect.mask].filter { !$0.isEmpty }
            + settings.detect.filters.keys.sorted().compactMap { settings.detect.filters[$0]?.mask }.filter { !$0.isEmpty }
        s.text = [header(r)] + recent.map(\.1)
        return s
    }

    func header(_ r: FrameReport) -> String {
        var h = "frame \(r.frame)  \(String(format: "%.2f", r.mediaTime)) s"
        switch r.pass {
        case .none: break
        case .skipped?: h += "  detector: skipped"
        case .noMotion?: h += "  detector: no motion"
        case .tracked?: h += "  detector: held by tracks"
        case .fullFrame?: h += "  detector: full frame"
        case .regions(let b)?: h += "  detector: \(b.count) region\(b.count == 1 ? "" : "s")"
        }
        return h
    }

    static func percent(_ s: Float) -> String { String(format: "%.2f", s) }
}

/// The annotated video could not be written (exit status 1: an output problem, not bad input).
public struct AnnotatedVideoError: UserFacingError {
    public var path: String
    public var reason: String
    public var exitStatus: ExitStatus { .failure }
    public var description: String { "\(path): annotated video: \(reason)" }
}
