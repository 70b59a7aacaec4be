import Detection
import Foundation
import Media
import Motion
import Rules
import Sinks
import VigilCore

/// Counters of one camera's analysis chain (read by `--stats`, the metrics and the tests).
///
/// Thread safety: a plain value, copied out of the analyser by its owner.
public struct AnalysisCounters: Sendable, Equatable {
    /// Frames the detector ran on (a full frame or motion regions; not the gated frames without motion).
    public var detectorFrames = 0
    public var snapshotsWritten = 0
    /// Snapshots that could not be written (the alert goes out without `snapshot`).
    public var snapshotErrors = 0
}

/// The analysis chain of one camera, shared by `vigil replay` and `vigil run`, per frame and in this order:
/// motion (`motion_start`/`motion_end`), camera tamper (`tamper`, `tamper_cleared`), the object detector (gated by
/// this frame's motion regions, see `DetectionStage`) and tracker (`object_enter`/`object_exit`), then the rules on the tracker's report (`zone_enter`, `zone_exit`,
/// `loitering`, `crowding`, `line_cross`, `stationary_object`). Alerts about an object get a snapshot (the
/// frame with the box and label drawn) when snapshots are on. Deterministic: the alerts depend only on the
/// frames and the settings (snapshot files are named after camera, frame, event and track).
///
/// Thread safety: not thread-safe; owned by one camera's analysis thread.
public final class CameraAnalyzer {
    public let camera: CameraID
    private let clock: AlertClock
    private var settings: AnalysisSettings
    private let motion: MotionStage
    private var tamper: TamperDetector? = nil
    let detection: DetectionStage?
    private var rules: RuleEngine
    private var snapshots: SnapshotWriter? = nil
    private var snapshotsTried = false
    /// A copy of the last analysed picture while objects are in view, for the snapshots of the `object_exit`
    /// alerts `finish` writes after the last frame's buffer went back to its pool (one buffer, reused).
    private var lastPicture: PixelBuffer? = nil
    private var lastSourceSize = (width: 0, height: 0)
    private let report: (String) -> Void
    /// The tracker's report after the last frame that stepped it (frame summaries).
    private var lastTracks: [Track] = []
    /// Where the detector looked in the last frame (`.skipped` when it did not run).
    private(set) var lastPass: DetectionStage.Pass = .skipped
    public private(set) var counters = AnalysisCounters()
    /// Whether the detector failed on a frame: detection is off from then on.
    private var detectorFailed = false
    /// Run-time switches (MQTT): detection off skips the detector (tracks are held as they are); motion off
    /// holds back `motion_start` (and the `motion_end` of an event whose start was held back). Read per frame.
    public var switches: CameraSwitches? = nil
    /// Whether the open motion event's `motion_start` went out.
    private var motionStartSent = false

    /// `detection`: the camera's detector stage (nil: motion and tamper only). `report` receives one-line
    /// problems that do not stop the analysis (a snapshot directory that cannot be written).
    public init(camera: CameraID, clock: AlertClock, settings: AnalysisSettings, detection: DetectionStage?,
                report: @escaping (String) -> Void = { _ in }) {
        self.camera = camera
        self.clock = clock
        self.settings = settings
        self.detection = detection
        self.report = report
        motion = MotionStage(camera: camera, clock: clock, config: settings.motion)
        rules = RuleEngine(rules: settings.rules, camera: camera)
    }

    /// The settings in force (the last `apply`).
    public var currentSettings: AnalysisSettings { settings }
    /// The tracker's report after the last frame it was stepped with.
    var tracks: [Track] { lastTracks }
    /// The rules' state after the last frame (zone occupancy, line counts).
    var ruleEngine: RuleEngine { rules }
    /// The motion stage's result for the last frame (nil with motion off).
    var motionResult: MotionResult? { motion.lastResult }

    /// Whether frames need an RGB picture (a detector runs).
    public var needsRGB: Bool { detection != nil }

    /// New settings from the next frame. Motion keeps its background and open event; the rules keep their
    /// memory unless the zones, lines or schedules changed (then objects are judged afresh); the tamper
    /// detector keeps its baselines and an open episode (its `tamper_cleared` still comes).
    public func apply(_ new: AnalysisSettings) {
        if new.motion != settings.motion { motion.apply(new.motion) }
        if new.tamper != settings.tamper { tamper?.apply(new.tamper) }
        if new.detect != settings.detect { detection?.apply(new.detect) }
        if new.rules != settings.rules { rules = RuleEngine(rules: new.rules, camera: camera) }
        if new.snapshots != settings.snapshots { snapshots = nil; snapshotsTried = false }
        settings = new
    }

    /// After a reconnect: the motion background is learnt again. The tamper baselines are kept: the camera is
    /// the same, a view that was covered while the stream was down is judged against the view before, and an
    /// open episode still gets its `tamper_cleared`.
    public func resetAfterReconnect() {
        motion.resetBackground()
    }

    /// What analysing one frame gave.
    public struct Result {
        /// The frame's alerts, in order: motion, tamper, objects entering, the rules, objects leaving.
        public var alerts: [Alert] = []
        /// The detector failed on this frame (and is off from now on: motion, tamper and the alerts of this
        /// frame's other stages still go out). Reported once, on the frame it happened.
        public var detectorError: (any Error)? = nil
    }

    /// Analyses one frame (`frame.rgb` set when `needsRGB`).
    public func analyze(_ frame: Frame) -> Result {
        var result = Result()
        result.alerts = analyzeStages(frame, detectorError: &result.detectorError)
        return result
    }

    private func analyzeStages(_ frame: Frame, detectorError: inout (any Error)?) -> [Alert] {
        lastPass = .skipped
        var out = switchMotion(motion.analyze(frame))
        if settings.tamper.enabled {
            if tamper == nil || tamper!.width != frame.gray.width || tamper!.height != frame.gray.height {
                tamper = TamperDetector(width: frame.gray.width, height: frame.gray.height, camera: camera,
                                        parameters: settings.tamper)
            }
            if let a = tamper!.update(frame.gray, facts: facts(frame)) { out.append(a) }
        }
        if let detection, let rgb = frame.rgb, !detectorFailed, switches?.detect ?? true {
            let step: DetectionStage.Step
            do {
                step = try detection.analyze(rgb: rgb, frame: frame.index, mediaTime: frame.mediaTime,
                                             sourceWidth: frame.sourceWidth, sourceHeight: frame.sourceHeight,
                                             motion: motion.lastResult)
            } catch {
                detectorFailed = true
                detectorError = error
                return out
            }
            lastTracks = step.stepped ? step.tracks : lastTracks
            lastPass = step.pass
            var objects = step.enters
            if step.stepped {
                if step.searched { counters.detectorFrames += 1 }
                // Per frame: objects entering, then what the rules say about them, then objects leaving (a
                // zone_exit of a track that ended comes before its object_exit).
                objects += detection.withParts(rules.update(step.tracks, facts: facts(frame)))
                objects += step.exits
                if settings.snapshots.enabled { keepPicture(rgb, frame: frame, tracks: step.tracks) }
            }
            if !objects.isEmpty {
                if settings.snapshots.enabled {
                    attachSnapshots(&objects, sourceWidth: frame.sourceWidth, sourceHeight: frame.sourceHeight, picture: rgb)
                }
                out += objects
            }
        }
        return out
    }

    /// The motion alerts the motion switch lets out.
    private func switchMotion(_ alerts: [Alert]) -> [Alert] {
        guard !alerts.isEmpty else { return alerts }
        let on = switches?.motion ?? true
        return alerts.filter { a in
            switch a.event {
            case "motion_start": motionStartSent = on; return on
            case "motion_end": defer { motionStartSent = false }; return motionStartSent
            default: return true
            }
        }
    }

    /// The facts of the frame just analysed, for the sinks that follow a camera's state: whether a motion event
    /// is open, the moving regions, the objects in view (confirmed tracks) by label.
    public func summary(of frame: Frame, alerts: Int) -> FrameSummary {
        var byLabel: [String: Int] = [:]
        for t in lastTracks where t.state == .confirmed { byLabel[t.label, default: 0] += 1 }
        return FrameSummary(camera: camera, frame: frame.index, mediaTime: frame.mediaTime,
                            timestamp: clock.timestamp(mediaTime: frame.mediaTime), motion: motion.eventOpen,
                            motionRegions: motion.lastResult?.regions.count ?? 0,
                            objects: byLabel.sorted { $0.key < $1.key }.map { LabelCount(label: $0.key, count: $0.value) },
                            alerts: alerts)
    }

    /// At the end of the input (or on stop): open motion events end, tracks still inside get `object_exit`.
    public func finish() -> [Alert] {
        var out = switchMotion(motion.finish())
        if let detection {
            var exits = detection.finish()
            if !exits.isEmpty, settings.snapshots.enabled, let picture = lastPicture {
                attachSnapshots(&exits, sourceWidth: lastSourceSize.width, sourceHeight: lastSourceSize.height,
                                picture: picture)
            }
            out += exits
        }
        return out
    }

    /// Copies `rgb` aside while confirmed tracks exist (their `object_exit` at the end of the input needs a
    /// picture); nothing is copied while no object is in view.
    private func keepPicture(_ rgb: PixelBuffer, frame: Frame, tracks: [Track]) {
        guard tracks.contains(where: { $0.state == .confirmed || $0.state == .lost }) else { return }
        if lastPicture == nil || lastPicture!.width != rgb.width || lastPicture!.height != rgb.height
            || lastPicture!.format != rgb.format {
            lastPicture = PixelBuffer(width: rgb.width, height: rgb.height, format: rgb.format)
        }
        let copy = lastPicture!
        let bytes = rgb.width * rgb.format.bytesPerPixel
        for y in 0..<rgb.height { (copy.data + y * copy.stride).update(from: rgb.data + y * rgb.stride, count: bytes) }
        lastSourceSize = (frame.sourceWidth, frame.sourceHeight)
    }

    private func facts(_ frame: Frame) -> FrameFacts {
        FrameFacts(frame: frame.index, mediaTime: frame.mediaTime, timestamp: clock.timestamp(mediaTime: frame.mediaTime))
    }

    private func attachSnapshots(_ alerts: inout [Alert], sourceWidth: Int, sourceHeight: Int, picture: PixelBuffer) {
        guard let writer = snapshotWriter() else { return }
        let sx = Float(picture.width) / Float(max(1, sourceWidth))
        let sy = Float(picture.height) / Float(max(1, sourceHeight))
        let now = Date().timeIntervalSince1970
        for i in alerts.indices {
            guard let box = alerts[i].box, let track = alerts[i].trackID else { continue }
            let a = alerts[i]
            var name = "\(camera.name)-\(a.frame)-\(a.event)-\(track)"
            if let z = a.zone { name += "-\(z)" }
            if let l = a.line { name += "-\(l)" }
            let scaled = Box(x1: box.x1 * sx, y1: box.y1 * sy, x2: box.x2 * sx, y2: box.y2 * sy)
            var caption = a.label ?? ""
            if let s = a.score { caption += String(format: " %.0f%%", s * 100) }
            do {
                alerts[i].snapshot = try writer.write(picture, box: scaled, label: caption, name: name, now: now)
                counters.snapshotsWritten += 1
            } catch {
                counters.snapshotErrors += 1
                if counters.snapshotErrors == 1 || counters.snapshotErrors % 100 == 0 {
                    report("snapshot not written (\(counters.snapshotErrors) so far): \(error)")
                }
            }
        }
    }

    /// The writer for the current settings, made on first use (its directory is created with its parents);
    /// nil when the directory cannot be made: reported once, and alerts go out without snapshots.
    private func snapshotWriter() -> SnapshotWriter? {
        if let snapshots { return snapshots }
        guard !snapshotsTried else { return nil }
        snapshotsTried = true
        let s = settings.snapshots
        do {
            try FileManager.default.createDirectory(atPath: s.directory, withIntermediateDirectories: true)
            snapshots = try SnapshotWriter(directory: s.directory, retainCount: s.retainCount,
                                           retainSeconds: s.retainDays * 86_400, quality: s.quality)
        } catch {
            report("snapshots off: cannot use snapshots.dir '\(s.directory)': \(error)")
        }
        return snapshots
    }
}
