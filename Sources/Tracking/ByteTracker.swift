import VigilCore

/// A motion-predicting tracker: a constant-velocity Kalman filter predicts every track's box, tracks and
/// detections are paired by optimal assignment on the IoU of predicted boxes (`BoxAssociation`), and
/// detections are associated in ByteTrack's two stages (Zhang et al., "ByteTrack: Multi-Object Tracking
/// by Associating Every Detection Box", ECCV 2022):
///
/// 1. confirmed and lost tracks against high-score detections (score ≥ `highThreshold`), IoU ≥ `matchIOU`;
/// 2. the confirmed tracks still unmatched against low-score detections (`lowThreshold` ≤ score <
///    `highThreshold`), IoU ≥ `lowMatchIOU`;
/// 2b. the confirmed and lost tracks still unmatched against the high-score detections left, by centre
///    distance: at most `matchDistance` times the predicted box's height apart, heights within a factor
///    `matchSizeRatio` (a small object, or one missed for a few frames, whose predicted box no longer overlaps
///    its detection keeps its track instead of starting a new one);
/// 2c. with 2b on, the lost tracks still unmatched against the high-score detections left, by the same centre
///    distance from the box they were last matched with: an object that stopped or turned back while the
///    detector missed it (a walker who turns round at the edge of the picture) is found where it was, however
///    far its prediction has run on; what is still unmatched becomes `lost`,
///    and ends after missing more than `maxAge` updates, or `maxUnseenSeconds` after it was last matched,
///    whichever comes first (a track outside the searched area counts no misses but is bounded in time);
/// 3. tentative tracks against the high-score detections left, IoU ≥ `tentativeMatchIOU`; a tentative
///    track is confirmed (gets its id) after `tMin` consecutive hits, and ends if it misses one;
/// 4. high-score detections still left with score ≥ `newTrackThreshold` start tentative tracks.
///
/// Lost tracks keep moving with their predicted velocity (their size held), so an object that walks
/// behind something is found again where it comes out. Reported boxes are the filtered ones.
///
/// Thread safety: a value type; one owner (the camera's tracking stage) calls `update` serially.
public struct ByteTracker: Tracker {
    public struct Configuration: Hashable, Sendable {
        /// Detections at or above this score are associated first. Range 0...1, default 0.5.
        public var highThreshold: Float
        /// Detections below this score are ignored. Range 0...1, default 0.1.
        public var lowThreshold: Float
        /// A high-score detection left unmatched starts a track only with at least this score. Default 0.6.
        public var newTrackThreshold: Float
        /// Minimum IoU (predicted box, detection) in the first stage. Default 0.2.
        public var matchIOU: Float
        /// Minimum IoU in the second (low-score) stage. Default 0.5.
        public var lowMatchIOU: Float
        /// Minimum IoU for tentative tracks. Default 0.3.
        public var tentativeMatchIOU: Float
        /// Stage 2b: most centre distance, in predicted box heights (0: the stage is off). Default 0 (off: on
        /// crowds of pedestrians close together, scripts/eval_tracking.py, it costs identities); 0.5 for small,
        /// sparse objects a detector misses now and then (`track.match_distance`).
        public var matchDistance: Float
        /// Stage 2b: largest ratio of the two heights (> 1). Default 1.5.
        public var matchSizeRatio: Float
        /// Consecutive hits before a tentative track is confirmed. ≥ 1, default 2.
        public var tMin: Int
        /// Updates a confirmed track may miss before it ends. ≥ 0, default 30.
        public var maxAge: Int
        /// A box counts as not moving while its IoU with where it settled is at least this. Default 0.85.
        public var stationaryIoU: Float
        /// Matched updates without moving before a track is flagged stationary. Default 10.
        public var stationaryFrames: Int
        /// A track no detection matched for this long (in `update`'s time unit) ends, also while it is outside
        /// the searched area (held). > 0, default infinity (no bound); `track.max_unseen_s` sets it per camera.
        public var maxUnseenSeconds: Double

        public init(highThreshold: Float = 0.5, lowThreshold: Float = 0.1, newTrackThreshold: Float = 0.6,
                    matchIOU: Float = 0.2, lowMatchIOU: Float = 0.5, tentativeMatchIOU: Float = 0.3,
                    tMin: Int = 2, maxAge: Int = 30, stationaryIoU: Float = 0.85, stationaryFrames: Int = 10,
                    matchDistance: Float = 0, matchSizeRatio: Float = 1.5, maxUnseenSeconds: Double = .infinity) {
            precondition(tMin >= 1 && maxAge >= 0 && stationaryFrames >= 0 && matchDistance >= 0 && matchSizeRatio > 1
                         && maxUnseenSeconds > 0,
                         "tMin ≥ 1, maxAge ≥ 0, stationaryFrames ≥ 0, matchDistance ≥ 0, matchSizeRatio > 1, maxUnseenSeconds > 0")
            self.maxUnseenSeconds = maxUnseenSeconds
            self.matchDistance = matchDistance; self.matchSizeRatio = matchSizeRatio
            self.highThreshold = highThreshold; self.lowThreshold = lowThreshold
            self.newTrackThreshold = newTrackThreshold; self.matchIOU = matchIOU; self.lowMatchIOU = lowMatchIOU
            self.tentativeMatchIOU = tentativeMatchIOU; self.tMin = tMin; self.maxAge = maxAge
            self.stationaryIoU = stationaryIoU; self.stationaryFrames = stationaryFrames
        }
    }

    private struct Slot: Sendable {
        var record: TrackRecord
        var filter: KalmanBoxFilter
    }

    public let configuration: Configuration
    public private(set) var frameCount = 0
    private var nextID = 1
    /// Active tracks (tentative, confirmed, lost) in birth order.
    private var tracks: [Slot] = []
    // Scratch, reused every update.
    private var high: [Int] = []
    private var low: [Int] = []
    private var taken: [Bool] = []
    private var matched: [Bool] = []
    /// Per track: outside the observed area in this update (neither predicted nor aged).
    private var held: [Bool] = []
    private var rows: [Int] = []
    private var cols: [Int] = []
    private var association = BoxAssociation()
    private var output: [Track] = []

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public mutating func update(_ detections: [Detection], at time: Double) -> [Track] {
        update(detections, at: time, observed: nil)
    }

    public mutating func update(_ detections: [Detection], at time: Double, observed: [Box]?) -> [Track] {
        frameCount += 1
        let c = configuration
        held.removeAll(keepingCapacity: true)
        for t in tracks.indices {
            let looked = ObservedArea.covers(observed, tracks[t].filter.box)
            held.append(!looked)
            if looked { tracks[t].filter.predict(holdSize: tracks[t].record.state != .confirmed) }
        }

        high.removeAll(keepingCapacity: true)
        low.removeAll(keepingCapacity: true)
        taken.removeAll(keepingCapacity: true)
        taken.append(contentsOf: repeatElement(false, count: detections.count))
        matched.removeAll(keepingCapacity: true)
        matched.append(contentsOf: repeatElement(false, count: tracks.count))
        for (k, d) in detections.enumerated() {
            if d.score >= c.highThreshold { high.append(k) } else if d.score >= c.lowThreshold { low.append(k) }
        }

        // Stage 1: confirmed and lost tracks × high-score detections.
        rows.removeAll(keepingCapacity: true)
        for t in tracks.indices where tracks[t].record.state != .tentative { rows.append(t) }
        associate(high, minIOU: c.matchIOU, detections, at: time)

        // Stage 2: confirmed tracks still unmatched × low-score detections.
        rows.removeAll(keepingCapacity: true)
        for t in tracks.indices where tracks[t].record.state == .confirmed && !matched[t] { rows.append(t) }
        associate(low, minIOU: c.lowMatchIOU, detections, at: time)

        // Stage 2b: confirmed and lost tracks still unmatched × high-score detections left, by centre distance to
        // the predicted box.
        if c.matchDistance > 0 {
            rows.removeAll(keepingCapacity: true)
            for t in tracks.indices where tracks[t].record.state != .tentative && !matched[t] { rows.append(t) }
            associate(high, byDistance: true, detections, at: time)
            // Stage 2c: lost tracks still unmatched, by centre distance from where they were last seen.
            rows.removeAll(keepingCapacity: true)
            for t in tracks.indices where tracks[t].record.state == .lost && !matched[t] { rows.append(t) }
            associate(high, byDistance: true, fromLastSeen: true, detections, at: time)
        }

        // Stage 3: tentative tracks × high-score detections left.
        rows.removeAll(keepingCapacity: true)
        for t in tracks.indices where tracks[t].record.state == .tentative { rows.append(t) }
        associate(high, minIOU: c.tentativeMatchIOU, detections, at: time)

        output.removeAll(keepingCapacity: true)
        for t in tracks.indices {
            if !matched[t] {
                tracks[t].record.miss(looked: !held[t], at: time, maxAge: c.maxAge, maxUnseen: c.maxUnseenSeconds)
            }
            if tracks[t].record.id != 0 {
                var snapshot = tracks[t].record.snapshot(stationaryFrames: c.stationaryFrames)
                if !matched[t] { snapshot.box = tracks[t].filter.box }
                output.append(snapshot)
            }
        }
        tracks.removeAll { $0.record.state == .ended }

        // Stage 4: new tracks.
        for k in high where !taken[k] && detections[k].score >= c.newTrackThreshold {
            let d = detections[k]
            let filter = KalmanBoxFilter(box: d.box)
            var slot = Slot(record: TrackRecord(detection: d, box: filter.box, at: time), filter: filter)
            slot.record.confirmIfReady(tMin: c.tMin, minScore: 0, nextID: &nextID)
            if slot.record.id != 0 { output.append(slot.record.snapshot(stationaryFrames: c.stationaryFrames)) }
            tracks.append(slot)
        }
        output.sortByID()
        return output
    }

    /// Associates the tracks listed in `rows` with the detections of `candidates` not yet taken, and
    /// applies the matches.
    private mutating func associate(_ candidates: [Int], minIOU: Float = 0, byDistance: Bool = false,
                                    fromLastSeen: Bool = false, _ detections: [Detection], at time: Double) {
        guard !rows.isEmpty else { return }
        cols.removeAll(keepingCapacity: true)
        association.removeAll()
        for k in candidates where !taken[k] {
            cols.append(k)
            association.colBoxes.append(detections[k].box)
        }
        guard !cols.isEmpty else { return }
        for t in rows { association.rowBoxes.append(fromLastSeen ? tracks[t].record.box : tracks[t].filter.box) }
        if byDistance {
            association.solve(maxDistance: configuration.matchDistance, maxSizeRatio: configuration.matchSizeRatio)
        } else {
            association.solve(minIOU: minIOU)
        }
        for r in rows.indices {
            let col = association.rowToColumn[r]
            guard col >= 0 else { continue }
            let t = rows[r], k = cols[col]
            let d = detections[k]
            taken[k] = true
            matched[t] = true
            // found where it was last seen: the velocity that carried its prediction away is wrong, start afresh
            if fromLastSeen { tracks[t].filter = KalmanBoxFilter(box: d.box) } else { tracks[t].filter.update(d.box) }
            tracks[t].record.observe(d, box: tracks[t].filter.box, at: time, stationaryIoU: configuration.stationaryIoU)
            switch tracks[t].record.state {
            case .tentative:
                tracks[t].record.confirmIfReady(tMin: configuration.tMin, minScore: 0, nextID: &nextID)
            case .lost: tracks[t].record.state = .confirmed
            case .confirmed, .ended: break
            }
        }
    }
}
