/// What happened to the camera (the `tamper` alert's `details.kind`).
///
/// Thread safety: a plain value.
public enum TamperKind: String, Hashable, Sendable, CaseIterable {
    /// The picture went dark or flat (lens covered, sprayed, unplugged sensor).
    case covered
    /// Sharpness collapsed against its running baseline (lens defocused, smeared, fogged).
    case defocused
    /// The background no longer matches the learnt one (camera turned or knocked).
    case moved
}
