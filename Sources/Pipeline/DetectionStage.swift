import Config
import Detection
import Tracking
import VigilCore

/// Object detection of one camera: runs the detector on every `detect.every_n_frames`-th frame it is given,
/// applies the config's label allow-list and per-label filters, hands the detections to the camera's tracker
/// (`track.kind`: `ByteTracker` or `IOUTracker`) and turns confirmed tracks into `object_enter` alerts and
/// their end into `object_exit` alerts (label, score, box). Deterministic: output depends only on the frames.
///
/// Thread safety: not thread-safe; owned by one camera's analysis thread (the detector serialises itself).
public final class DetectionStage {
    public let detector: any Detector
    private let camera: CameraID
    private let clock: AlertClock
    private var config: DetectConfig
    private var tracker: any Tracker
    private var offered = 0
    /// Confirmed tracks that got an `object_enter`, with the label and box they were last seen with.
    private var inside: [Int: Track] = [:]
    private var last: (frame: Int, mediaTime: Double) = (0, 0)
    /// The tracker's report of the last analysed frame (every live track, by id), for the rules.
    public private(set) var tracks: [Track] = []
    /// Whether the last `analyze` call ran the detector and stepped the tracker (false between analysed frames).
    public private(set) var stepped = false

    public init(detector: any Detector, camera: CameraID, clock: AlertClock, detect: DetectConfig, track: TrackConfig) {
        self.detector = detector; self.camera = camera; self.clock = clock; self.config = detect
        tracker = DetectionStage.makeTracker(track)
    }

    /// The tracker `track:` selects, unset thresholds at the tracker's defaults.
    public static func makeTracker(_ c: TrackConfig) -> any Tracker {
        switch c.kind {
        case .iou:
            let d = IOUTracker.Configuration()
            return IOUTracker(configuration: .init(sigmaL: c.minScore ?? d.sigmaL, sigmaH: c.highScore ?? d.sigmaH,
                                                   sigmaIOU: c.matchIoU ?? d.sigmaIOU, tMin: c.minHits ?? d.tMin,
                                                   maxAge: c.maxAge ?? d.maxAge))
        case .byte:
            let d = ByteTracker.Configuration()
            return ByteTracker(configuration: .init(
                highThreshold: c.highScore ?? d.highThreshold, lowThreshold: c.minScore ?? d.lowThreshold,
                newTrackThreshold: d.newTrackThreshold, matchIOU: c.matchIoU ?? d.matchIOU,
                lowMatchIOU: d.lowMatchIOU, tentativeMatchIOU: d.tentativeMatchIOU,
                tMin: c.minHits ?? d.tMin, maxAge: c.maxAge ?? d.maxAge))
        }
    }

    /// New filters, label allow-list and cadence from the next frame (a reload); the tracker keeps its tracks.
    /// The model is not changed here (`detect.model` restarts the camera).
    public func apply(_ detect: DetectConfig) { config = detect }

    /// Offers one frame (`rgb`: the picture as RGB24 at any size with the source's aspect). Returns the
    /// alerts it causes; frames between two analysed ones return none and do not step the tracker.
    public func analyze(rgb: PixelBuffer, frame: Int, mediaTime: Double, sourceWidth: Int, sourceHeight: Int) throws
        -> [Alert] {
        offered += 1
        stepped = false
        guard (offered - 1) % config.everyNFrames == 0 else { return [] }
        last = (frame, mediaTime)
        let found = try detector.detect(rgb, sourceWidth: sourceWidth, sourceHeight: sourceHeight).filter {
            config.accepts(label: $0.label, score: $0.score, width: $0.box.width, height: $0.box.height,
                           frameWidth: sourceWidth, frameHeight: sourceHeight)
        }
        return step(found, frame: frame, mediaTime: mediaTime)
    }

    /// Steps the tracker with one analysed frame's detections (already filtered).
    func step(_ detections: [Detection], frame: Int, mediaTime: Double) -> [Alert] {
        var alerts: [Alert] = []
        tracks = tracker.update(detections, at: mediaTime)
        stepped = true
        for t in tracks {  // ordered by id
            switch t.state {
            case .confirmed:
                if inside[t.id] == nil {
                    alerts.append(alert("object_enter", t, frame: frame, mediaTime: mediaTime))
                }
                inside[t.id] = t
            case .lost:
                break
            case .ended:
                if let seen = inside.removeValue(forKey: t.id) {
                    alerts.append(alert("object_exit", seen, frame: frame, mediaTime: mediaTime))
                }
            case .tentative:
                break
            }
        }
        return alerts
    }

    /// At the end of the input: `object_exit` for every track still inside, at the last analysed frame.
    public func finish() -> [Alert] {
        let open = inside.keys.sorted()
        defer { inside = [:] }
        return open.map { alert("object_exit", inside[$0]!, frame: last.frame, mediaTime: last.mediaTime) }
    }

    private func alert(_ event: String, _ t: Track, frame: Int, mediaTime: Double) -> Alert {
        Alert(timestamp: clock.timestamp(mediaTime: mediaTime), mediaTime: mediaTime, frame: frame, camera: camera,
              event: event, severity: .info, trackID: t.id, label: t.label,
              score: t.score > 0 ? t.score : t.medianScore, box: t.box)
    }
}
