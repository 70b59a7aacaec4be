import VigilCore

/// A consumer of what cameras report, registered with `AlertHub.add`: an MQTT publisher, the event recorder, the
/// HTTP API's live stream and event index. Each sink gets its own bounded queue, drop counter and thread from the
/// hub, so a slow or stuck sink never holds analysis (or another sink) back; it sees every event it was not made
/// to drop, in the order the hub published them.
///
/// Thread safety: `receive` and `finish` are called on the sink's own delivery thread only, one call at a time;
/// implementations must be Sendable because the hub hands them to that thread.
public protocol EventSink: AnyObject, Sendable {
    /// One event, in publication order. Runs on the sink's thread: blocking here (a broker that is down, a slow
    /// disk) only fills this sink's queue.
    func receive(_ event: SinkEvent)
    /// After the last event, when the hub closes (the daemon stops, a replay ends): flush, disconnect.
    func finish()
}

extension EventSink {
    public func finish() {}
}

/// What a registered sink can ask for besides alerts.
public struct SinkSubscription: Sendable, Equatable {
    /// Queue capacity in events (at least 1); when full, new events for this sink are dropped and counted.
    public var capacity: Int
    /// Whether the sink also receives one `FrameSummary` per analysed frame (motion on/off, object counts).
    public var frames: Bool

    public init(capacity: Int = 1024, frames: Bool = false) {
        self.capacity = max(1, capacity)
        self.frames = frames
    }
}

/// One event on the way to a sink.
public enum SinkEvent: Sendable {
    /// An alert and its JSON line (the bytes the alert log wrote, without the newline), made once for every sink.
    case alert(Alert, line: String)
    /// The facts of one analysed frame of a camera.
    case frame(FrameSummary)
}

/// One analysed frame's facts, for sinks that show a camera's state (an HTTP API's live view, MQTT's
/// `motion` and per-label count topics, a recorder's pre-roll trigger).
///
/// Thread safety: a plain value.
public struct FrameSummary: Sendable, Equatable {
    public var camera: CameraID
    public var frame: Int
    public var mediaTime: Double
    /// Wall-clock (replay: start time + media time) seconds since the epoch.
    public var timestamp: Double
    /// Whether a motion event is open on this camera after this frame.
    public var motion: Bool
    /// Moving regions found in this frame.
    public var motionRegions: Int
    /// Objects the tracker reports in view (confirmed tracks) by label, sorted by label.
    public var objects: [LabelCount]
    /// Alerts this frame produced.
    public var alerts: Int

    public init(camera: CameraID, frame: Int, mediaTime: Double, timestamp: Double, motion: Bool,
                motionRegions: Int = 0, objects: [LabelCount] = [], alerts: Int = 0) {
        self.camera = camera; self.frame = frame; self.mediaTime = mediaTime; self.timestamp = timestamp
        self.motion = motion; self.motionRegions = motionRegions; self.objects = objects; self.alerts = alerts
    }
}

/// How many objects of one label are in view.
public struct LabelCount: Sendable, Equatable {
    public var label: String
    public var count: Int
    public init(label: String, count: Int) { self.label = label; self.count = count }
}
