import VigilCore

/// What every tracker remembers about one track besides its motion model: lifecycle counters, score
/// history, label vote, timing, velocity and the stationary test. Shared by `IOUTracker` and
/// `ByteTracker`; fixed size (no heap storage), so tracks are plain values in the trackers' arrays.
///
/// Thread safety: a value type; no shared state.
struct TrackRecord: Sendable {
    var id = 0
    var state = TrackState.tentative
    var box: Box
    var score: Float
    var maxScore: Float
    var hits = 1
    var misses = 0
    var firstSeen: Double
    var lastSeen: Double
    var scores = ScoreWindow()
    var labels: LabelVote
    var velocityX: Float = 0
    var velocityY: Float = 0
    /// Where the box settled; reset whenever the box moves away from it.
    var anchor: Box
    var stillFrames = 0

    init(detection d: Detection, box: Box, at time: Double) {
        self.box = box
        score = d.score
        maxScore = d.score
        firstSeen = time
        lastSeen = time
        labels = LabelVote(classIndex: d.classIndex, label: d.label)
        anchor = box
        scores.add(d.score)
    }

    /// Records a matched detection; `box` is the track's new estimate (the detection's or a filtered one).
    mutating func observe(_ d: Detection, box newBox: Box, at time: Double, stationaryIoU: Float) {
        let dt = time - lastSeen
        if dt > 0 {
            let vx = (newBox.centerX - box.centerX) / Float(dt)
            let vy = (newBox.centerY - box.centerY) / Float(dt)
            if hits == 1 { velocityX = vx; velocityY = vy } else {
                velocityX = 0.5 * velocityX + 0.5 * vx
                velocityY = 0.5 * velocityY + 0.5 * vy
            }
        }
        if newBox.iou(anchor) >= stationaryIoU { stillFrames += 1 } else { anchor = newBox; stillFrames = 0 }
        box = newBox
        score = d.score
        maxScore = max(maxScore, d.score)
        hits += 1
        misses = 0
        lastSeen = time
        scores.add(d.score)
        labels.add(classIndex: d.classIndex, label: d.label)
    }

    /// Confirms a tentative track once it has `tMin` hits and a best score of at least `minScore`, giving
    /// it the next id.
    mutating func confirmIfReady(tMin: Int, minScore: Float, nextID: inout Int) {
        guard state == .tentative, hits >= tMin, maxScore >= minScore else { return }
        state = .confirmed
        id = nextID
        nextID += 1
    }

    /// An update in which no detection matched this track. `looked`: its area was searched, so the update
    /// counts as a miss (a tentative track ends, a confirmed one is `lost` and ends after more than `maxAge`
    /// misses). Searched or not, a track no detection has matched for `maxUnseen` seconds (`lastSeen` to
    /// `time`) ends: a track held outside the searched regions is not kept forever.
    mutating func miss(looked: Bool, at time: Double, maxAge: Int, maxUnseen: Double) {
        if looked {
            misses += 1
            switch state {
            case .tentative: state = .ended
            case .confirmed, .lost: state = misses > maxAge ? .ended : .lost
            case .ended: break
            }
        }
        if state != .ended, time - lastSeen >= maxUnseen - 1e-9 { state = .ended }
    }

    func snapshot(stationaryFrames: Int) -> Track {
        let w = labels.winner
        return Track(id: id, state: state, box: box, score: misses == 0 ? score : 0, medianScore: scores.median,
                     classIndex: w.classIndex, label: w.label, firstSeen: firstSeen, lastSeen: lastSeen,
                     velocityX: velocityX, velocityY: velocityY, isStationary: stillFrames >= stationaryFrames,
                     hits: hits, misses: misses)
    }
}
