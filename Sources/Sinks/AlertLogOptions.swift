/// How an `AlertLog` rotates and syncs.
///
/// Thread safety: a plain value.
public struct AlertLogOptions: Sendable, Hashable {
    /// Rotate before a line would take the file past this many bytes; 0: never by size.
    public var maxBytes: Int = 64 << 20
    /// Also rotate at the first alert of a new UTC day (by the alert's `ts`).
    public var rotateDaily = false
    /// Rotated files kept: `PATH.1` (newest) … `PATH.keep`; 0 keeps none (the log restarts empty).
    public var keep = 10
    public var sync: SyncPolicy = .interval
    /// Seconds between syncs with `.interval`.
    public var syncInterval = 1.0

    public init() {}
}
