import Analysis
import Config
import Pipeline
import Synchronization

/// The part of a camera's config that a reload applies in place, from the next frame, without reopening the
/// stream: the analysis rate and everything `AnalysisSettings` holds (motion and tamper thresholds, the
/// detector's filters, zones, lines, schedules, snapshots) and recording (`record:`, except its `audio`). Everything else (URL, transport, timeouts, analysis
/// frame height, decoder threads, the model) restarts the camera.
public struct CameraSettings: Sendable, Equatable {
    public var analysis: AnalysisSettings
    public var detectFPS: Double
    /// The camera's `record:` (the top-level one with the camera's keys on top).
    public var record: RecordConfig

    public init(_ camera: CameraConfig, config: VigilConfig = VigilConfig()) {
        analysis = AnalysisSettings(camera: camera, rules: config.rules, snapshots: config.snapshots)
        detectFPS = camera.detect.fps
        record = camera.record
    }
}

/// Publishes new `CameraSettings` to a camera's threads. Readers compare `generation` (one relaxed-cost
/// atomic load per frame) and take the lock only when it moved.
///
/// Thread safety: `update` from any thread; `generation` and `current` from any thread.
public final class CameraSettingsBox: Sendable {
    private let value: Mutex<CameraSettings>
    private let gen = Atomic<Int>(0)

    public init(_ s: CameraSettings) { value = Mutex(s) }

    public func update(_ s: CameraSettings) {
        value.withLock { $0 = s }
        gen.wrappingAdd(1, ordering: .releasing)  // release: pairs with `generation`'s acquire in the readers
    }

    /// Changes every time `update` runs.
    public var generation: Int { gen.load(ordering: .acquiring) }  // acquire: see `update`

    public var current: CameraSettings { value.withLock { $0 } }
}
