import TestSupport
import CInferenceKernels
import Testing
@testable import Inference

/// The integer convolution kernels (`QuantizedConv`, QKernels.c) against a naive Swift reference written from the
/// ONNX QLinearConv definition, at every instruction-set level (the caps VK_CAP_NONE portable, VK_CAP_AVX2,
/// VK_CAP_AVXVNNI, VK_CAP_AVX512 VNNI, each capped by the CPU), on one thread and on a two-thread pool. Every output
/// byte is compared (the output starts filled with a pattern, so a byte the kernel never wrote fails). Serialized:
/// the cases change the process-wide ISA cap.
@Suite(.serialized) struct QuantizedConvTests {
    static let levels: [Int32] = [VK_CAP_NONE, VK_CAP_AVX2, VK_CAP_AVXVNNI, VK_CAP_AVX512]

    static func atLevel<T>(_ cap: Int32, _ body: () throws -> T) rethrows -> T {
        try ISALevel.atCap(cap, body)
    }

    /// One random case: shape, types, zero points, scales.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var c = 8, h = 9, w = 11, m = 16, kh = 3, kw = 3
        var stride = 1, pad = 1, padEnd = 1, dilation = 1, groups = 1, batch = 1
        var inSigned = false, outSigned = false
        var perChannel = true, weightZero: Int8 = 0, bias = true
        var clamp: (lo: Int32, hi: Int32)? = nil
        /// Weights within −100…100 (so that w − zw stays int8 with a weight zero point).
        var narrowWeights = false
        var seed: UInt64 = 1
        /// The code that must run it (nil: not checked).
        var kind: QuantizedConv.Kind? = nil
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "stem 3→16 3×3 s2 odd size", c: 3, h: 17, w: 19, m: 16, stride: 2, seed: 2),
        Case(name: "pointwise 16→40 direct", c: 16, h: 9, w: 7, m: 40, kh: 1, kw: 1, pad: 0, padEnd: 0, seed: 3),
        Case(name: "pointwise 64→256 on 7×7 (few pixels, many channels)", c: 64, h: 7, w: 7, m: 256, kh: 1, kw: 1, pad: 0,
             padEnd: 0, seed: 29, kind: .direct),
        Case(name: "pointwise 32→200 on 14×14 (with a lookup, 2 threads: 2 items of output channels)", c: 32, h: 14, w: 14,
             m: 200, kh: 1, kw: 1, pad: 0, padEnd: 0, seed: 30, kind: .direct),
        Case(name: "pointwise s8→s8 batch 2", c: 33, h: 5, w: 13, m: 9, kh: 1, kw: 1, pad: 0, padEnd: 0, batch: 2,
             inSigned: true, outSigned: true, seed: 4),
        Case(name: "depthwise 3×3", c: 12, h: 10, w: 21, m: 12, groups: 12, seed: 5, kind: .depthwise),
        Case(name: "depthwise 5×5 s2 s8 in", c: 6, h: 15, w: 14, m: 6, kh: 5, kw: 5, stride: 2, pad: 2, padEnd: 2,
             groups: 6, inSigned: true, seed: 6, kind: .depthwise),
        Case(name: "depthwise 3×3 s2 odd, no pad at the end", c: 5, h: 23, w: 37, m: 5, stride: 2, padEnd: 0,
             groups: 5, batch: 2, seed: 15, kind: .depthwise),
        Case(name: "depthwise 5×5 s1 u8→s8 clamp", c: 7, h: 19, w: 50, m: 7, kh: 5, kw: 5, pad: 2, padEnd: 2,
             groups: 7, outSigned: true, clamp: (lo: -90, hi: 100), seed: 16, kind: .depthwise),
        Case(name: "depthwise 3×3 s8→s8, weight zero point, no bias", c: 9, h: 8, w: 33, m: 9, groups: 9,
             inSigned: true, outSigned: true, perChannel: false, weightZero: 9, bias: false, narrowWeights: true,
             seed: 17, kind: .depthwise),
        Case(name: "depthwise, w − zw beyond int8: GEMM path", c: 4, h: 7, w: 9, m: 4, groups: 4, weightZero: -90,
             seed: 18, kind: .gemm),
        Case(name: "depthwise dilation 2: GEMM path", c: 3, h: 11, w: 12, m: 3, pad: 2, padEnd: 2, dilation: 2,
             groups: 3, seed: 19, kind: .gemm),
        Case(name: "depthwise 200 channels 7×7 5×5, batch 2: items of several channels", c: 200, h: 7, w: 7, m: 200,
             kh: 5, kw: 5, pad: 2, padEnd: 2, groups: 200, batch: 2, seed: 28, kind: .depthwise),
        Case(name: "depthwise 1×7 s2 wide", c: 2, h: 3, w: 70, m: 2, kh: 1, kw: 7, stride: 2, pad: 0, padEnd: 3,
             groups: 2, seed: 20, kind: .depthwise),
        Case(name: "groups 2 dilation 2", c: 8, h: 12, w: 12, m: 12, pad: 2, padEnd: 2, dilation: 2, groups: 2, seed: 7),
        Case(name: "1×5 kernel uneven pads u8→s8", c: 5, h: 6, w: 17, m: 7, kh: 1, kw: 5, pad: 0, padEnd: 3,
             outSigned: true, seed: 8),
        Case(name: "per-tensor scale, weight zero point, no bias", c: 7, h: 8, w: 8, m: 10, perChannel: false,
             weightZero: -3, bias: false, seed: 9),
        Case(name: "relu6-style clamp", c: 16, h: 11, w: 6, m: 24, stride: 2, clamp: (lo: 20, hi: 200), seed: 10),
        Case(name: "large k 3×3×96 → 35", c: 96, h: 7, w: 9, m: 35, batch: 2, inSigned: true, seed: 11),
        Case(name: "MatMul form 64 rows", c: 50, h: 1, w: 1, m: 19, kh: 1, kw: 1, pad: 0, padEnd: 0, batch: 64, seed: 12),
        Case(name: "grouped channel multiplier 2", c: 4, h: 9, w: 9, m: 8, groups: 4, seed: 13),
        Case(name: "wide 3×3 s1 many pixels", c: 16, h: 40, w: 45, m: 16, seed: 14),
        Case(name: "3×3 s2 wide rows (vector stride-2 im2col below level 2)", c: 4, h: 9, w: 71, m: 8, stride: 2,
             padEnd: 0, seed: 21, kind: .implicit),
        Case(name: "3×3 s2 weight zero point: im2col GEMM", c: 4, h: 9, w: 71, m: 8, stride: 2, padEnd: 0,
             perChannel: false, weightZero: -3, seed: 22, kind: .gemm),
        Case(name: "implicit 3×3 s1 s8 in, blocks over row ends", c: 20, h: 13, w: 29, m: 24, inSigned: true,
             seed: 23, kind: .implicit),
        Case(name: "implicit stem 3→16 3×3 s2", c: 3, h: 33, w: 45, m: 16, stride: 2, seed: 24, kind: .implicit),
        Case(name: "implicit 5×5 s2 pad 2, s8→s8 clamp", c: 7, h: 12, w: 13, m: 9, kh: 5, kw: 5, stride: 2, pad: 2,
             padEnd: 2, inSigned: true, outSigned: true, clamp: (lo: -100, hi: 90), seed: 25, kind: .implicit),
        Case(name: "implicit 3×3 s1 no padding, batch 2", c: 9, h: 10, w: 9, m: 17, pad: 0, padEnd: 0, batch: 2,
             seed: 26, kind: .implicit),
        Case(name: "implicit 3×3 s2 pad 2 (a whole padding phase row)", c: 5, h: 16, w: 15, m: 8, stride: 2, pad: 2,
             padEnd: 2, seed: 27, kind: .implicit),
    ]

    struct Prepared {
        var spec: QuantizedConvSpec
        var input: [UInt8]
        var batch: Int
    }

    static func random(_ n: Int, seed: UInt64) -> [UInt8] {
        var s = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<n).map { _ in
            s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: s >> 56)
        }
    }

    static func prepare(_ t: Case) -> Prepared {
        let cpg = t.c / t.groups
        let outH = (t.h + t.pad + t.padEnd - t.dilation * (t.kh - 1) - 1) / t.stride + 1
        let outW = (t.w + t.pad + t.padEnd - t.dilation * (t.kw - 1) - 1) / t.stride + 1
        let g = VKConvGeometry(channels: Int32(cpg), in_h: Int32(t.h), in_w: Int32(t.w), out_h: Int32(outH),
                               out_w: Int32(outW), k_h: Int32(t.kh), k_w: Int32(t.kw), stride_h: Int32(t.stride),
                               stride_w: Int32(t.stride), dilation_h: Int32(t.dilation), dilation_w: Int32(t.dilation),
                               pad_top: Int32(t.pad), pad_left: Int32(t.pad))
        let k = cpg * t.kh * t.kw
        let weights = random(t.m * k, seed: t.seed &+ 100).map {
            t.narrowWeights ? Int8(Int($0) % 201 - 100) : Int8(bitPattern: $0)
        }
        let nScales = t.perChannel ? t.m : 1
        let scales = random(nScales, seed: t.seed &+ 200).map { 0.002 + Float($0) / 255 * 0.01 }
        let bias = t.bias ? random(t.m * 2, seed: t.seed &+ 300).map { Int32($0) * 97 - 12000 } : nil
        let inZero: Int32 = t.inSigned ? -7 : 121
        let outZero: Int32 = t.outSigned ? 5 : 130
        // An output scale that spreads the results over the type, with some saturating: the sums have a standard
        // deviation of about 74 · 74 · √k steps (uniform bytes), the weight scales average 0.007.
        let outScale = Float(0.05 * 0.007 * 74 * 74 / 40) * Float(k).squareRoot()
        let spec = QuantizedConvSpec(
            geometry: g, groups: t.groups, outChannels: t.m, weights: weights, weightZeroPoints: [t.weightZero],
            weightScales: scales, input: QuantParams(scale: 0.05, zeroPoint: inZero, signed: t.inSigned),
            output: QuantParams(scale: outScale, zeroPoint: outZero, signed: t.outSigned),
            bias: bias.map { Array($0.prefix(t.m)) }, clamp: t.clamp)
        let input = random(t.batch * t.c * t.h * t.w, seed: t.seed &+ 400)
        return Prepared(spec: spec, input: input, batch: t.batch)
    }

    /// QLinearConv as the ONNX operator text defines it, one output value at a time.
    static func reference(_ p: Prepared) -> [UInt8] {
        let s = p.spec, g = s.geometry
        let cpg = Int(g.channels), m = s.outChannels / s.groups
        let (inH, inW, outH, outW) = (Int(g.in_h), Int(g.in_w), Int(g.out_h), Int(g.out_w))
        let (kh, kw) = (Int(g.k_h), Int(g.k_w))
        func value(_ byte: UInt8, signed: Bool) -> Int32 { signed ? Int32(Int8(bitPattern: byte)) : Int32(byte) }
        var out = [UInt8](repeating: 0, count: p.batch * s.outChannels * outH * outW)
        var i = 0
        for b in 0..<p.batch {
            for o in 0..<s.outChannels {
                let grp = o / m
                let wz = Int32(s.weightZeroPoints.count == 1 ? s.weightZeroPoints[0] : s.weightZeroPoints[o])
                let ws = s.weightScales.count == 1 ? s.weightScales[0] : s.weightScales[o]
                let mult = (s.input.scale * ws) / s.output.scale
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        var acc: Int32 = s.bias?[o] ?? 0
                        for c in 0..<cpg {
                            for ky in 0..<kh {
                                for kx in 0..<kw {
                                    let iy = oy * Int(g.stride_h) - Int(g.pad_top) + ky * Int(g.dilation_h)
                                    let ix = ox * Int(g.stride_w) - Int(g.pad_left) + kx * Int(g.dilation_w)
                                    guard iy >= 0, iy < inH, ix >= 0, ix < inW else { continue }
                                    let ch = grp * cpg + c
                                    let xb = p.input[((b * s.groups * cpg + ch) * inH + iy) * inW + ix]
                                    let w = Int32(s.weights[((o * cpg + c) * kh + ky) * kw + kx])
                                    acc += (value(xb, signed: s.input.signed) - s.input.zeroPoint) * (w - wz)
                                }
                            }
                        }
                        var q = Int64((Float(acc) * mult).rounded(.toNearestOrEven)) + Int64(s.output.zeroPoint)
                        q = min(max(q, Int64(s.output.range.lowerBound)), Int64(s.output.range.upperBound))
                        if let c = s.clamp { q = min(max(q, Int64(c.lo)), Int64(c.hi)) }
                        out[i] = UInt8(truncatingIfNeeded: q)
                        i += 1
                    }
                }
            }
        }
        return out
    }

    static func run(_ conv: QuantizedConv, _ p: Prepared, pool: OpaquePointer?) -> [UInt8] {
        var out = [UInt8](repeating: 0xA5, count: p.batch * conv.outputBytesPerItem)
        p.input.withUnsafeBytes { x in
            out.withUnsafeMutableBytes { y in conv.run(input: x.baseAddress!, output: y.baseAddress!, batch: p.batch, pool: pool) }
        }
        return out
    }

    /// Whether the cases exercise more than saturation: a reference that is all 0/255 would compare nothing.
    static func spread(_ r: [UInt8]) -> Int { Set(r).count }

    @Test(arguments: cases) func matchesReferenceAtEveryLevel(_ t: Case) throws {
        let p = Self.prepare(t)
        let expected = Self.reference(p)
        #expect(Self.spread(expected) > 40, "reference too flat to test anything: \(Self.spread(expected)) values")
        let conv = try QuantizedConv(p.spec)
        if let kind = t.kind { #expect(conv.kind == kind) }
        let pool = try #require(vk_pool_create(2, 0))
        defer { vk_pool_destroy(pool) }
        for level in Self.levels {
            try Self.atLevel(level) {
                for usePool in [false, true] {
                    let got = Self.run(conv, p, pool: usePool ? pool : nil)
                    let bad = zip(got, expected).enumerated().filter { $0.element.0 != $0.element.1 }
                    #expect(bad.isEmpty, "level \(QuantizedConv.levelName) pool \(usePool): \(bad.count) of \(got.count) differ, first \(bad.prefix(3).map { "@\($0.offset) \($0.element.0)≠\($0.element.1)" })")
                    if !bad.isEmpty { return }
                }
            }
        }
    }

    /// A folded lookup (`QuantizedConvSpec.lookup`) maps every output byte through the table exactly once, whichever
    /// kernel writes it (im2col GEMM, direct 1×1, MatMul form, depthwise, implicit GEMM), at every level, on one thread
    /// and on two: the reference's bytes through the table. A random table, so a byte left out or looked up twice shows.
    @Test(arguments: cases) func foldedLookupMapsEveryOutputOnce(_ t: Case) throws {
        var p = Self.prepare(t)
        let table = Self.random(256, seed: t.seed &+ 500)
        p.spec.lookup = table
        let expected = Self.reference(p).map { table[Int($0)] }
        let conv = try QuantizedConv(p.spec)
        if let kind = t.kind { #expect(conv.kind == kind) }
        let pool = try #require(vk_pool_create(2, 0))
        defer { vk_pool_destroy(pool) }
        for level in Self.levels {
            Self.atLevel(level) {
                for usePool in [false, true] {
                    let got = Self.run(conv, p, pool: usePool ? pool : nil)
                    let bad = zip(got, expected).enumerated().filter { $0.element.0 != $0.element.1 }
                    #expect(bad.isEmpty, "level \(QuantizedConv.levelName) pool \(usePool): \(bad.count) of \(got.count) differ, first \(bad.prefix(3).map { "@\($0.offset) \($0.element.0)≠\($0.element.1)" })")
                }
            }
        }
    }

    /// Extremes: every input 255 (or 127) against weights all −128 or all 127, k = 3·3·256, zero points 0, so the
    /// int32 sums reach ±74 million and the products of vpmaddubsw-style pairs would overflow int16.
    @Test(arguments: [(false, Int8(-128)), (false, Int8(127)), (true, Int8(-128)), (true, Int8(127))])
    func saturationExtremes(_ inSigned: Bool, _ weight: Int8) throws {
        let g = VKConvGeometry(channels: 256, in_h: 5, in_w: 5, out_h: 5, out_w: 5, k_h: 3, k_w: 3, stride_h: 1,
                               stride_w: 1, dilation_h: 1, dilation_w: 1, pad_top: 1, pad_left: 1)
        let m = 9, k = 256 * 9
        var weights = [Int8](repeating: weight, count: m * k)
        weights[5] = weight == 127 ? -128 : 127  // one mixed pair
        for outSigned in [false, true] {
            let spec = QuantizedConvSpec(
                geometry: g, groups: 1, outChannels: m, weights: weights, weightZeroPoints: [0],
                weightScales: (0..<m).map { Float($0 + 1) * 1e-6 }, input: QuantParams(scale: 1, zeroPoint: 0, signed: inSigned),
                output: QuantParams(scale: 1, zeroPoint: outSigned ? 0 : 128, signed: outSigned), bias: nil, clamp: nil)
            let input = [UInt8](repeating: inSigned ? 127 : 255, count: 256 * 25)
            let p = Prepared(spec: spec, input: input, batch: 1)
            let expected = Self.reference(p)
            #expect(Set(expected).count > 2, "the scales should give more than the two saturated values")
            let conv = try QuantizedConv(spec)
            for level in Self.levels {
                Self.atLevel(level) {
                    #expect(Self.run(conv, p, pool: nil) == expected, "level \(QuantizedConv.levelName) outSigned \(outSigned)")
                }
            }
        }
    }

    /// Each level asked for runs, capped by the CPU and by the cap in force when the suite starts (VIGIL_NN_ISA=none,
    /// avx2 or avxvnni caps every later request: `ISALevel.atCap` never raises it). AVX-512 VNNI also needs VNNI (an
    /// AVX-512 CPU without it runs a level below), AVX-VNNI the CPU's AVX-VNNI.
    @Test func levelLimitReachesEveryKernel() {
        let cap = ISALevel.exclusive { vk_isa_cap() }
        let cpu = vk_cpu_isa()
        for level in Self.levels {
            let asked = min(level, cap)
            let avx2: Int32 = cpu >= 1 ? VK_CAP_AVX2 : VK_CAP_NONE
            let avxvnni = cpu >= 1 && vk_cpu_avxvnni() != 0 ? VK_CAP_AVXVNNI : avx2
            let below512 = min(asked, avxvnni)
            let reach = asked == VK_CAP_AVX512 && cpu >= 2 ? VK_CAP_AVX512 : (asked >= VK_CAP_AVXVNNI ? avxvnni : min(asked, avx2))
            Self.atLevel(level) {
                let got = vk_qlevel()
                #expect(got == reach || (reach == VK_CAP_AVX512 && got == below512),
                        "asked \(level), cap \(cap), CPU \(cpu), AVX-VNNI \(vk_cpu_avxvnni()): got \(got)")
                // The width class follows: zmm only at AVX-512 VNNI, ymm at AVX2 and AVX-VNNI.
                #expect(vk_qisa() == (got == VK_CAP_AVX512 ? 2 : (got == VK_CAP_NONE ? 0 : 1)))
            }
        }
        // Nothing is left raised: the cap is still in force afterwards.
        #expect(ISALevel.exclusive { vk_isa_cap() } == cap)
    }

    /// Runs `p` at AVX-VNNI, failing if the kernels report another level (a silent fallback would compare the AVX2 or
    /// AVX-512 code with itself), on the calling thread and on the pool.
    static func atAVXVNNI(_ conv: QuantizedConv, _ p: Prepared, pool: OpaquePointer) -> [[UInt8]]? {
        Self.atLevel(VK_CAP_AVXVNNI) {
            guard vk_qlevel() == VK_CAP_AVXVNNI, QuantizedConv.levelName == "AVX-VNNI" else {
                Issue.record("asked AVX-VNNI, the kernels run \(QuantizedConv.levelName)")
                return nil
            }
            return [Self.run(conv, p, pool: nil), Self.run(conv, p, pool: pool)]
        }
    }

    /// vpdpbusd on ymm (AVX-VNNI) sums exactly in int32 like the AVX-512 VNNI kernels, so every case gives their bytes
    /// (and the reference's), on one thread and on two; with no AVX-512 VNNI here, the reference's alone.
    @Test(.enabled(if: ISALevel.avxVnniReachable, "needs a CPU with AVX-VNNI (and VIGIL_NN_ISA unset, avx512 or avxvnni)"),
          arguments: cases)
    func avxVnniGivesTheAVX512Bytes(_ t: Case) throws {
        let p = Self.prepare(t)
        let expected = Self.reference(p)
        let conv = try QuantizedConv(p.spec)
        let pool = try #require(vk_pool_create(2, 0))
        defer { vk_pool_destroy(pool) }
        let avx512 = Self.atLevel(VK_CAP_AVX512) { vk_qlevel() == VK_CAP_AVX512 ? Self.run(conv, p, pool: nil) : nil }
        let got = try #require(Self.atAVXVNNI(conv, p, pool: pool))
        for (i, out) in got.enumerated() {
            #expect(out == expected, "\(t.name), \(i + 1) thread(s): \(zip(out, expected).filter { $0 != $1 }.count) bytes differ from the reference")
            if let avx512 { #expect(out == avx512, "\(t.name), \(i + 1) thread(s): differs from AVX-512 VNNI") }
        }
    }

    @Test func badSpecsAreRefusedWithAMessage() throws {
        let good = Self.prepare(Self.cases[0]).spec
        var fewWeights = good
        fewWeights.weights.removeLast()
        var badScale = good
        badScale.weightScales[0] = 0
        var badZero = good
        badZero.input.zeroPoint = 300
        var emptyClamp = good
        emptyClamp.clamp = (lo: 100, hi: 50)
        var groups = good
        groups.groups = 3
        var negativePad = good
        negativePad.geometry.pad_top = -1
        var shortLookup = good
        shortLookup.lookup = [UInt8](repeating: 0, count: 255)
        for (spec, words) in [(fewWeights, "weights"), (badScale, "scales"), (badZero, "zero point"),
                              (emptyClamp, "clamp"), (groups, "groups"), (negativePad, "bad geometry"),
                              (shortLookup, "lookup")] {
            #expect {
                _ = try QuantizedConv(spec)
            } throws: { error in
                "\(error)".contains(words)
            }
        }
    }
}
