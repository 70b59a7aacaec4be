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
    /// An update for a frame the detector searched only in part (motion-gated detection): `observed` lists
    /// the searched rectangles (source pixels). A track whose box lies outside them (less than
    /// `ObservedArea.minCoverage` of its area inside one rectangle: partly seen objects are not aged either) was not looked for: when no detection
    /// matches it, it keeps its state, box, velocity and age instead of counting a miss (a still object is
    /// not lost just because nobody looked), and it is not moved by prediction. It can still be matched.
    /// `observed: nil` is `update(_:at:)`.
    mutating func update(_ detections: [Detection], at time: Double, observed: [Box]?) -> [Track]
    /// Updates so far.
    var frameCount: Int { get }
}

/// The searched part of a frame, as `Tracker.update(_:at:observed:)` takes it.
///
/// Thread safety: stateless.
public enum ObservedArea {
    /// Fraction of a track's box that must lie inside one searched rectangle for the track to count as
    /// looked for.
    public static let minCoverage: Float = 0.9

    /// Whether `box` was looked for: always with `observed == nil` (the whole frame).
    @inlinable
    public static func covers(_ observed: [Box]?, _ box: Box) -> Bool {
        guard let observed else { return true }
        let area = box.area
        for r in observed {
            let iw = min(box.x2, r.x2) - max(box.x1, r.x1), ih = min(box.y2, r.y2) - max(box.y1, r.y1)
            guard iw > 0, ih > 0 else { continue }
            if area <= 0 || iw * ih >= minCoverage * area { return true }
        }
        return false
    }
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
