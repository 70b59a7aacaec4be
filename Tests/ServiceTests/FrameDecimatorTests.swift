import Pipeline
import Service
import Testing

@Suite struct FrameDecimatorTests {
    func admitted(fps: Double, streamFPS: Double, seconds: Double, start: Double = 0) -> Int {
        var d = FrameDecimator(fps: fps)
        let n = Int(seconds * streamFPS)
        return (0..<n).filter { d.admit(start + Double($0) / streamFPS) }.count
    }

    @Test func keepsAboutTheConfiguredRate() {
        #expect(admitted(fps: 5, streamFPS: 25, seconds: 10) == 50)
        #expect(admitted(fps: 10, streamFPS: 25, seconds: 10) == 100)
        #expect(abs(admitted(fps: 10, streamFPS: 30, seconds: 10) - 100) <= 1)
        #expect(admitted(fps: 60, streamFPS: 25, seconds: 4) == 100, "above the stream rate: every frame")
    }

    @Test func ptsRoundingDoesNotSkipASlot() {
        // 25 fps in a 90 kHz time base: 3600 ticks, exact; 30000/1001 fps: not.
        var d = FrameDecimator(fps: 10)
        let times = (0..<300).map { Double($0 * 3003) / 90000 }
        let n = times.filter { d.admit($0) }.count
        #expect(abs(n - 100) <= 1)
    }

    @Test func aGapDoesNotCauseABurstAndTimeGoingBackRestarts() {
        var d = FrameDecimator(fps: 5)
        // After the gap (0.1 → 10 s): one frame, not the 50 it "missed"; 1 s: a new session starting over.
        let times = [0, 0.1, 10, 10.04, 10.2, 1, 1.1]
        let got = times.map { d.admit($0) }
        #expect(got == [true, false, true, false, true, true, false])
    }

    @Test func rateChangeAppliesAtOnce() {
        var d = FrameDecimator(fps: 1)
        var got = [0, 0.5].map { d.admit($0) }
        d.setFPS(25)
        got += [0.54, 0.58].map { d.admit($0) }
        #expect(got == [true, false, true, true])
    }
}
