import Sinks
import VigilCore

/// A record that keeps alerts in memory (the camera's analysis and ingest threads write through `AlertHub`,
/// which serialises the calls).
public final class MemorySink: AlertSink, @unchecked Sendable {  // unchecked: only called under AlertHub's lock; `alerts` read after the camera stopped
    public var alerts: [Alert] = []
    public var written: Int { alerts.count }
    public init() {}
    public func write(_ alert: Alert) throws { alerts.append(alert) }
    public func flush() throws {}
}
