import VigilCore

/// A model that cannot serve as a detector: missing, unreadable, or with outputs no adapter understands.
/// Reported at start-up as a configuration error (exit 78).
///
/// Thread safety: an immutable value.
public struct DetectorError: Error, UserFacingError, Equatable {
    public var model: String
    public var reason: String

    public init(model: String, reason: String) { self.model = model; self.reason = reason }

    public var description: String { "model \(model): \(reason)" }
    public var exitStatus: ExitStatus { .config }
}
