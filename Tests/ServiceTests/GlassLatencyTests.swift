import Service
import Testing
import VigilCore

/// Glass-to-analysed latency: a frame the sender dates after our clock (its clock ahead, or a wrong mapping)
/// is counted, never clamped to 0 (which passed for an instant frame and hid issue 16's decimation bug).
@Suite struct GlassLatencyTests {
    @Test func framesDatedInTheFutureAreCountedNotObserved() {
        let m = CameraMetrics()
        m.observeGlass(captured: 1000.0, now: 1000.12, alerts: true)
        m.observeGlass(captured: 1000.5, now: 1000.2, alerts: false)
        m.observeGlass(captured: 1001.0, now: 1000.9, alerts: true)
        #expect(m.framesFutureDated.load(ordering: .relaxed) == 2)
        #expect(m.glassToAnalysedSeconds.snapshot().count == 1)
        #expect(m.glassToAlertSeconds.snapshot().count == 1)
        let q = m.glassToAnalysedSeconds.quantile(0.5) ?? 0
        #expect(q >= 0.1 && q <= 0.15, "the one past frame: 120 ms, histogram bucket \(q)")
    }

    @Test func aFrameAtExactlyNowIsObserved() {
        let m = CameraMetrics()
        m.observeGlass(captured: 5, now: 5, alerts: false)
        #expect(m.framesFutureDated.load(ordering: .relaxed) == 0)
        #expect(m.glassToAnalysedSeconds.snapshot().count == 1)
    }
}

/// The per-stage CPU counters of a camera.
@Suite struct StageTimesTests {
    @Test func chargesTheCallingThreadsCPUTimeToAStage() {
        let st = StageTimes()
        let start = ThreadCPUClock.nanoseconds()
        var x: UInt64 = 1
        for i in 0..<3_000_000 { x = x &* 6364136223846793005 &+ UInt64(i) }  // CPU work the clock must see
        #expect(x != 0)
        let next = st.charge(.motion, since: start)
        #expect(next > start)
        #expect(st.seconds(.motion) > 0)
        #expect(st.seconds(.decode) == 0 && st.seconds(.detection) == 0)
        st.add(.decode, 2_500_000_000)
        #expect(st.snapshot()[StageTimes.Stage.decode.rawValue] == 2.5)
        #expect(StageTimes.Stage.allCases.map(\.name) == ["decode", "scale", "motion", "detection", "tracking_rules", "sinks"])
    }
}
