import Config
import Foundation
import Logging
import Pipeline
import Service
import Sinks
import Synchronization
import Testing
import TestSupport
import VigilCore

/// A registered sink that keeps what it receives.
final class CollectingSink: EventSink {
    let events = Mutex<[SinkEvent]>([])
    let finished = Atomic<Bool>(false)
    func receive(_ event: SinkEvent) { events.withLock { $0.append(event) } }
    func finish() { finished.store(true, ordering: .sequentiallyConsistent) }
    var didFinish: Bool { finished.load(ordering: .sequentiallyConsistent) }
    var alerts: [Alert] { events.withLock { $0.compactMap { if case .alert(let a, _) = $0 { a } else { nil } } } }
    var frames: [FrameSummary] { events.withLock { $0.compactMap { if case .frame(let f) = $0 { f } else { nil } } } }
}

/// Every alert passes through the one `AlertHub`, in replay and in the daemon's live cameras: a registered sink
/// gets the record's alerts in the same order, and one frame summary per analysed frame when it asks.
struct AlertFanOutTests {
    /// Replay of boxes.mp4: the sink gets the four motion alerts the record got, and 300 frame summaries whose
    /// motion flag is on exactly between motion_start's emission and motion_end's.
    @Test func replayFansOutAlertsAndFrameSummaries() throws {
        let record = MemorySink()
        let hub = AlertHub(record: record)
        let sink = CollectingSink()
        hub.add(sink, name: "test", subscription: SinkSubscription(capacity: 4096, frames: true))
        let stats = try ReplayPipeline.run(ReplayOptions(input: Fixtures.path("boxes.mp4"), camera: "boxes"), hub: hub)
        #expect(hub.close(timeout: 30))
        #expect(sink.didFinish)
        #expect(record.alerts.map(\.event) == ["motion_start", "motion_end", "motion_start", "motion_end"])
        #expect(sink.alerts.map { $0.jsonLine() } == record.alerts.map { $0.jsonLine() })
        let frames = sink.frames
        #expect(frames.count == stats.framesAnalyzed && frames.map(\.frame) == Array(0..<300))
        #expect(frames.reduce(0) { $0 + $1.alerts } == 4)
        // motion_start is emitted at the third frame of the run (51 + 2) and motion_end after event_gap_s.
        #expect(!frames[52].motion && frames[53].motion && frames[100].motion && !frames[299].motion)
        #expect(frames[100].motionRegions > 0 && frames.allSatisfy { $0.objects.isEmpty })
        #expect(hub.sinkStats.isEmpty)  // closed
    }

    /// A live camera publishes its stream health alerts and frame summaries through the same hub.
    @Test func liveCameraFansOutThroughTheHub() throws {
        let record = MemorySink()
        let hub = AlertHub(record: record)
        let sink = CollectingSink()
        hub.add(sink, name: "test", subscription: SinkSubscription(capacity: 100_000, frames: true))
        let options = LiveCameraOptions(name: "live", url: Fixtures.path("boxes.mp4"))
        let camera = LiveCamera(options: options, settings: CameraSettings(CameraConfig(name: "live", url: options.url)),
                                hub: hub, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        camera.start()
        #expect(waitUntil(timeout: 30) { camera.metrics.framesAnalyzed.load(ordering: .relaxed) >= 10 })
        camera.stop()
        #expect(camera.join(timeout: 10))
        #expect(hub.close(timeout: 30))
        #expect(sink.alerts.first?.event == "stream_up")
        #expect(sink.alerts.map { $0.jsonLine() } == record.alerts.map { $0.jsonLine() })
        let analysed = camera.metrics.framesAnalyzed.load(ordering: .relaxed)
        #expect(sink.frames.count == analysed && sink.frames.allSatisfy { $0.camera.name == "live" })
        #expect(hub.sinkStats.isEmpty)
    }
}
