/// One tracked object as a tracker reports it after an update: a value snapshot, safe to keep.
///
/// Thread safety: an immutable-by-copy value; share freely.
public struct Track: Hashable, Sendable {
    /// Unique per tracker (per camera), assigned in order of confirmation from 1, never reused.
    public var id: Int
    public var state: TrackState
    /// The best estimate of where the object is: the matched detection's box (IoU tracker) or the
    /// Kalman-filtered box (motion-predicting tracker); for a lost track, its last (or predicted) box.
    public var box: Box
    /// The score of the detection matched in this update; 0 when the track was not matched.
    public var score: Float
    /// The median of the last (up to 16) matched scores, as Frigate's `threshold` uses it.
    public var medianScore: Float
    /// The class that won the majority vote over the matched detections (ties: the one seen first).
    public var classIndex: Int
    public var label: String
    /// Times (the `at` of `update`) of the first and the last matched detection.
    public var firstSeen: Double
    public var lastSeen: Double
    /// Velocity of the box centre in pixels per second (time unit of `update`), smoothed.
    public var velocityX: Float
    public var velocityY: Float
    /// True once the box has stayed put (IoU with where it settled ≥ `stationaryIoU`) for
    /// `stationaryFrames` matched updates.
    public var isStationary: Bool
    /// Matched updates so far, and consecutive updates without a match.
    public var hits: Int
    public var misses: Int

    public init(id: Int, state: TrackState, box: Box, score: Float, medianScore: Float, classIndex: Int,
                label: String, firstSeen: Double, lastSeen: Double, velocityX: Float, velocityY: Float,
                isStationary: Bool, hits: Int, misses: Int) {
        self.id = id; self.state = state; self.box = box; self.score = score; self.medianScore = medianScore
        self.classIndex = classIndex; self.label = label; self.firstSeen = firstSeen; self.lastSeen = lastSeen
        self.velocityX = velocityX; self.velocityY = velocityY; self.isStationary = isStationary
        self.hits = hits; self.misses = misses
    }
}
