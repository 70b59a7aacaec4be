import Dispatch
import Foundation
@testable import Sinks
import Synchronization
import Testing
import VigilCore

/// The record of the hub in these tests: alerts in memory, optionally failing from some alert on.
final class MemoryRecord: AlertSink, @unchecked Sendable {  // unchecked: called under the hub's lock only; read after publishing ends
    var alerts: [Alert] = []
    var failFromEvent: String? = nil
    private(set) var written = 0
    func write(_ alert: Alert) throws {
        if let f = failFromEvent, alert.event == f { throw SinkError(path: "memory", reason: "full") }
        alerts.append(alert); written += 1
    }
    func flush() throws {}
}

/// A sink that records what it receives; optionally each `receive` first waits for `gate`, and `entered` is
/// signalled every time `receive` begins.
final class RecordingSink: EventSink {
    let received = Mutex<[SinkEvent]>([])
    let finished = Atomic<Bool>(false)
    let gate: DispatchSemaphore?
    let entered = DispatchSemaphore(value: 0)
    init(gated: Bool = false) { gate = gated ? DispatchSemaphore(value: 0) : nil }
    func receive(_ event: SinkEvent) {
        entered.signal()
        gate?.wait()
        received.withLock { $0.append(event) }
    }
    func finish() { finished.store(true, ordering: .sequentiallyConsistent) }
    var didFinish: Bool { finished.load(ordering: .sequentiallyConsistent) }
    var alertFrames: [Int] {
        received.withLock { $0.compactMap { if case .alert(let a, _) = $0 { a.frame } else { nil } } }
    }
}

func alert(_ frame: Int, camera: String = "c", event: String = "motion_start") -> Alert {
    Alert(timestamp: Double(frame), mediaTime: Double(frame), frame: frame, camera: CameraID(camera), event: event,
          severity: .info)
}

struct AlertHubTests {
    /// A sink stuck in `receive` fills its own queue only: publishing goes on (the calls return: no sink is
    /// waited for), the record gets every alert, the stuck sink's overflow is counted, and once it moves again it
    /// gets the queued alerts in order. Nothing here depends on timing: the test waits for the sink to be inside
    /// `receive` before publishing the rest.
    @Test func slowSinkNeverHoldsPublishingBackAndItsDropsAreCounted() throws {
        let record = MemoryRecord()
        let hub = AlertHub(record: record)
        let slow = RecordingSink(gated: true)
        let fast = RecordingSink()
        hub.add(slow, name: "slow", subscription: SinkSubscription(capacity: 8))
        hub.add(fast, name: "fast", subscription: SinkSubscription(capacity: 64))
        try hub.publish([alert(0)])
        slow.entered.wait()  // the slow sink holds alert 0 and waits for the gate
        for f in 1...20 { try hub.publish([alert(f)]) }
        #expect(record.alerts.map(\.frame) == Array(0...20))
        let stats = hub.sinkStats
        #expect(stats.map(\.name) == ["slow", "fast"])
        #expect(stats[0].queued == 8 && stats[0].dropped == 12, "\(stats[0])")
        #expect(stats[1].dropped == 0)
        for _ in 0..<9 { slow.gate!.signal() }
        #expect(hub.close(timeout: 30))
        #expect(slow.alertFrames == Array(0...8))  // alert 0, then the eight that fitted, in order
        #expect(fast.alertFrames == Array(0...20))
        #expect(slow.didFinish && fast.didFinish)
        let after = hub.sinkStats
        #expect(after.isEmpty)
    }

    /// Four threads publish for four cameras at once: every sink sees one order, the record's, and each camera's
    /// alerts in the order that camera published them.
    @Test func everySinkSeesTheRecordsOrder() throws {
        let record = MemoryRecord()
        let hub = AlertHub(record: record)
        let sinks = (0..<3).map { _ in RecordingSink() }
        for (i, s) in sinks.enumerated() { hub.add(s, name: "s\(i)", subscription: SinkSubscription(capacity: 4096)) }
        DispatchQueue.concurrentPerform(iterations: 4) { cam in
            for f in 0..<500 { hub.send([alert(f, camera: "cam\(cam)")]) }
        }
        #expect(hub.close(timeout: 60))
        let order = record.alerts.map { "\($0.camera.name)/\($0.frame)" }
        #expect(order.count == 2000)
        for s in sinks {
            let got = s.received.withLock { $0.compactMap { if case .alert(let a, _) = $0 { "\(a.camera.name)/\(a.frame)" } else { nil } } }
            #expect(got == order)
        }
        for cam in 0..<4 {
            #expect(record.alerts.filter { $0.camera.name == "cam\(cam)" }.map(\.frame) == Array(0..<500))
        }
    }

    /// The sinks get the alert's JSON line, the same bytes as the log.
    @Test func sinksGetTheAlertAndItsLine() throws {
        let hub = AlertHub(record: MemoryRecord())
        let s = RecordingSink()
        hub.add(s, name: "s")
        let a = alert(7, event: "zone_enter")
        try hub.publish([a])
        #expect(hub.close(timeout: 30))
        let events = s.received.withLock { $0 }
        guard events.count == 1, case .alert(let got, let line) = events[0] else {
            Issue.record("received \(events)"); return
        }
        #expect(got == a && line == a.jsonLine())
    }

    /// `publish` (replay) stops at the first alert the record cannot write and throws; `send` (the daemon) counts
    /// it, reports it and still hands it to the sinks.
    @Test func recordFailuresStopPublishButNotSend() throws {
        let record = MemoryRecord()
        record.failFromEvent = "bad"
        let reported = Mutex<[String]>([])
        let hub = AlertHub(record: record) { e in reported.withLock { $0.append("\(e)") } }
        let s = RecordingSink()
        hub.add(s, name: "s")
        #expect(throws: SinkError.self) { try hub.publish([alert(1), alert(2, event: "bad"), alert(3)]) }
        #expect(record.alerts.map(\.frame) == [1])
        hub.send([alert(4), alert(5, event: "bad"), alert(6)])
        #expect(record.alerts.map(\.frame) == [1, 4, 6])
        #expect(hub.droppedTotal == 2)
        #expect(reported.withLock { $0.count } == 1)
        #expect(hub.alertsByEvent == ["motion_start": 3])
        #expect(hub.close(timeout: 30))
        #expect(s.alertFrames == [1, 4, 5, 6])
    }

    /// Frame summaries go only to the sinks that asked for them, between the alerts in publication order.
    @Test func frameSummariesReachSubscribersOnly() throws {
        let hub = AlertHub(record: MemoryRecord())
        let alertsOnly = RecordingSink(), withFrames = RecordingSink()
        #expect(!hub.wantsFrames)
        hub.add(alertsOnly, name: "a")
        hub.add(withFrames, name: "f", subscription: SinkSubscription(frames: true))
        #expect(hub.wantsFrames)
        let summary = FrameSummary(camera: CameraID("c"), frame: 3, mediaTime: 0.12, timestamp: 0.12, motion: true,
                                   motionRegions: 2, objects: [LabelCount(label: "person", count: 2)], alerts: 1)
        try hub.publish([alert(3)])
        hub.publish(frame: summary)
        #expect(hub.close(timeout: 30))
        #expect(alertsOnly.received.withLock { $0.count } == 1)
        let got = withFrames.received.withLock { $0 }
        #expect(got.count == 2)
        if got.count == 2, case .frame(let f) = got[1] { #expect(f == summary) } else { Issue.record("\(got)") }
    }
}
