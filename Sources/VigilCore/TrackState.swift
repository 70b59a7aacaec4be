/// Where a track is in its life: `tentative → confirmed → lost → ended` (a lost track that is matched
/// again becomes confirmed again; a tentative track that misses an update ends without ever being
/// reported).
///
/// Thread safety: a plain value.
public enum TrackState: String, Hashable, Sendable, CaseIterable {
    /// Born from a detection, not yet trusted (too few hits or too low a score); never reported.
    case tentative
    /// Trusted and matched to a detection in this update.
    case confirmed
    /// Trusted but not matched in this update; kept for `maxAge` updates in case it reappears.
    case lost
    /// Gone for good; reported once, in the update where it ended. Its id is never used again.
    case ended
}
