import VigilCore

/// Turns per-frame motion into `motion_start` / `motion_end` alerts with hysteresis: motion must last
/// `minFrames` consecutive frames to start an event (against single-frame noise) and be absent for
/// `eventGapSeconds` to end it (one walk across the picture is one event, not a flicker of many).
///
/// `motion_start` carries the frame and media time where the run of motion began; `motion_end` those of the
/// last frame with motion, and `duration_s` in its details. Pure and deterministic: same input, same alerts.
///
/// Thread safety: not thread-safe; owned by one camera's analysis thread.
public struct MotionEvents: Sendable {
    public var parameters: MotionParameters
    public let camera: CameraID
    public let clock: AlertClock

    /// True between `motion_start` and `motion_end`.
    public private(set) var active = false
    private var runLength = 0
    private var runStartFrame = 0
    private var runStartTime = 0.0
    private var runBox: Box? = nil
    private var runPeakRegions = 0
    private var lastMotionFrame = 0
    private var lastMotionTime = 0.0
    private var eventStartTime = 0.0
    private var eventPeakFraction = 0.0

    public init(camera: CameraID, clock: AlertClock, parameters: MotionParameters) {
        self.camera = camera; self.clock = clock; self.parameters = parameters
    }

    /// Feeds one analysed frame; returns the alerts it causes (zero or one).
    public mutating func update(_ result: MotionResult, frame: Int, mediaTime: Double) -> [Alert] {
        if result.hasMotion {
            let box = result.regions.dropFirst().reduce(result.regions[0].box) { $0.union($1.box) }
            if runLength == 0 {
                runStartFrame = frame; runStartTime = mediaTime; runBox = box; runPeakRegions = 0
            } else {
                runBox = runBox?.union(box) ?? box
            }
            runLength += 1
            runPeakRegions = max(runPeakRegions, result.regions.count)
            lastMotionFrame = frame
            lastMotionTime = mediaTime
            eventPeakFraction = max(eventPeakFraction, result.changedFraction)
            if !active && runLength >= parameters.minFrames {
                active = true
                eventStartTime = runStartTime
                return [alert("motion_start", frame: runStartFrame, mediaTime: runStartTime, box: runBox,
                              details: [("regions", .int(runPeakRegions)),
                                        ("frames", .int(runLength))])]
            }
            return []
        }
        // A lighting change is neither motion nor stillness: it does not break a run or end an event.
        if result.lightingChange { return [] }
        runLength = 0
        if active && mediaTime - lastMotionTime >= parameters.eventGapSeconds {
            return [end()]
        }
        if !active { eventPeakFraction = 0 }
        return []
    }

    /// Ends an open event at the end of the input; returns its `motion_end`, if any.
    public mutating func finish() -> [Alert] {
        runLength = 0
        return active ? [end()] : []
    }

    private mutating func end() -> Alert {
        active = false
        let a = alert("motion_end", frame: lastMotionFrame, mediaTime: lastMotionTime, box: nil,
                      details: [("duration_s", .double(JSONValue.rounded(lastMotionTime - eventStartTime, places: 3))),
                                ("peak_changed", .double(JSONValue.rounded(eventPeakFraction, places: 4)))])
        eventPeakFraction = 0
        return a
    }

    private func alert(_ event: String, frame: Int, mediaTime: Double, box: Box?,
                       details: [(String, JSONValue)]) -> Alert {
        Alert(timestamp: clock.timestamp(mediaTime: mediaTime), mediaTime: mediaTime, frame: frame, camera: camera,
              event: event, severity: .info, box: box, details: details)
    }
}
