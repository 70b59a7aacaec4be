import VigilCore

/// The IoU tracker of Bochinski, Eiselein and Sikora, "High-Speed Tracking-by-Detection Without Using
/// Image Information" (AVSS 2017), in online form.
///
/// Per update: detections scoring below σ_l are dropped; each active track in birth order takes the
/// remaining detection with the highest IoU with its last box (ties: the earlier detection) if that IoU
/// is ≥ σ_IoU; detections left over start tentative tracks. A track is confirmed (gets its id and is
/// reported) in the first update where it has at least `tMin` matched detections and its best score
/// reaches σ_h. A tentative track that misses an update ends (as in the paper); a confirmed track that
/// misses is `lost` for up to `maxAge` updates (keeping its last box for matching) before it ends, so
/// short detector gaps do not split identities; any track no detection matched for `maxUnseenSeconds` ends,
/// searched or not. With `maxAge == 0` the tracks are exactly the paper's,
/// reported from their confirming frame on.
///
/// Thread safety: a value type; one owner (the camera's tracking stage) calls `update` serially.
public struct IOUTracker: Tracker {
    public struct Configuration: Hashable, Sendable {
        /// σ_l: detections scoring below are ignored. Range 0...1, default 0.
        public var sigmaL: Float
        /// σ_h: a track must reach this best score to be confirmed. Range 0...1, default 0.5.
        public var sigmaH: Float
        /// σ_IoU: minimum IoU to extend a track. Range 0...1, default 0.5.
        public var sigmaIOU: Float
        /// t_min: matched detections a track needs before it is confirmed. ≥ 1, default 2.
        public var tMin: Int
        /// Updates a confirmed track may miss before it ends. ≥ 0, default 5.
        public var maxAge: Int
        /// A box counts as not moving while its IoU with where it settled is at least this. Default 0.85.
        public var stationaryIoU: Float
        /// Matched updates without moving before a track is flagged stationary. Default 10.
        public var stationaryFrames: Int
        /// A track no detection matched for this long (in `update`'s time unit) ends, also while it is outside
        /// the searched area. > 0, default infinity (no bound).
        public var maxUnseenSeconds: Double

        public init(sigmaL: Float = 0, sigmaH: Float = 0.5, sigmaIOU: Float = 0.5, tMin: Int = 2, maxAge: Int = 5,
                    stationaryIoU: Float = 0.85, stationaryFrames: Int = 10, maxUnseenSeconds: Double = .infinity) {
            precondition(tMin >= 1 && maxAge >= 0 && stationaryFrames >= 0 && maxUnseenSeconds > 0,
                         "tMin ≥ 1, maxAge ≥ 0, stationaryFrames ≥ 0, maxUnseenSeconds > 0")
            self.maxUnseenSeconds = maxUnseenSeconds
            self.sigmaL = sigmaL; self.sigmaH = sigmaH; self.sigmaIOU = sigmaIOU; self.tMin = tMin
            self.maxAge = maxAge; self.stationaryIoU = stationaryIoU; self.stationaryFrames = stationaryFrames
        }
    }

    public let configuration: Configuration
    public private(set) var frameCount = 0
    private var nextID = 1
    /// Active tracks (tentative, confirmed, lost) in birth order.
    private var tracks: [TrackRecord] = []
    // Scratch, reused every update.
    private var candidates: [Int] = []
    private var taken: [Bool] = []
    private var index = SweepIndex()
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
        candidates.removeAll(keepingCapacity: true)
        taken.removeAll(keepingCapacity: true)
        for (k, d) in detections.enumerated() where d.score >= c.sigmaL {
            candidates.append(k)
            taken.append(false)
        }
        output.removeAll(keepingCapacity: true)
        if c.sigmaIOU > 0 { index.rebuild(count: candidates.count) { detections[candidates[$0]].box } }

        for t in tracks.indices {
            let last = tracks[t].box
            var best = -1
            var bestIOU: Float = -1
            if c.sigmaIOU > 0 {
                // Only detections that overlap can reach σ_IoU; the best IoU wins, ties the earlier detection.
                for position in index.range(overlapping: last.x1, last.x2) {
                    let k = index.order[position]
                    guard !taken[k] else { continue }
                    let iou = last.iou(detections[candidates[k]].box)
                    if iou > bestIOU || (iou == bestIOU && k < best) { bestIOU = iou; best = k }
                }
            } else {
                // σ_IoU = 0: as in the paper, the first remaining detection matches even with IoU 0.
                for k in candidates.indices where !taken[k] {
                    let iou = last.iou(detections[candidates[k]].box)
                    if iou > bestIOU { bestIOU = iou; best = k }
                }
            }
            if best >= 0, bestIOU >= c.sigmaIOU {
                taken[best] = true
                let d = detections[candidates[best]]
                tracks[t].observe(d, box: d.box, at: time, stationaryIoU: c.stationaryIoU)
                switch tracks[t].state {
                case .tentative: tracks[t].confirmIfReady(tMin: c.tMin, minScore: c.sigmaH, nextID: &nextID)
                case .lost: tracks[t].state = .confirmed
                case .confirmed, .ended: break
                }
            } else {
                tracks[t].miss(looked: ObservedArea.covers(observed, last), at: time, maxAge: c.maxAge,
                               maxUnseen: c.maxUnseenSeconds)
            }
            if tracks[t].id != 0 { output.append(tracks[t].snapshot(stationaryFrames: c.stationaryFrames)) }
        }
        tracks.removeAll { $0.state == .ended }

        for k in candidates.indices where !taken[k] {
            let d = detections[candidates[k]]
            var r = TrackRecord(detection: d, box: d.box, at: time)
            r.confirmIfReady(tMin: c.tMin, minScore: c.sigmaH, nextID: &nextID)
            if r.id != 0 { output.append(r.snapshot(stationaryFrames: c.stationaryFrames)) }
            tracks.append(r)
        }
        output.sortByID()
        return output
    }
}
