import Config
import Foundation
import Logging
import Pipeline
import Sinks
import Testing
import TestSupport
import VigilCore

/// A record that keeps alerts in memory (the camera's analysis and ingest threads write through `AlertHub`,
/// which serialises the calls).
final class MemorySink: AlertSink, @unchecked Sendable {  // unchecked: only called under AlertHub's lock; `alerts` read after the camera stopped
    var alerts: [Alert] = []
    var written: Int { alerts.count }
    func write(_ alert: Alert) throws { alerts.append(alert) }
    func flush() throws {}
}

@Suite struct LiveCameraTests {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A file decodes far faster than real time: with a slow analysis stage the drop-oldest ring must drop,
    /// count every drop, and never lose track of a frame: decoded = analysed + dropped + skipped once drained.
    @Test func slowAnalysisDropsOldestAndCountsEveryFrame() throws {
        let memory = MemorySink()
        let sink = AlertHub(record: memory)
        var options = LiveCameraOptions(name: "slow", url: Fixtures.path("boxes.mp4"))
        options.stream.ringCapacity = 4
        options.simulatedAnalysisSeconds = 0.02
        var cam = CameraConfig(name: "slow", url: options.url)
        cam.detect.fps = 120  // every frame is wanted
        let camera = LiveCamera(options: options, settings: CameraSettings(cam), hub: sink,
                                logger: quiet)
        camera.start()
        #expect(waitUntil(timeout: 10) { camera.metrics.framesDropped.load(ordering: .relaxed) > 20 })
        camera.stop()
        #expect(camera.join(timeout: 5))
        let m = camera.metrics
        let decoded = m.framesDecoded.load(ordering: .relaxed)
        let analysed = m.framesAnalyzed.load(ordering: .relaxed)
        let dropped = m.framesDropped.load(ordering: .relaxed)
        let skipped = m.framesSkipped.load(ordering: .relaxed)
        #expect(skipped == 0)
        #expect(analysed > 0 && dropped > analysed, "decoded \(decoded), analysed \(analysed), dropped \(dropped)")
        #expect(decoded == analysed + dropped + skipped, "decoded \(decoded), analysed \(analysed), dropped \(dropped)")
        #expect(m.analysisSeconds.snapshot().count == analysed)
        #expect(memory.alerts.first?.event == "stream_up")
    }

    /// End of a file on a live camera is a disconnect: stream_down, then the reconnect replays it (stream_up).
    @Test func endOfStreamIsADisconnectFollowedByAReconnect() throws {
        let memory = MemorySink()
        let sink = AlertHub(record: memory)
        var options = LiveCameraOptions(name: "eof", url: Fixtures.path("boxes.mp4"))
        options.stream.reconnectInitialSeconds = 0.1
        options.stream.reconnectMaxSeconds = 1
        let cam = CameraConfig(name: "eof", url: options.url)
        let camera = LiveCamera(options: options, settings: CameraSettings(cam), hub: sink,
                                logger: quiet)
        camera.start()
        #expect(waitUntil(timeout: 15) { camera.metrics.reconnects.load(ordering: .relaxed) >= 1
                && camera.metrics.framesDecoded.load(ordering: .relaxed) > 300 })
        camera.stop()
        #expect(camera.join(timeout: 5))
        let events = memory.alerts.map(\.event).filter { $0.hasPrefix("stream_") }
        #expect(Array(events.prefix(3)) == ["stream_up", "stream_down", "stream_up"], "\(events)")
        let down = memory.alerts.first { $0.event == "stream_down" }
        #expect(down?.details?.first { $0.0 == "reason" }?.1 == .string("end of stream"))
        // Media time and frame numbers keep increasing across the reconnect.
        let ups = memory.alerts.filter { $0.event == "stream_up" }
        #expect(ups.count >= 2 && ups[1].frame > ups[0].frame && ups[1].mediaTime > ups[0].mediaTime)
    }

    @Test func openFailureIsStreamDownThenStreamErrorsWithBackoff() throws {
        let memory = MemorySink()
        let sink = AlertHub(record: memory)
        var options = LiveCameraOptions(name: "gone", url: "/nonexistent/clip.mp4")
        options.stream.reconnectInitialSeconds = 0.1
        options.stream.reconnectMaxSeconds = 0.4
        options.stream.reconnectJitter = 0
        let camera = LiveCamera(options: options, settings: CameraSettings(CameraConfig(name: "gone", url: options.url)),
                                hub: sink, logger: quiet)
        camera.start()
        sleep(2)
        camera.stop()
        #expect(camera.join(timeout: 2))
        let events = memory.alerts.map(\.event)
        #expect(events.first == "stream_down")
        #expect(events.dropFirst().allSatisfy { $0 == "stream_error" })
        // 0.1 + 0.2 + 0.4 + 0.4 + … in 2 s: 5–7 attempts, not hundreds.
        #expect((4...8).contains(events.count), "\(events.count) attempts")
        let retry = memory.alerts.compactMap { a in a.details?.first { $0.0 == "retry_in_s" }?.1 }
        #expect(retry.prefix(3) == [.double(0.1), .double(0.2), .double(0.4)])
    }
}
