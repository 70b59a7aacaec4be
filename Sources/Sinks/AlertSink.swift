import VigilCore

/// Where alerts go. Implementations write each alert whole or not at all.
///
/// Thread safety: implementations say; the pipeline calls a sink from one thread at a time.
public protocol AlertSink: AnyObject {
    func write(_ alert: Alert) throws
    /// Pushes buffered alerts to their destination.
    func flush() throws
    /// Alerts written so far.
    var written: Int { get }
    /// Alerts that could not be written and were let go (a full disk); sinks that throw instead report 0.
    var dropped: Int { get }
}

extension AlertSink {
    public var dropped: Int { 0 }
}

/// A sink failed to write.
public struct SinkError: UserFacingError {
    public var path: String
    public var reason: String
    public var exitStatus: ExitStatus { .failure }
    public var description: String { "\(path): cannot write alerts: \(reason)" }
}
