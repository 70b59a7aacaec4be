import VigilCore

/// A multi-object tracker for one camera: a pure, deterministic step from one frame's detections to
/// the tracks. Identical input sequences give identical output; no globals, no I/O, no clocks.
///
/// `update` returns the reported tracks ordered by id: every `confirmed` track (matched in this
/// update), every `lost` track (kept, not matched), and every track that `ended` in this update (once).
/// Tentative tracks are not reported. Call `update` for every frame, also with no detections: frames
/// without detections advance time (lost tracks age and end).
///
/// Thread safety: conforming types are values owned by one camera's tracking stage, which calls `update`
/// serially; different trackers share nothing and may run on different threads.
public protocol Tracker: Sendable {
    /// Advances the tracker by one frame at `time` (seconds, non-decreasing; e.g. the frame's media time).
    /// The returned array reuses the tracker's buffer: let it go before the next update and updates do
    /// not allocate (keeping it is fine; the next update then copies).
    mutating func update(_ detections: [Detection], at time: Double) -> [Track]
    /// Updates so far.
    var frameCount: Int { get }
}

/// Which tracker `vigil track --tracker` and the config's `track.kind` select.
///
/// Thread safety: a plain value.
public enum TrackerKind: String, Hashable, Sendable, CaseIterable {
    /// Bochinski et al.'s IoU tracker (`IOUTracker`).
    case iou
    /// Kalman motion prediction, optimal assignment and ByteTrack's two-stage association (`ByteTracker`).
    case byte
}

extension Array where Element == Track {
    /// Insertion sort by id: the trackers' output is nearly sorted already, and this never allocates.
    mutating func sortByID() {
        guard count > 1 else { return }
        for i in 1..<count {
            let x = self[i]
            var j = i
            while j > 0, self[j - 1].id > x.id { self[j] = self[j - 1]; j -= 1 }
            if j != i { self[j] = x }
        }
    }
}
