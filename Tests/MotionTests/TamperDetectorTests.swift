import Testing
import TestSupport
import VigilCore
@testable import Motion

/// Camera tamper on synthetic grey frames with a known change at frame 100 (25 fps): the alert comes
/// `min_s` (2 s = 50 frames) later, once, with the right kind; an unchanged or textureless scene gives none.
@Suite struct TamperDetectorTests {
    static let w = 214, h = 120

    /// A fixed texture (smoothed random blocks) shifted by `dx`, `dy`, optionally box-blurred, plus per-frame
    /// noise of ±`noise` grey levels.
    static func frame(seed: UInt64, dx: Int = 0, dy: Int = 0, blur: Int = 0, black: Bool = false,
                      flat: Bool = false, noise: Int = 3) -> PixelBuffer {
        let b = PixelBuffer(width: w, height: h, format: .gray8)
        var base = [Int](repeating: 0, count: (w + 40) * (h + 40))
        var rng = SplitMix(seed: 99)
        let cell = 6
        var cells = [Int](repeating: 0, count: ((w + 40) / cell + 1) * ((h + 40) / cell + 1))
        for i in cells.indices { cells[i] = 40 + Int(rng.next() % 170) }
        let cw = (w + 40) / cell + 1
        for y in 0..<(h + 40) { for x in 0..<(w + 40) { base[y * (w + 40) + x] = cells[(y / cell) * cw + x / cell] } }
        var n = SplitMix(seed: seed)
        for y in 0..<h {
            for x in 0..<w {
                var v: Int
                if blur > 0 {
                    var s = 0, c = 0
                    for yy in max(0, y + 20 + dy - blur)...min(h + 39, y + 20 + dy + blur) {
                        for xx in max(0, x + 20 + dx - blur)...min(w + 39, x + 20 + dx + blur) { s += base[yy * (w + 40) + xx]; c += 1 }
                    }
                    v = s / c
                } else {
                    v = base[(y + 20 + dy) * (w + 40) + x + 20 + dx]
                }
                if black { v = 2 }
                if flat { v = 128 }
                v += Int(n.next() % UInt64(2 * noise + 1)) - noise
                b.data[y * b.stride + x] = UInt8(clamping: v)
            }
        }
        return b
    }

    func run(_ make: (Int) -> PixelBuffer, frames: Int = 200) -> [Alert] {
        var d = TamperDetector(width: Self.w, height: Self.h, camera: "cam")
        var out: [Alert] = []
        for i in 0..<frames {
            let t = Double(i) / 25
            if let a = d.update(make(i), facts: FrameFacts(frame: i, mediaTime: t, timestamp: t)) { out.append(a) }
        }
        return out
    }

    func kinds(_ alerts: [Alert]) -> [String] {
        alerts.map { a in
            let kind = a.details?.first { $0.0 == "kind" }.map { $0.1.serialized() } ?? "?"
            return "\(kind)@\(a.frame)"
        }
    }

    @Test func unchangedSceneIsQuiet() {
        #expect(run { i in Self.frame(seed: UInt64(i)) }.isEmpty)
    }

    @Test func covered() {
        let a = run { i in Self.frame(seed: UInt64(i), black: i >= 100) }
        #expect(kinds(a) == [#""covered"@150"#])
        #expect(a.first?.severity == .critical && a.first?.event == "tamper")
    }

    @Test func flatGreyIsCovered() {
        #expect(kinds(run { i in Self.frame(seed: UInt64(i), flat: i >= 100, noise: 1) }) == [#""covered"@150"#])
    }

    @Test func defocused() {
        #expect(kinds(run { i in Self.frame(seed: UInt64(i), blur: i >= 100 ? 3 : 0) }) == [#""defocused"@150"#])
    }

    @Test func moved() {
        // One alert: after it the new view is the background.
        #expect(kinds(run({ i in Self.frame(seed: UInt64(i), dx: i >= 100 ? 9 : 0, dy: i >= 100 ? 4 : 0) }, frames: 300))
                == [#""moved"@150"#])
    }

    /// A textured frame with a large object (another texture, about a quarter of the view) over its top-left.
    static func occluded(seed: UInt64, present: Bool, plain: Bool = false) -> PixelBuffer {
        let b = frame(seed: seed)
        if plain {  // a wall lit from above: contrast, but no structure at the block scale
            var n = SplitMix(seed: seed)
            for y in 0..<h { for x in 0..<w { b.data[y * b.stride + x] = UInt8(60 + y * 40 / h + Int(n.next() % 5)) } }
        }
        guard present else { return b }
        var rng = SplitMix(seed: 7)
        let cell = 5  // strong edges at the block scale: alone they pull the whole frame's match below 0.6
        var cells = [UInt8](repeating: 0, count: 64 * 64)
        for i in cells.indices { cells[i] = rng.next() % 2 == 0 ? 10 : 245 }
        for y in 0..<(h * 6 / 10) { for x in 0..<(w * 45 / 100) { b.data[y * b.stride + x] = cells[(y / cell) * 64 + x / cell] } }
        return b
    }

    @Test func aLargeObjectCloseToTheLensIsNotAMove() {
        var d = TamperDetector(width: Self.w, height: Self.h, camera: "cam")
        for i in 0..<100 { _ = d.update(Self.occluded(seed: UInt64(i), present: i >= 60), facts: FrameFacts(frame: i, mediaTime: Double(i) / 25, timestamp: 0)) }
        #expect(d.measurement.match < d.parameters.movedMatch, "the object alone breaks the whole frame's match: \(d.measurement.match)")
        #expect(d.measurement.mismatchedTiles < 2.0 / 3.0, "but only in some tiles: \(d.measurement.mismatchedTiles)")
        // Someone stands close in front of part of the view for four seconds, then leaves.
        #expect(run({ i in Self.occluded(seed: UInt64(i), present: (100..<200).contains(i)) }, frames: 300).isEmpty)
        // Someone is in the view while the background is learnt and leaves later.
        #expect(run({ i in Self.occluded(seed: UInt64(i), present: i < 150) }, frames: 300).isEmpty)
        // The same over a plain wall: the only learnt structure is the object's, and it leaves (a face walking
        // out of a replayed clip over a flat background raised `moved` before the tiles were counted).
        #expect(run({ i in Self.occluded(seed: UInt64(i), present: i < 150, plain: true) }, frames: 300).isEmpty)
    }

    @Test func shortGlitchIsNotTamper() {
        // Dark for one second only (less than min_s).
        #expect(run { i in Self.frame(seed: UInt64(i), black: (100..<125).contains(i)) }.isEmpty)
    }

    @Test func texturelessSceneIsNeverMovedOrDefocused() {
        // A flat dark scene with noise (like a yard at night) changes noise pattern every frame.
        let a = run { i in
            let b = PixelBuffer(width: Self.w, height: Self.h, format: .gray8)
            var n = SplitMix(seed: UInt64(i))
            for y in 0..<Self.h { for x in 0..<Self.w { b.data[y * b.stride + x] = UInt8(35 + n.next() % 10) } }
            return b
        }
        #expect(a.isEmpty)
    }
}

extension TamperDetectorTests {
    /// Frames too small to judge, or of another size than configured, give no alert and no crash.
    @Test func oddFramesAreIgnored() {
        for (w, h) in [(2, 2), (1, 40), (8, 720), (40, 1)] {
            var d = TamperDetector(width: w, height: h, camera: "cam")
            let b = PixelBuffer(width: w, height: h, format: .gray8)
            for i in 0..<100 {
                #expect(d.update(b, facts: FrameFacts(frame: i, mediaTime: Double(i), timestamp: 0)) == nil)
            }
        }
        var d = TamperDetector(width: Self.w, height: Self.h, camera: "cam")
        #expect(d.update(PixelBuffer(width: 10, height: 10, format: .gray8), facts: FrameFacts(frame: 0, mediaTime: 0, timestamp: 0)) == nil)
    }
}

/// `tamper_cleared`: once every condition has been gone for `min_s` (50 frames at 25 fps), one per kind that
/// alerted, with the same `details.kind` and the condition's duration; the `tamper` alerts are unchanged.
extension TamperDetectorTests {
    func run(_ parameters: TamperParameters, frames: Int, _ make: (Int) -> PixelBuffer) -> [Alert] {
        var d = TamperDetector(width: Self.w, height: Self.h, camera: "cam", parameters: parameters)
        var out: [Alert] = []
        for i in 0..<frames {
            let t = Double(i) / 25
            if let a = d.update(make(i), facts: FrameFacts(frame: i, mediaTime: t, timestamp: 1000 + t)) { out.append(a) }
        }
        return out
    }

    /// `event kind@frame`, plus `duration_s` for `tamper_cleared`.
    func sequence(_ alerts: [Alert]) -> [String] {
        alerts.map { a in
            func detail(_ key: String) -> String { a.details?.first { $0.0 == key }.map { $0.1.serialized() } ?? "-" }
            let kind = detail("kind").replacingOccurrences(of: "\"", with: "")
            return a.event == "tamper_cleared" ? "cleared \(kind)@\(a.frame) \(detail("duration_s"))s" : "\(a.event) \(kind)@\(a.frame)"
        }
    }

    @Test func coveredThenUncovered() {
        let a = run(TamperParameters(), frames: 300) { i in Self.frame(seed: UInt64(i), black: (100..<200).contains(i)) }
        #expect(sequence(a) == ["tamper covered@150", "cleared covered@250 4s"])
        #expect(a.last?.severity == .info && a.last?.timestamp == 1010 && a.last?.camera == "cam")
        #expect(a.last?.box == nil && a.last?.trackID == nil)
    }

    /// A reload in the middle of an episode changes the thresholds and severity from the next frame but keeps
    /// the episode: its `tamper_cleared` still comes (the detector used to be replaced, and the clear was lost).
    @Test func aReloadDuringAnEpisodeKeepsItsClear() {
        var d = TamperDetector(width: Self.w, height: Self.h, camera: "cam")
        var out: [Alert] = []
        for i in 0..<300 {
            if i == 170 {
                var p = TamperParameters()
                p.action.severity = .warning
                d.apply(p)
            }
            let t = Double(i) / 25
            if let a = d.update(Self.frame(seed: UInt64(i), black: (100..<200).contains(i)),
                                facts: FrameFacts(frame: i, mediaTime: t, timestamp: t)) { out.append(a) }
        }
        #expect(sequence(out) == ["tamper covered@150", "cleared covered@250 4s"])
        #expect(d.parameters.action.severity == .warning)
    }

    @Test func defocusedThenSharpAgain() {
        let a = run(TamperParameters(), frames: 300) { i in Self.frame(seed: UInt64(i), blur: (100..<180).contains(i) ? 3 : 0) }
        #expect(sequence(a) == ["tamper defocused@150", "cleared defocused@230 3.2s"])
    }

    /// Still tampered at the end, or gone for less than `min_s`: no `tamper_cleared`.
    @Test func notClearedBeforeMinSeconds() {
        #expect(sequence(run(TamperParameters(), frames: 300) { i in Self.frame(seed: UInt64(i), black: i >= 100) })
                == ["tamper covered@150"])
        // Clear for 1.5 s, covered again: one episode; then clear for good.
        let a = run(TamperParameters(), frames: 400) { i in
            Self.frame(seed: UInt64(i), black: (100..<200).contains(i) || (237..<300).contains(i))
        }
        #expect(sequence(a) == ["tamper covered@150", "cleared covered@350 8s"])
    }

    /// Covered, then uncovered but blurred, then clear: both kinds alerted in one episode, both cleared — one
    /// alert per frame, in kind order, each with its own duration.
    @Test func twoKindsInOneEpisode() {
        let a = run(TamperParameters(), frames: 400) { i in
            Self.frame(seed: UInt64(i), blur: (160..<260).contains(i) ? 3 : 0, black: (100..<160).contains(i))
        }
        #expect(sequence(a) == ["tamper covered@150", "tamper defocused@210", "cleared covered@310 6.4s",
                                "cleared defocused@311 4s"])
    }

    /// A second episode inside the cooldown raises no `tamper`, so no `tamper_cleared` either; without a
    /// cooldown each episode has both.
    @Test func cooldownHoldsBackBothOrNeither() {
        let twice: (Int) -> PixelBuffer = { i in
            Self.frame(seed: UInt64(i), black: (100..<200).contains(i) || (300..<400).contains(i))
        }
        #expect(sequence(run(TamperParameters(), frames: 500, twice)) == ["tamper covered@150", "cleared covered@250 4s"])
        var p = TamperParameters()
        p.action.cooldownSeconds = 0
        #expect(sequence(run(p, frames: 500, twice))
                == ["tamper covered@150", "cleared covered@250 4s", "tamper covered@350", "cleared covered@450 4s"])
    }

    /// `moved` adopts the new view at once: nothing to clear, even when the camera is turned back.
    @Test func movedIsNeverCleared() {
        let a = run(TamperParameters(), frames: 400) { i in
            let shifted = (100..<250).contains(i)
            return Self.frame(seed: UInt64(i), dx: shifted ? 9 : 0, dy: shifted ? 4 : 0)
        }
        #expect(sequence(a).allSatisfy { $0.hasPrefix("tamper moved@") } && a.first?.frame == 150, "\(sequence(a))")
    }
}
