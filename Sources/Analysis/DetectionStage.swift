import Detection
import Motion
import Tracking
import VigilCore

/// Object detection of one camera. On every `detect.every_n_frames`-th frame it is given it decides where to
/// look, runs the camera's models there (`DetectorBank` on the shared `InferencePool`), applies the config's
/// label allow-list and per-label filters, merges the detections of every region and model (class-aware NMS
/// by label), hands them to the camera's tracker (`track.kind`: `ByteTracker` or `IOUTracker`) and turns
/// confirmed tracks into `object_enter` alerts and their end into `object_exit` alerts (label, score, box).
///
/// Where it looks:
/// - without motion (`motion` nil: motion off) or with `detect.motion_gating: false`: the whole frame;
/// - motion-gated: a full-frame pass when `detect.full_frame_s` of stream time have passed since the last one
///   (and on the first frame); otherwise the motion regions as `RegionPlanner` shapes them (padded, merged,
///   at the model's aspect, at most `max_regions`; one full-frame pass when they would cover
///   `full_frame_coverage` of the frame); no motion: no inference at all. Detections of the last analysed
///   frame's full-frame pass that no confirmed track holds yet (a new object, seen once) are looked at again on the next
///   frame as if they moved, so a still object is confirmed in `track.min_hits` frames, not full-frame passes;
///   so are the tracks still moving (`isMoving`), where the tracker predicts them.
/// - motion the tracker already explains is searched on every `detect.tracked_every_n_frames`-th analysed frame
///   only: a box to look at (motion, or a moving track) of which at least `ObservedArea.minCoverage` lies inside
///   the boxes — padded as motion boxes are — of confirmed tracks a detection matched within the last N − 1
///   analysed frames is held (`markTracked`), and a planned region whose every box is held is left out (the
///   regions are planned on every box, so merging is as without the key); its tracks are held meanwhile (not
///   searched, so neither aged nor moved), and once one of them was last matched N analysed frames ago its
///   motion is due again. Motion anywhere else — a new object, a tentative or stale track, a track that was searched and not
///   found — is searched at once. When nothing is left, the frame is `.tracked`: no inference. On a frame the
///   planner turns into a full-frame pass for the CNNs, their whole-frame pass runs on every Nth analysed frame,
///   or at once when new motion appears (a motion box overlapping none of the last analysed frame's); between,
///   only the area-cost models search (a `.regions` pass of their regions alone).
/// - models whose cost grows with the searched area (`Detector.searchCostsByArea`: `hog_people`) search the
///   motion regions even when the planner turns the frame into a full-frame pass for the others because the
///   regions would cover most of it (`areaSearch`: the same padded regions, merged, at the model's own aspect);
///   only the periodic full-frame pass (and a frame without gating) searches the whole frame with them. The
///   tracker is then told those regions were searched, so a still person one of them found is held, not aged.
///
/// Still objects: on a frame searched only in part, the tracker is told which rectangles were searched
/// (`Tracker.update(_:at:observed:)`); tracks outside them are carried forward unchanged instead of aging,
/// so a still object keeps its one track between two full-frame passes, without exit/enter churn.
///
/// Deterministic: output depends only on the frames and motion results (jobs come back in order).
///
/// Thread safety: not thread-safe; owned by one camera's analysis thread (the bank and the pool are shared).
public final class DetectionStage {
    /// Where the detector looked in one analysed frame.
    public enum Pass: Sendable, Equatable {
        /// Not an analysed frame (`every_n_frames`): the tracker was not stepped.
        case skipped
        /// Gated, and nothing moved: no inference; the tracker was stepped with every track carried forward.
        case noMotion
        /// Gated, and everything that moved was searched recently (`tracked_every_n_frames`): it lies inside
        /// tracks matched within the last N − 1 analysed frames, or — a frame the CNNs would search whole — they
        /// did so within the last N − 1 and nothing new moved. No inference; every track carried forward.
        case tracked
        case fullFrame
        /// The searched rectangles, source pixels.
        case regions([Box])
    }

    /// What one offered frame did: where the detector looked, the objects that entered and left, and the
    /// tracker's report for the rules.
    ///
    /// Thread safety: a plain value.
    public struct Step: Sendable {
        /// Where the detector looked; `.skipped`: not an analysed frame, the tracker was not stepped.
        public var pass: Pass = .skipped
        /// `object_enter` alerts of tracks confirmed in this frame, by track id.
        public var enters: [Alert] = []
        /// `object_exit` alerts of tracks that ended in this frame, by track id.
        public var exits: [Alert] = []
        /// The tracker's report after this frame (every live track, by id); empty when not stepped.
        public var tracks: [Track] = []

        /// Whether the tracker was stepped (a gated frame without motion steps it too, carrying every track).
        public var stepped: Bool { pass != .skipped }
        /// Whether a detector looked at the frame (a full frame or regions).
        public var searched: Bool { pass != .skipped && pass != .noMotion && pass != .tracked }
        /// Enters, then exits.
        public var alerts: [Alert] { enters + exits }
    }

    public let detectors: DetectorBank
    private let camera: CameraID
    private let clock: AlertClock
    private var config: DetectionSettings
    private var planning: RegionPlanner.Parameters
    private var planner: RegionPlanner? = nil
    /// The planner of the area-cost models' regions on a coverage full-frame pass (never a full frame).
    private var areaPlanner: RegionPlanner? = nil
    /// Where the area-cost models look on this full-frame pass (nil: the whole frame, as the others).
    public private(set) var areaSearch: [Box]? = nil
    private var tracker: any Tracker
    private var offered = 0
    private var lastFullFrame: Double? = nil
    /// Confirmed tracks that got an `object_enter`, with the label and box they were last seen with.
    private var inside: [Int: Track] = [:]
    /// The parts (head box, keypoints, face) of each live track's last matched detection, by track id.
    private var parts: [Int: DetectionParts] = [:]
    private var last: (frame: Int, mediaTime: Double) = (0, 0)
    private var jobs: [DetectorBank.Job] = []
    private var merged: [Detection] = []
    /// Boxes of the last analysed frame's detections that no confirmed track holds: searched again next frame.
    private var pending: [Box] = []
    private var lookAt: [Box] = []
    /// This frame's motion boxes (gated frames), and when motion last touched each track (by id).
    private var motionBoxes: [Box] = []
    private var lastMotionAt: [Int: Double] = [:]
    /// Analysed frames so far (the current one included), and the analysed frame each live track was last matched
    /// on (by id): which tracks explain their motion (`markTracked`).
    private var analysed = 0
    private var matchedAt: [Int: Int] = [:]
    /// The tracker's report after the last analysed frame, and scratch: the padded boxes of the fresh tracks.
    private var lastTracks: [Track] = []
    private var fresh: [Box] = []
    /// Per box of `lookAt`: explained by the tracker (`markTracked`).
    private var held: [Bool] = []
    /// The last analysed frame's motion boxes, and the analysed frame the CNNs last looked at the whole frame.
    private var lastMotionBoxes: [Box] = []
    private var lastWholeFrame = 0
    /// This frame's region pass is the area-cost models' alone (the CNNs skip a coverage frame, `planGated`).
    private var areaOnly = false
    /// Where the frame being analysed is searched (read by `step`).
    private var pass: Pass = .skipped
    /// The last analysed frame's detections after filters and merging (source pixels).
    public var detections: [Detection] { merged }
    public let stats = DetectionStats()
    /// Where the CPU time goes: inference jobs to `.detection`, the rest of `analyze` (planning, filters,
    /// merging, the tracker) to `.tracking`. Nil: not measured.
    public var stageTimes: StageTimes? = nil

    public init(detectors: DetectorBank, camera: CameraID, clock: AlertClock, detect: DetectionSettings, track: TrackerSettings) {
        self.detectors = detectors; self.camera = camera; self.clock = clock; self.config = detect
        planning = DetectionStage.planning(detect)
        tracker = track.makeTracker()
    }

    static func planning(_ detect: DetectionSettings) -> RegionPlanner.Parameters {
        RegionPlanner.Parameters(padding: Float(detect.regionPadding), minSize: Float(detect.minRegionSize),
                                 maxRegions: detect.maxRegions, fullFrameCoverage: Float(detect.fullFrameCoverage))
    }

    /// New filters, label allow-list, cadence and gating settings from the next frame (a reload); the tracker
    /// keeps its tracks. The models are not changed here (`detect.model(s)` restarts the camera).
    public func apply(_ detect: DetectionSettings) {
        config = detect
        let p = DetectionStage.planning(detect)
        if p != planning { planning = p; planner = nil; areaPlanner = nil }
    }

    /// One detector on a pool of its own with one slot (tests, `vigil detect`-like tools).
    public convenience init(detector: any Detector, camera: CameraID, clock: AlertClock, detect: DetectionSettings,
                            track: TrackerSettings) {
        let bank = DetectorBank(names: [detect.models.first ?? "detector"], instances: [[detector]],
                                pool: InferencePool(maxInFlight: 1))
        self.init(detectors: bank, camera: camera, clock: clock, detect: detect, track: track)
    }

    /// Where a frame with these motion results is searched (`motion` nil: motion off). Advances the
    /// full-frame cadence; called by `analyze` for every analysed frame.
    func plan(motion: MotionResult?, mediaTime: Double, sourceWidth: Int, sourceHeight: Int) -> Pass {
        swap(&motionBoxes, &lastMotionBoxes)
        motionBoxes.removeAll(keepingCapacity: true)
        areaSearch = nil
        areaOnly = false
        guard config.motionGating, let motion else { lastWholeFrame = analysed; return .fullFrame }
        for r in motion.regions { motionBoxes.append(r.box) }
        if let t = lastFullFrame, mediaTime - t < config.fullFrameSeconds - 1e-9 {
            if planner?.width != sourceWidth || planner?.height != sourceHeight {
                let input = detectors.models[0].inputSize
                planner = RegionPlanner(width: sourceWidth, height: sourceHeight,
                                        aspect: Float(input.width) / Float(input.height), parameters: planning)
            }
            lookAt.removeAll(keepingCapacity: true)
            lookAt.append(contentsOf: motionBoxes)
            lookAt.append(contentsOf: pending)
            if let pass = planGated(sourceWidth: sourceWidth, sourceHeight: sourceHeight) { return pass }
        }
        lastFullFrame = mediaTime
        lastWholeFrame = analysed
        return .fullFrame
    }

    /// The pass of a gated frame between two periodic full-frame passes (`lookAt` filled); nil: a full-frame pass
    /// of every model. The kind of pass — regions, or one full frame for the CNNs because the regions would cover
    /// most of it — is planned on every box; what is searched then leaves out the motion the tracker explains
    /// (`markTracked`), and the CNNs' whole-frame pass on such a frame runs on every `trackedEveryNFrames`-th
    /// analysed frame unless new motion (overlapping none of the last analysed frame's) appeared.
    private func planGated(sourceWidth: Int, sourceHeight: Int) -> Pass? {
        let all = planner!.plan(lookAt)
        if all == .nothing { return .noMotion }
        markTracked()
        if case .regions(let r) = all {
            let due = dueRegions(r)
            return due.isEmpty ? .tracked : .regions(due)
        }
        let byArea = detectors.models.contains(where: \.searchCostsByArea)
        if byArea { areaSearch = dueRegions(planAreaSearch(sourceWidth: sourceWidth, sourceHeight: sourceHeight) ?? []) }
        let n = config.trackedEveryNFrames
        if n <= 1 || analysed - lastWholeFrame >= n || hasNewMotion() {
            lastWholeFrame = analysed
            return byArea ? .fullFrame : nil
        }
        // the CNNs looked at the whole frame within n − 1 frames and nothing new moved: the area-cost models only
        guard let regions = areaSearch, !regions.isEmpty else { areaSearch = nil; return .tracked }
        areaSearch = nil
        areaOnly = true
        return .regions(regions)
    }

    /// Whether a motion box of this frame overlaps none of the last analysed frame's: something started moving
    /// where nothing moved before.
    private func hasNewMotion() -> Bool {
        motionBoxes.contains { m in !lastMotionBoxes.contains { RegionPlanner.overlaps($0, m) } }
    }

    /// Marks in `held` the boxes of `lookAt` the tracker explains: at least `ObservedArea.minCoverage` of a box
    /// lies inside the boxes, each padded by `region_padding` of its larger side, of the confirmed tracks a
    /// detection matched within the last `trackedEveryNFrames` − 1 analysed frames.
    private func markTracked() {
        held.removeAll(keepingCapacity: true)
        held.append(contentsOf: repeatElement(false, count: lookAt.count))
        let n = config.trackedEveryNFrames
        guard n > 1, !lookAt.isEmpty else { return }
        fresh.removeAll(keepingCapacity: true)
        for t in lastTracks where t.state == .confirmed {
            guard let at = matchedAt[t.id], analysed - at < n else { continue }
            let p = Float(config.regionPadding) * max(t.box.width, t.box.height)
            fresh.append(Box(x1: t.box.x1 - p, y1: t.box.y1 - p, x2: t.box.x2 + p, y2: t.box.y2 + p))
        }
        guard !fresh.isEmpty else { return }
        for i in lookAt.indices { held[i] = DetectionStage.coveredFraction(lookAt[i], by: fresh) >= ObservedArea.minCoverage }
    }

    /// The planned regions (of every box of `lookAt`, so merging is as without the key) that hold a box not
    /// `held`: a region whose every box the tracker explains is left out.
    private func dueRegions(_ regions: [Box]) -> [Box] {
        guard held.contains(true) else { return regions }  // nothing held (always with the default N = 1)
        return regions.filter { r in lookAt.indices.contains { !held[$0] && RegionPlanner.overlaps(r, lookAt[$0]) } }
    }

    /// The fraction of `b`'s area inside the union of `boxes` (exact: the union cut into the cells of the boxes'
    /// edges within `b`); 1 for an empty `b` inside one of them, 0 outside.
    static func coveredFraction(_ b: Box, by boxes: [Box]) -> Float {
        var xs: [Float] = [b.x1, b.x2], ys: [Float] = [b.y1, b.y2]
        var near: [Box] = []
        for r in boxes where r.x1 < b.x2 && r.x2 > b.x1 && r.y1 < b.y2 && r.y2 > b.y1 {
            near.append(r)
            xs += [max(r.x1, b.x1), min(r.x2, b.x2)]
            ys += [max(r.y1, b.y1), min(r.y2, b.y2)]
        }
        if b.area <= 0 { return boxes.contains { r in RegionPlanner.overlaps(r, b) } ? 1 : 0 }
        guard !near.isEmpty else { return 0 }
        xs = Array(Set(xs)).sorted(); ys = Array(Set(ys)).sorted()
        var inside: Float = 0
        for i in 0..<(xs.count - 1) {
            let cx = (xs[i] + xs[i + 1]) / 2
            for j in 0..<(ys.count - 1) {
                let cy = (ys[j] + ys[j + 1]) / 2
                if near.contains(where: { $0.x1 <= cx && cx <= $0.x2 && $0.y1 <= cy && cy <= $0.y2 }) {
                    inside += (xs[i + 1] - xs[i]) * (ys[j + 1] - ys[j])
                }
            }
        }
        return inside / b.area
    }

    /// The regions of `lookAt` for the area-cost models (nil: there are none), shaped to the first such model's
    /// input aspect and never widened to the whole frame (the coverage rule is what a CNN needs, not them).
    private func planAreaSearch(sourceWidth: Int, sourceHeight: Int) -> [Box]? {
        guard let model = detectors.models.first(where: \.searchCostsByArea) else { return nil }
        if areaPlanner?.width != sourceWidth || areaPlanner?.height != sourceHeight {
            // The padded motion boxes as they are (no aspect, no full frame), each at least one window of the
            // model at 2x (`HOGPeopleDetector`'s upscale: its smallest person), so that a small walker's region
            // is searched and a large group's is not widened further.
            var p = planning
            p.fullFrameCoverage = .infinity
            p.fitsAspect = false
            p.minSize = Float(model.inputSize.height) / 2 / Float(min(sourceWidth, sourceHeight))
            areaPlanner = RegionPlanner(width: sourceWidth, height: sourceHeight,
                                        aspect: Float(model.inputSize.width) / Float(model.inputSize.height), parameters: p)
        }
        if case .regions(let r) = areaPlanner!.plan(lookAt) { return r }
        return nil
    }

    /// The jobs of a full-frame pass: every model on the whole frame, the area-cost ones on `areaSearch` if set.
    private func fullFrameJobs() {
        for (m, model) in detectors.models.enumerated() {
            if model.searchCostsByArea, let regions = areaSearch {
                for r in regions { jobs.append(.init(model: m, region: r)) }
            } else {
                jobs.append(.init(model: m, region: nil))
            }
        }
    }

    /// Offers one frame (`rgb`: the picture as RGB24 at any size with the source's aspect; `motion`: the
    /// motion stage's result for this frame, nil with motion off). Returns what it did; frames between two
    /// analysed ones are `.skipped` and do not step the tracker. Throws what the detector throws.
    public func analyze(rgb: PixelBuffer, frame: Int, mediaTime: Double, sourceWidth: Int, sourceHeight: Int,
                        motion: MotionResult? = nil) throws -> Step {
        offered += 1
        guard (offered - 1) % config.everyNFrames == 0 else { return Step() }
        analysed += 1
        var cpu = stageTimes == nil ? 0 : ThreadCPUClock.nanoseconds()
        last = (frame, mediaTime)
        pass = plan(motion: motion, mediaTime: mediaTime, sourceWidth: sourceWidth, sourceHeight: sourceHeight)
        jobs.removeAll(keepingCapacity: true)
        var observed: [Box]? = nil
        switch pass {
        case .skipped: break
        case .noMotion, .tracked:
            observed = []
        case .fullFrame:
            fullFrameJobs()
            observed = areaSearch?.map { DetectionStage.reachingOut($0, width: sourceWidth, height: sourceHeight) }
        case .regions(let regions):
            for r in regions {
                for m in detectors.models.indices where !areaOnly || detectors.models[m].searchCostsByArea {
                    jobs.append(.init(model: m, region: r))
                }
            }
            observed = regions.map { DetectionStage.reachingOut($0, width: sourceWidth, height: sourceHeight) }
        }
        stats.count(pass)
        merged.removeAll(keepingCapacity: true)
        if !jobs.isEmpty {
            if let stageTimes { stageTimes.charge(.tracking, since: cpu) }
            let found = try detectors.detect(rgb, jobs: jobs, sourceWidth: sourceWidth, sourceHeight: sourceHeight,
                                             cpu: stageTimes)
            if stageTimes != nil { cpu = ThreadCPUClock.nanoseconds() }
            for (job, ds) in zip(jobs, found) {
                for d in ds where config.accepts(label: d.label, score: d.score, box: d.box,
                                                 frameWidth: sourceWidth, frameHeight: sourceHeight) {
                    // a body box built from keypoints may reach past the region: judge what the model saw
                    if let r = job.region, DetectionStage.isCut(d.parts?.headBox ?? d.box, by: r, width: sourceWidth,
                                                                 height: sourceHeight) {
                        continue
                    }
                    merged.append(d)
                }
            }
            if jobs.count > 1 { merged = DetectionStage.mergeAcrossJobs(merged) }
            merged = PersonFaceFusion.fuse(merged)
        }
        let result = step(merged, frame: frame, mediaTime: mediaTime, observed: observed)
        stageTimes?.charge(.tracking, since: cpu)
        return result
    }

    /// IoU above which two detections of one label from different regions or models are one object.
    public static let mergeIoU: Float = 0.5

    /// The detections of several jobs (overlapping regions, two models of one label find the same object twice)
    /// as one list: label-aware hard NMS at `mergeIoU`, best score first (ties: job order).
    public static func mergeAcrossJobs(_ detections: [Detection]) -> [Detection] {
        NonMaxSuppression.run(detections, iouThreshold: mergeIoU)
    }

    /// Seconds a moving track is followed after motion last touched it.
    static let followSeconds = 1.0

    /// A track not (yet) stationary and moving faster than a tenth of its size per second is followed for up to
    /// `followSeconds` after motion last touched it: looked for where it is predicted even without motion
    /// there (an object that vanishes or stops where the motion detector sees no change is found missing, or
    /// still, in `max_age` frames rather than at the next full pass). The tracker's stationary test, or the time
    /// limit, ends it (a model whose boxes change with the zoom looks like motion; it is not).
    static func isMoving(_ t: Track) -> Bool {
        guard !t.isStationary else { return false }
        let speed = (t.velocityX * t.velocityX + t.velocityY * t.velocityY).squareRoot()
        return speed >= 0.1 * max(t.box.width, t.box.height, 1)
    }

    /// Whether a detection found in region `r` reaches one of its inner sides (a side not on the frame's
    /// border): the object goes on outside the region, its box is cut, and it is left to a pass that sees it
    /// whole (its track, not wholly inside the region either, is carried forward meanwhile).
    static func isCut(_ b: Box, by r: Box, width: Int, height: Int) -> Bool {
        let e: Float = 1, w = Float(width), h = Float(height)
        return (r.x1 > e && b.x1 <= r.x1 + e) || (r.y1 > e && b.y1 <= r.y1 + e)
            || (r.x2 < w - e && b.x2 >= r.x2 - e) || (r.y2 < h - e && b.y2 >= r.y2 - e)
    }

    /// A searched rectangle as the tracker's observed area: sides on the frame's border reach out past it, so
    /// a track leaving the picture there counts as looked for (and ends) rather than held.
    static func reachingOut(_ r: Box, width: Int, height: Int) -> Box {
        let w = Float(width), h = Float(height), far = max(w, h)
        return Box(x1: r.x1 <= 1 ? -far : r.x1, y1: r.y1 <= 1 ? -far : r.y1,
                   x2: r.x2 >= w - 1 ? w + far : r.x2, y2: r.y2 >= h - 1 ? h + far : r.y2)
    }

    /// Steps the tracker with one analysed frame's detections (already filtered); `observed` nil: the whole
    /// frame was searched.
    func step(_ detections: [Detection], frame: Int, mediaTime: Double, observed: [Box]? = nil) -> Step {
        var result = Step(pass: pass)
        let tracks = tracker.update(detections, at: mediaTime, observed: observed)
        result.tracks = tracks
        lastTracks = tracks
        noteParts(detections, tracks: tracks)
        pending.removeAll(keepingCapacity: true)
        // New objects a full-frame pass found (region passes follow motion already: looking again at what they
        // alone found would let a model whose boxes change with the zoom keep itself searching)
        if pass == .fullFrame {
            for d in detections where !tracks.contains(where: { $0.state == .confirmed && $0.box.iou(d.box) >= 0.3 }) {
                pending.append(d.box)
            }
        }
        for t in tracks {
            if t.state == .ended { lastMotionAt.removeValue(forKey: t.id); matchedAt.removeValue(forKey: t.id); continue }
            if t.lastSeen == mediaTime { matchedAt[t.id] = analysed }
            if motionBoxes.contains(where: { RegionPlanner.overlaps($0, t.box) }) { lastMotionAt[t.id] = mediaTime }
            if DetectionStage.isMoving(t), let seen = lastMotionAt[t.id], mediaTime - seen <= DetectionStage.followSeconds {
                pending.append(t.box)
            }
        }
        for t in tracks {  // ordered by id
            switch t.state {
            case .confirmed:
                if inside[t.id] == nil {
                    result.enters.append(alert("object_enter", t, frame: frame, mediaTime: mediaTime))
                }
                inside[t.id] = t
            case .lost:
                break
            case .ended:
                if let seen = inside.removeValue(forKey: t.id) {
                    result.exits.append(alert("object_exit", seen, frame: frame, mediaTime: mediaTime))
                }
                parts.removeValue(forKey: t.id)
            case .tentative:
                break
            }
        }
        return result
    }

    /// At the end of the input: `object_exit` for every track still inside, at the last analysed frame.
    public func finish() -> [Alert] {
        let open = inside.keys.sorted()
        defer { inside = [:]; parts = [:] }
        return open.map { alert("object_exit", inside[$0]!, frame: last.frame, mediaTime: last.mediaTime) }
    }

    /// Remembers the parts of the detection each track matched in this update: the detection of the track's
    /// label with the track's score (`Track.score` is the matched detection's), the best IoU among those.
    private func noteParts(_ detections: [Detection], tracks: [Track]) {
        for t in tracks where t.state != .ended && t.score > 0 {
            var best: (iou: Float, parts: DetectionParts?)? = nil
            for d in detections where d.label == t.label && d.score == t.score {
                let iou = d.box.iou(t.box)
                if best == nil || iou > best!.iou { best = (iou, d.parts) }
            }
            if let best { parts[t.id] = best.parts }
        }
    }

    /// The details an alert about track `id` carries: its last matched detection's parts, if any.
    public func details(track id: Int) -> [(String, JSONValue)]? {
        guard let p = parts[id] else { return nil }
        let d = p.details
        return d.isEmpty ? nil : d
    }

    /// The rules' alerts about tracks with the tracks' parts appended to their details.
    public func withParts(_ alerts: [Alert]) -> [Alert] {
        alerts.map { a in
            guard let id = a.trackID, let d = details(track: id) else { return a }
            var a = a
            a.details = (a.details ?? []) + d
            return a
        }
    }

    private func alert(_ event: String, _ t: Track, frame: Int, mediaTime: Double) -> Alert {
        Alert(timestamp: clock.timestamp(mediaTime: mediaTime), mediaTime: mediaTime, frame: frame, camera: camera,
              event: event, severity: .info, trackID: t.id, label: t.label,
              score: t.score > 0 ? t.score : t.medianScore, box: t.box, details: details(track: t.id))
    }
}
