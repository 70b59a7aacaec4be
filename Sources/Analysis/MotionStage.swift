import Motion
import VigilCore

/// Motion analysis of one camera, shared by the replay and the live pipeline: the detector (made for the frame
/// size it is given, remade if that changes) and the event hysteresis. `apply` swaps thresholds between two
/// frames without losing the background model or an open event.
///
/// Thread safety: not thread-safe; owned by one camera's analysis thread.
public final class MotionStage {
    private var detector: MotionDetector? = nil
    private var events: MotionEvents
    private var parameters: MotionParameters
    /// What the detector saw in the last analysed frame (nil before the first, or with motion disabled):
    /// its regions in source pixels gate the object detector.
    public private(set) var lastResult: MotionResult? = nil

    public init(camera: CameraID, clock: AlertClock, config: MotionParameters) {
        parameters = config
        events = MotionEvents(camera: camera, clock: clock, parameters: parameters)
    }

    /// New thresholds, effective from the next frame.
    public func apply(_ newConfig: MotionParameters) {
        parameters = newConfig
        detector?.parameters = parameters
        events.parameters = parameters
    }

    /// Forget the background (the next frame becomes it), e.g. after a reconnect.
    public func resetBackground() { detector?.reset() }

    /// Analyses one frame; returns the alerts it causes (usually none: no allocation then).
    public func analyze(_ frame: Frame) -> [Alert] {
        guard parameters.enabled else { lastResult = nil; return [] }
        let gray = frame.gray
        let d: MotionDetector
        if let existing = detector, existing.width == gray.width, existing.height == gray.height {
            d = existing
        } else {
            d = MotionDetector(width: gray.width, height: gray.height, parameters: parameters)
            detector = d
        }
        let result = d.process(gray, sourceWidth: frame.sourceWidth, sourceHeight: frame.sourceHeight)
        lastResult = result
        return events.update(result, frame: frame.index, mediaTime: frame.mediaTime)
    }

    /// Whether a motion event is open (between its `motion_start` and `motion_end`).
    public var eventOpen: Bool { events.active }

    /// Ends an open event at the end of the input.
    public func finish() -> [Alert] { events.finish() }
}
