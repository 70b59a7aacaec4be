/// When the alert log is forced to the disk (`alerts.sync`).
///
/// Thread safety: a plain value.
public enum SyncPolicy: String, Sendable, Hashable, CaseIterable {
    /// `fdatasync` after every alert: nothing acknowledged is lost in a power cut; the slowest.
    case always
    /// `fdatasync` at most every `syncInterval` seconds (and at flush/close): a power cut loses at most that long.
    case interval
    /// Never forced; the kernel writes back in its own time (a process crash still loses nothing written).
    case never
}
