import Config
import Synchronization
import Media
import VigilCore

/// A camera's recording decisions, made on its analysis thread in media-time order, so that the same input and
/// config give the same clips (and the same `clip` in every alert) whatever the threads' timing:
///
/// - **Event clips.** An event start (`motion_start`, `object_enter`, `tamper`, and the rule events `zone_enter`,
///   `line_cross`, `loitering`, `crowding`, `stationary_object`) with no clip open opens one, from the key frame
///   at or before `start − pre_roll_s`. Motion, each tracked object and tamper are activities with an end
///   (`motion_end`, `object_exit`, `tamper_cleared`); a rule event is an instant. Overlapping events share the
///   clip; it closes `post_roll_s` after the last activity ended. A clip reaching `max_clip_s` ends at the next
///   key frame and a continuation clip starts there (also after a reconnect that changed the stream).
///   Every alert made while a clip is open gets `clip` and `clip_offset_s`: where its event (the motion, the
///   object's track, the tamper episode, or the alert itself) starts in that clip (0 when it started in an
///   earlier clip). The name is `DIR/CAMERA/events/CAMERA-YYYYMMDDTHHMMSS.mmmZ.mp4`, the `ts` of the clip's
///   first frame.
/// - **Continuous segments** (`continuous: true`): `DIR/CAMERA/continuous/CAMERA-….mp4`, each from a key frame,
///   cut at the first key frame `segment_s` after its start.
///
/// Packets come from the camera's `PreRollBuffer`, taken as the analysis reaches their time, and go to the
/// camera's `RecordWriter` thread. Stream-health alerts (`stream_*`, `detector_error`) get no clip.
///
/// Thread safety: not thread-safe; owned by the camera's analysis thread.
public final class Recorder {
    struct OpenFile {
        var id: Int
        var path: String
        /// Media time of the first frame.
        var start: Double
        var parameters: StreamParameters?
        /// A packet was dropped: skip to the next key frame.
        var needsKeyframe = false
    }

    static let activityStarts: Set<String> = ["motion_start", "object_enter", "tamper"]
    static let activityEnds: Set<String> = ["motion_end", "object_exit", "tamper_cleared"]
    static let instantEvents: Set<String> = ["zone_enter", "line_cross", "loitering", "crowding", "stationary_object"]
    static let noClip: Set<String> = ["stream_up", "stream_down", "stream_error", "detector_error"]

    public let camera: CameraID
    public let buffer: PreRollBuffer
    public let writer: RecordWriter
    public var counters: RecordingCounters { writer.counters }
    private var config: RecordConfig
    private let clock: AlertClock
    /// `ts − media time`, refreshed at every frame (constant in a replay).
    private var anchor = 0.0
    private var nextID = 1
    private var clip: OpenFile? = nil
    private var segment: OpenFile? = nil
    /// Open activities and when they started; starts of events of the open clip (for offsets).
    private var activities: [String: Double] = [:]
    private var eventStarts: [String: Double] = [:]
    private var lastEnd = -Double.infinity
    /// `DIR/CAMERA` as the recorder started (a `dir` changed by a reload applies when the camera restarts: the
    /// writer's free-space checks and retention stay on one folder).
    private let cameraDirectory: String

    public init(camera: CameraID, config: RecordConfig, clock: AlertClock, buffer: PreRollBuffer,
                writer: RecordWriter) {
        self.camera = camera
        self.config = config
        self.clock = clock
        self.buffer = buffer
        self.writer = writer
        cameraDirectory = Recorder.cameraDirectory(config, camera: camera)
        buffer.configure(preRollSeconds: config.preRollSeconds, maxBytes: config.preRollMaxBytes,
                         enabled: config.enabled)
        _ = writer.send(.retention(Recorder.policy(config)))
    }

    /// A recorder with its own pre-roll buffer and writer thread (`.block`: replay, `.drop`: live).
    public convenience init(camera: CameraID, config: RecordConfig, clock: AlertClock, queuePolicy: WriterQueuePolicy,
                            report: @escaping @Sendable (String) -> Void) {
        let writer = RecordWriter(cameraDirectory: Recorder.cameraDirectory(config, camera: camera),
                                  capacity: config.queuePackets, policy: queuePolicy, minFreeBytes: config.minFreeBytes,
                                  counters: RecordingCounters(), report: report)
        self.init(camera: camera, config: config, clock: clock,
                  buffer: PreRollBuffer(preRollSeconds: config.preRollSeconds, maxBytes: config.preRollMaxBytes),
                  writer: writer)
    }

    /// The recording figures for `--stats`.
    public var statsJSON: JSONValue {
        let c = counters
        func v(_ a: borrowing Atomic<Int>) -> JSONValue { .int(a.load(ordering: .relaxed)) }
        return .object([
            ("clips", v(c.clipsStarted)), ("segments", v(c.segmentsStarted)), ("files_closed", v(c.filesClosed)),
            ("packets_written", v(c.packetsWritten)), ("bytes_written", v(c.bytesWritten)),
            ("queue_drops", v(c.queueDrops)), ("disk_full_drops", v(c.diskFullDrops)),
            ("preroll_overflow_drops", v(buffer.overflowDrops)), ("preroll_peak_bytes", v(buffer.peakBytes)),
        ])
    }

    /// The folder of a camera's recordings.
    public static func cameraDirectory(_ config: RecordConfig, camera: CameraID) -> String {
        config.directory + "/" + camera.name
    }

    static func policy(_ c: RecordConfig) -> RetentionPolicy {
        RetentionPolicy(eventsMaxAge: c.eventsRetainDays * 86_400, continuousMaxAge: c.continuousRetainDays * 86_400,
                        maxTotalBytes: c.maxTotalBytes)
    }

    /// New settings (a reload): pre-roll and byte cap from the next packet, the rest from the next file;
    /// recording turned off closes the open files.
    public func apply(_ new: RecordConfig) {
        guard new != config else { return }
        config = new
        buffer.configure(preRollSeconds: new.preRollSeconds, maxBytes: new.preRollMaxBytes, enabled: new.enabled)
        if !new.enabled { closeClip(); closeSegment() }
        if !new.continuous { closeSegment() }
        _ = writer.send(.retention(Recorder.policy(new)))
    }

    /// One analysed frame at media time `t` and its alerts: opens or extends clips for the events (setting the
    /// alerts' `clip`), then writes the packets up to `t`.
    public func process(_ alerts: inout [Alert], mediaTime t: Double) {
        anchor = clock.timestamp(mediaTime: t) - t
        guard config.enabled else { return }
        for i in alerts.indices { handle(&alerts[i]) }
        for p in buffer.advance(to: t) { route(p) }
    }

    /// The end of the input (or a stop): the last alerts, every packet left, then the files are closed and the
    /// writer has written everything.
    public func finish(_ alerts: inout [Alert]) {
        if config.enabled {
            for i in alerts.indices { handle(&alerts[i]) }
            for p in buffer.drain() { route(p) }
        }
        closeClip()
        closeSegment()
        writer.finish()
    }

    // MARK: - Events

    private func handle(_ a: inout Alert) {
        guard !Recorder.noClip.contains(a.event) else { return }
        let key = Recorder.activityKey(a)
        let t = a.mediaTime
        var start = activities[key] ?? eventStarts[key] ?? t
        if Recorder.activityStarts.contains(a.event) {
            if let open = activities[key] { start = open } else { activities[key] = t; start = t }
        } else if Recorder.activityEnds.contains(a.event) {
            activities[key] = nil
            lastEnd = max(lastEnd, t)
        } else if Recorder.instantEvents.contains(a.event) {
            lastEnd = max(lastEnd, t)
        }
        let opens = Recorder.activityStarts.contains(a.event) || Recorder.instantEvents.contains(a.event)
        if opens && clip == nil { openClip(eventTime: t) }
        guard let clip else { return }
        eventStarts[key] = start
        a.clip = clip.path
        a.clipOffsetSeconds = max(0, start - clip.start)
    }

    /// Which event an alert belongs to: the object's track, motion, tamper, or the alert itself.
    static func activityKey(_ a: Alert) -> String {
        if let id = a.trackID { return "track:\(id)" }
        if a.event.hasPrefix("motion_") { return "motion" }
        if a.event.hasPrefix("tamper") { return "tamper" }
        return "\(a.event):\(a.frame):\(a.zone ?? ""):\(a.line ?? "")"
    }

    // MARK: - Files

    private func openClip(eventTime: Double) {
        let window = buffer.window(from: eventTime - config.preRollSeconds)
        let start = window?.first?.decodeTime ?? eventTime  // the file's time 0 (MP4Writer's zero)
        var file = OpenFile(id: nextID, path: path("events", start), start: start,
                            parameters: window?.first?.parameters)
        nextID += 1
        counters.clipsStarted.wrappingAdd(1, ordering: .relaxed)
        open(&file)
        clip = file
        for p in window ?? [] { send(p, to: &clip!) }
    }

    private func closeClip() {
        guard let c = clip else { return }
        _ = writer.send(.close(id: c.id))
        clip = nil
        eventStarts.removeAll()
    }

    private func closeSegment() {
        guard let s = segment else { return }
        _ = writer.send(.close(id: s.id))
        segment = nil
    }

    private func open(_ f: inout OpenFile) {
        guard let parameters = f.parameters else { return }
        if !writer.send(.open(id: f.id, path: f.path, parameters: parameters, audio: config.audio)) {
            counters.queueDrops.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// A packet the analysis has reached: into the clip (closing, capping or continuing it first) and the segment.
    private func route(_ p: MediaPacket) {
        if let c = clip {
            if activities.isEmpty, p.decodeTime > lastEnd + config.postRollSeconds {
                closeClip()
            } else if p.isKeyframe, c.parameters != nil,
                      p.decodeTime - c.start >= config.maxClipSeconds || c.parameters !== p.parameters {
                closeClip()
                var next = OpenFile(id: nextID, path: path("events", p.decodeTime), start: p.decodeTime,
                                    parameters: p.parameters)
                nextID += 1
                counters.clipsStarted.wrappingAdd(1, ordering: .relaxed)
                open(&next)
                clip = next
            }
        }
        if clip != nil { send(p, to: &clip!) }
        guard config.continuous else { return }
        if let s = segment, p.isKeyframe, p.decodeTime - s.start >= config.segmentSeconds || s.parameters !== p.parameters {
            closeSegment()
        }
        if segment == nil {
            guard p.isKeyframe else { return }
            var s = OpenFile(id: nextID, path: path("continuous", p.decodeTime), start: p.decodeTime,
                             parameters: p.parameters)
            nextID += 1
            counters.segmentsStarted.wrappingAdd(1, ordering: .relaxed)
            open(&s)
            segment = s
        }
        send(p, to: &segment!)
    }

    private func send(_ p: MediaPacket, to f: inout OpenFile) {
        if f.parameters == nil {  // a clip opened before any key frame: it starts at the first one
            guard p.isKeyframe else { return }
            f.parameters = p.parameters
            open(&f)
        }
        if f.needsKeyframe, p.kind == .video {
            guard p.isKeyframe else {
                counters.queueDrops.wrappingAdd(1, ordering: .relaxed)
                return
            }
            f.needsKeyframe = false
        }
        if !writer.send(.packet(id: f.id, p)) {
            counters.queueDrops.wrappingAdd(1, ordering: .relaxed)
            if p.kind == .video { f.needsKeyframe = true }
        }
    }

    private func path(_ kind: String, _ mediaTime: Double) -> String {
        let stamp = Timestamp.rfc3339(anchor + mediaTime).filter { $0 != "-" && $0 != ":" }
        return cameraDirectory + "/\(kind)/\(camera.name)-\(stamp).mp4"
    }
}
