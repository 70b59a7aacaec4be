import TestSupport
import CInferenceKernels
import Testing
@testable import Inference

/// `vk_quantize_f32` (the C loop QuantizeLinear runs on) against the scalar rule `QuantScale.quantize`
/// (round half to even, saturate, NaN → the zero point) at every instruction-set level: ties, NaN, infinities,
/// huge values and random ones, uint8 and int8, several zero points and lengths (vector bodies and tails).
/// The level is set through `ISALevel` (other suites change it too).
@Suite(.serialized) struct QuantizeKernelTests {
    static func values() -> [Float] {
        var v: [Float] = [.nan, -.nan, .infinity, -.infinity, 0, -0.0, 1e30, -1e30, 4_194_303.5, -4_194_304.5,
                          .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        for k in -700...700 { v.append((Float(k) + 0.5) * 0.25) }  // every tie of scale 0.25 across both ranges
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<4000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            v.append((Float(state >> 40) / Float(1 << 24) - 0.5) * 200)
        }
        return v
    }

    @Test(arguments: [Int32(0), 1, 2])
    func matchesTheScalarRule(level: Int32) {
        ISALevel.at(level) { check(level: level) }
    }

    private func check(level: Int32) {
        let xs = Self.values()
        for (signed, zeroPoints) in [(false, [Int32(0), 3, 128, 255]), (true, [Int32(0), -5, 100, -128])] {
            let range: ClosedRange<Int32> = signed ? -128...127 : 0...255
            for zp in zeroPoints {
                for scale: Float in [0.25, 0.0371, 3.0] {
                    for n in [xs.count, 1, 15, 33] {
                        var out = [UInt8](repeating: 0xA5, count: n)
                        xs.withUnsafeBufferPointer { x in
                            out.withUnsafeMutableBytes { y in
                                vk_quantize_f32(x.baseAddress!, y.baseAddress!, n, scale, zp, signed ? 1 : 0)
                            }
                        }
                        let want = xs.prefix(n).map {
                            UInt8(truncatingIfNeeded: QuantScale.quantize($0, scale: scale, zeroPoint: zp, range: range))
                        }
                        #expect(out == want, "level \(level) signed \(signed) zp \(zp) scale \(scale) n \(n)")
                    }
                }
            }
        }
    }
}
