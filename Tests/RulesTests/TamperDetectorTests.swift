import Testing
import TestSupport
import VigilCore
@testable import Rules

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
