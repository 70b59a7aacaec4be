import VigilCore

/// Which way an object crossed a line `from → to`, as seen on the picture looking from `from` towards `to`:
/// for a line drawn left to right across the picture, `left` is above it and `right` below it.
///
/// Thread safety: a plain value.
public enum CrossingDirection: String, Hashable, Sendable, CaseIterable {
    case leftToRight = "left_to_right"
    case rightToLeft = "right_to_left"
}
