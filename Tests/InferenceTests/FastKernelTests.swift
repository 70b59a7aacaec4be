import TestSupport
import CInferenceKernels
import Foundation
import Testing
@testable import Inference

/// The C kernels (`FastKernels`) against straightforward references: the packed GEMM with every
/// epilogue, im2col packing through whole convolutions, and the vectorised activations. On a CPU
/// without AVX2 the engine does not use them; the GEMM tests then exercise the portable C code.
/// Every case runs at the AVX-512 level (capped by the CPU) and at the AVX2 level
/// (`vk_set_isa_limit`); the suite is serialized so that no case changes the other's level.
@Suite(.serialized) struct FastKernelTests {
    /// Instruction-set levels of `vk_isa()`: 2 AVX-512 (or what the CPU and `VIGIL_NN_ISA` allow), 1 AVX2.
    static let levels: [Int32] = [2, 1]

    /// Runs body with vk_isa() capped at level (never raised above the limit in force).
    static func atLevel<T>(_ level: Int32, _ body: () throws -> T) rethrows -> T {
        try ISALevel.at(level, body)
    }

    @Test func isaLimitCapsTheLevel() {
        ISALevel.exclusive {
            let full = vk_isa()
            Self.atLevel(1) { #expect(vk_isa() == min(full, 1)) }
            #expect(vk_isa() == full)
        }
    }

    static let activations: [Activation] = [.none, .relu, .clip(-0.25, 0.5), .leakyRelu(0.1),
                                            .hardSigmoid(alpha: 0.2, beta: 0.5), .hardSwish, .sigmoid, .silu]

    /// Scalar activation as the engine's portable Swift path computes it.
    static func scalar(_ a: Activation, _ v: Float) -> Float {
        var x = [v]
        x.withUnsafeMutableBufferPointer { p in
            switch a {
            case .none: break
            case .relu: p[0] = max(v, 0)
            case .clip(let lo, let hi): p[0] = min(max(v, lo), hi)
            case .leakyRelu(let s): p[0] = v < 0 ? v * s : v
            case .hardSigmoid(let al, let be): p[0] = min(max(v * al + be, 0), 1)
            case .hardSwish: p[0] = v * min(max(v / 6 + 0.5, 0), 1)
            case .sigmoid: p[0] = 1 / (1 + Foundation.exp(-v))
            case .silu: p[0] = v / (1 + Foundation.exp(-v))
            }
        }
        return x[0]
    }

    struct GEMMCase: Sendable, CustomStringConvertible {
        var m: Int, n: Int, k: Int
        var description: String { "\(m)x\(n)x\(k)" }
    }

    static let gemmCases: [GEMMCase] = [
        GEMMCase(m: 1, n: 1, k: 1), GEMMCase(m: 7, n: 31, k: 3), GEMMCase(m: 8, n: 32, k: 8),
        GEMMCase(m: 9, n: 33, k: 27), GEMMCase(m: 17, n: 100, k: 255), GEMMCase(m: 64, n: 47, k: 257),
        GEMMCase(m: 24, n: 65, k: 600), GEMMCase(m: 3, n: 16, k: 513),
    ]

    @Test(arguments: gemmCases, levels)
    func packedGEMMMatchesReference(_ t: GEMMCase, _ level: Int32) {
        Self.atLevel(level) { checkPackedGEMM(t) }
    }

    func checkPackedGEMM(_ t: GEMMCase) {
        let a = pseudoRandom(t.m * t.k, seed: 21), b = pseudoRandom(t.k * t.n, seed: 22)
        let bias = pseudoRandom(t.m, seed: 23), residual = pseudoRandom(t.m * t.n, seed: 24)
        var plain = [Double](repeating: 0, count: t.m * t.n)
        for i in 0..<t.m {
            for j in 0..<t.n {
                var s = 0.0
                for p in 0..<t.k { s += Double(a[i * t.k + p]) * Double(b[p * t.n + j]) }
                plain[i * t.n + j] = s
            }
        }
        var pa = [Float](repeating: .nan, count: vk_packed_a_floats(Int32(t.m), Int32(t.k)))
        var pb = [Float](repeating: .nan, count: (t.n + Int(VK_NR) - 1) / Int(VK_NR) * Int(VK_NR) * t.k)
        vk_pack_a(a, Int32(t.k), Int32(t.m), Int32(t.k), &pa)
        vk_pack_b(b, t.n, Int32(t.k), Int32(t.n), &pb)
        for (ai, act) in Self.activations.enumerated() {
            for withResidual in [false, true] {
                let post: Activation = withResidual ? Self.activations[(ai + 3) % Self.activations.count] : .none
                // Output padded by a guard column: stores must stay inside n columns.
                let ldc = t.n + 1
                var c = [Float](repeating: 1234, count: t.m * ldc)
                var res = [Float](repeating: 0, count: t.m * ldc)
                for i in 0..<t.m { for j in 0..<t.n { res[i * ldc + j] = residual[i * t.n + j] } }
                bias.withUnsafeBufferPointer { bb in
                    res.withUnsafeBufferPointer { rb in
                        var ep = VKEpilogue(bias: bb.baseAddress, activation: act.kernelForm,
                                            residual: withResidual ? rb.baseAddress : nil, post: post.kernelForm)
                        vk_gemm_packed(Int32(t.m), Int32(t.n), Int32(t.k), pa, pb, &c, ldc, &ep)
                    }
                }
                var worst: Float = 0
                for i in 0..<t.m {
                    for j in 0..<t.n {
                        var e = Self.scalar(act, Float(plain[i * t.n + j]) + bias[i])
                        if withResidual { e = Self.scalar(post, e + residual[i * t.n + j]) }
                        worst = max(worst, abs(c[i * ldc + j] - e) / (1 + abs(e)))
                    }
                    #expect(c[i * ldc + t.n] == 1234, "store past the last column, \(act) \(t)")
                }
                #expect(worst < 2e-5, "\(t) \(act) residual \(withResidual): \(worst)")
            }
        }
    }

    @Test(arguments: levels)
    func activationsMatchScalarFormulas(_ level: Int32) {
        Self.atLevel(level) { checkActivations() }
    }

    func checkActivations() {
        let n = 1000 + 13
        let x = pseudoRandom(n, seed: 31).map { $0 * 12 } + [0, -0.0, 90, -90, 1e-30, -1e-30]
        for act in Self.activations {
            var y = x
            y.withUnsafeMutableBufferPointer { act.apply($0.baseAddress!, $0.count) }
            var z = [Float](repeating: 0, count: x.count)
            x.withUnsafeBufferPointer { xb in z.withUnsafeMutableBufferPointer { act.apply(from: xb.baseAddress!, to: $0.baseAddress!, x.count) } }
            for i in x.indices {
                let e = Self.scalar(act, x[i])
                #expect(abs(y[i] - e) <= 1e-6 * max(1, abs(e)), "\(act) at \(x[i]): \(y[i]) vs \(e)")
                #expect(y[i] == z[i], "\(act) in place and out of place differ at \(x[i])")
            }
        }
    }

    /// NaN stays NaN through Sigmoid and SiLU, as in the portable Swift code.
    @Test(arguments: levels)
    func sigmoidOfNaNIsNaN(_ level: Int32) {
        Self.atLevel(level) { checkSigmoidOfNaN() }
    }

    func checkSigmoidOfNaN() {
        for act in [Activation.sigmoid, .silu] {
            var y = [Float](repeating: .nan, count: 37)
            y.withUnsafeMutableBufferPointer { act.apply($0.baseAddress!, $0.count) }
            #expect(y.allSatisfy { $0.isNaN }, "\(act)")
        }
    }

    struct ConvCase: Sendable, CustomStringConvertible {
        var n: Int = 1
        var c: Int
        var m: Int
        var h: Int
        var w: Int
        var k: Int
        var stride: Int = 1
        var pad: Int = 0
        var dilation: Int = 1
        var groups: Int = 1
        var tail: String = ""
        var threads: Int = 2
        var description: String {
            "n\(n) c\(c) m\(m) \(h)x\(w) k\(k) s\(stride) p\(pad) d\(dilation) g\(groups) \(tail) t\(threads)"
        }
    }

    /// Shapes around the micro-kernel's 8-row and 32-column panels and its 256-deep K blocks, every
    /// Conv attribute the packed path handles, and the fused tails (activation, residual).
    static let convCases: [ConvCase] = [
        ConvCase(c: 16, m: 32, h: 40, w: 40, k: 1, tail: "SiLU"),
        ConvCase(c: 33, m: 17, h: 13, w: 11, k: 1, tail: "Relu", threads: 1),
        ConvCase(c: 24, m: 40, h: 21, w: 19, k: 3, pad: 1, tail: "SiLU"),
        ConvCase(c: 40, m: 24, h: 23, w: 17, k: 3, stride: 2, pad: 1, tail: "AddRelu"),
        ConvCase(c: 3, m: 16, h: 65, w: 63, k: 3, stride: 2, pad: 1, tail: "SiLU", threads: 1),
        ConvCase(c: 64, m: 9, h: 9, w: 9, k: 3, pad: 1, tail: "Add"),
        ConvCase(c: 12, m: 20, h: 15, w: 16, k: 5, pad: 2),
        ConvCase(c: 8, m: 8, h: 17, w: 17, k: 3, pad: 2, dilation: 2, tail: "Relu"),
        ConvCase(c: 16, m: 12, h: 14, w: 14, k: 3, pad: 1, groups: 4, tail: "SiLU"),
        ConvCase(c: 10, m: 14, h: 12, w: 12, k: 1, stride: 2, tail: "Relu"),
        ConvCase(c: 20, m: 6, h: 10, w: 9, k: 2, stride: 2),
        ConvCase(c: 8, m: 16, h: 7, w: 9, k: 3, pad: 0, tail: "AddRelu", threads: 3),
        ConvCase(n: 2, c: 30, m: 34, h: 11, w: 12, k: 3, pad: 1, tail: "SiLU"),
        ConvCase(c: 300, m: 16, h: 6, w: 6, k: 1, tail: "Add"),
        // Whole 24-column blocks (the AVX2 implicit GEMM's common block: sums, epilogue and stores in one
        // function): a residual and a panel's last rows (13 = 8 + 4 + 1), K = 1 and 8, 3×3 rows wider than 24.
        ConvCase(c: 8, m: 13, h: 12, w: 20, k: 1, tail: "AddRelu", threads: 1),
        ConvCase(c: 1, m: 6, h: 5, w: 30, k: 1, tail: "SiLU", threads: 1),
        ConvCase(c: 5, m: 7, h: 9, w: 40, k: 3, pad: 1, tail: "Add", threads: 1),
        // The AVX2 implicit GEMM's chunked sweep (K ≤ 32, at least 32 output channels, packed inputs): two chunks
        // and a last partial block (420 columns, K = 32: chunks of 16 blocks), 40 channels (a panel of 8 rows
        // after 32); stride 2 (parity planes, blocks across output rows).
        ConvCase(c: 32, m: 40, h: 20, w: 21, k: 1, tail: "AddRelu", threads: 1),
        ConvCase(c: 3, m: 32, h: 30, w: 62, k: 3, stride: 2, pad: 1, tail: "SiLU", threads: 1),
        // Depthwise: widths around the 32-column step, strides 1, 2, 3, dilation, multiplier 2.
        ConvCase(c: 5, m: 5, h: 19, w: 37, k: 3, pad: 1, groups: 5, tail: "AddRelu"),
        ConvCase(c: 6, m: 6, h: 33, w: 65, k: 5, stride: 2, pad: 2, groups: 6, tail: "Relu"),
        ConvCase(c: 7, m: 7, h: 12, w: 31, k: 3, stride: 2, pad: 1, groups: 7, tail: "SiLU", threads: 1),
        ConvCase(c: 4, m: 4, h: 20, w: 20, k: 5, pad: 2, groups: 4, tail: "Add"),
        ConvCase(c: 3, m: 3, h: 16, w: 50, k: 3, stride: 3, pad: 1, groups: 3),
        ConvCase(c: 4, m: 4, h: 15, w: 33, k: 3, pad: 2, dilation: 2, groups: 4),
        ConvCase(c: 3, m: 6, h: 9, w: 9, k: 3, pad: 0, groups: 3, tail: "Relu"),
        ConvCase(n: 2, c: 8, m: 8, h: 7, w: 7, k: 3, stride: 2, pad: 0, groups: 8),
        // The register-blocked 3×3 / 5×5 kernels: planes of the pose detector's late layers (7×7, 14×14),
        // rows past the last 4-row step, multiplier 2 on rows wider than 32.
        ConvCase(c: 9, m: 9, h: 7, w: 7, k: 5, pad: 2, groups: 9, tail: "AddRelu", threads: 1),
        ConvCase(c: 6, m: 6, h: 14, w: 14, k: 5, stride: 2, pad: 1, groups: 6, tail: "SiLU"),
        ConvCase(c: 4, m: 8, h: 6, w: 45, k: 5, pad: 2, groups: 4),
        ConvCase(c: 3, m: 3, h: 2, w: 3, k: 3, pad: 1, groups: 3, tail: "Relu"),
    ]

    @Test(arguments: convCases, levels)
    func convMatchesReference(_ t: ConvCase, _ level: Int32) throws {
        try Self.atLevel(level) { try checkConv(t) }
    }

    func checkConv(_ t: ConvCase) throws {
        var g = GraphBuilder()
        let xShape = [t.n, t.c, t.h, t.w]
        g.input("x", xShape)
        let w = pseudoRandom(t.m * (t.c / t.groups) * t.k * t.k, seed: 41), b = pseudoRandom(t.m, seed: 42)
        g.initializer("w", [t.m, t.c / t.groups, t.k, t.k], w)
        g.initializer("b", [t.m], b)
        g.node("Conv", ["x", "w", "b"], [t.tail.isEmpty ? "y" : "c"],
               ["pads": [t.pad, t.pad, t.pad, t.pad], "strides": [t.stride, t.stride],
                "dilations": [t.dilation, t.dilation], "group": t.groups, "kernel_shape": [t.k, t.k]])
        let ref = referenceConv(x: pseudoRandom(t.n * t.c * t.h * t.w, seed: 43), n: t.n, c: t.c, h: t.h, w: t.w,
                                weights: w, bias: b, m: t.m, kh: t.k, kw: t.k, stride: t.stride, pad: t.pad,
                                dilation: t.dilation, groups: t.groups)
        let outShape = [t.n, t.m, ref.oh, ref.ow]
        let skip = pseudoRandom(outShape.reduce(1, *), seed: 44)
        switch t.tail {
        case "SiLU":
            g.node("Sigmoid", ["c"], ["s"])
            g.node("Mul", ["c", "s"], ["y"])
        case "Relu":
            g.node("Relu", ["c"], ["y"])
        case "Add", "AddRelu":
            g.input("r", outShape)
            g.node("Add", ["c", "r"], [t.tail == "Add" ? "y" : "a"])
            if t.tail == "AddRelu" { g.node("Relu", ["a"], ["y"]) }
        default:
            break
        }
        g.output("y")
        let s = try g.session(threads: t.threads)
        #expect(s.executionPlan.count == 1, "\(s.executionPlan)")
        var feeds = ["x": Tensor(shape: xShape, floats: pseudoRandom(t.n * t.c * t.h * t.w, seed: 43))]
        if t.tail.hasPrefix("Add") { feeds["r"] = Tensor(shape: outShape, floats: skip) }
        let y = try s.run(feeds)["y"]!
        let expected = ref.out.enumerated().map { i, v -> Float in
            switch t.tail {
            case "SiLU": return v / (1 + Foundation.exp(-v))
            case "Relu": return max(0, v)
            case "Add": return v + skip[i]
            case "AddRelu": return max(0, v + skip[i])
            default: return v
            }
        }
        #expect(y.shape == outShape)
        #expect(maxAbsDiff(y.floats, expected) < 1e-4)
    }

    /// MaxPool (the C kernel when available) against a direct loop; the libonnx node cases cover
    /// ceil_mode, auto_pad and dilations.
    @Test(arguments: [(k: 3, s: 2, p: 1, h: 17, w: 23), (k: 5, s: 1, p: 2, h: 20, w: 20), (k: 2, s: 2, p: 0, h: 16, w: 33),
                      (k: 3, s: 3, p: 1, h: 11, w: 40), (k: 1, s: 1, p: 0, h: 5, w: 70),
                      (k: 5, s: 1, p: 2, h: 10, w: 10), (k: 3, s: 1, p: 1, h: 6, w: 7)], levels)
    func maxPoolMatchesReference(_ t: (k: Int, s: Int, p: Int, h: Int, w: Int), _ level: Int32) throws {
        try Self.atLevel(level) { try checkMaxPool(t) }
    }

    func checkMaxPool(_ t: (k: Int, s: Int, p: Int, h: Int, w: Int)) throws {
        let n = 2, c = 3
        var g = GraphBuilder()
        g.input("x", [n, c, t.h, t.w])
        g.node("MaxPool", ["x"], ["y"], ["kernel_shape": [t.k, t.k], "strides": [t.s, t.s], "pads": [t.p, t.p, t.p, t.p]])
        g.output("y")
        let x = pseudoRandom(n * c * t.h * t.w, seed: 61)
        let y = try g.session().run(["x": Tensor(shape: [n, c, t.h, t.w], floats: x)])["y"]!
        let oh = (t.h + 2 * t.p - t.k) / t.s + 1, ow = (t.w + 2 * t.p - t.k) / t.s + 1
        var expected: [Float] = []
        for plane in 0..<(n * c) {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var m = -Float.infinity
                    for ky in 0..<t.k {
                        for kx in 0..<t.k {
                            let iy = oy * t.s - t.p + ky, ix = ox * t.s - t.p + kx
                            if iy >= 0 && iy < t.h && ix >= 0 && ix < t.w { m = max(m, x[(plane * t.h + iy) * t.w + ix]) }
                        }
                    }
                    expected.append(m)
                }
            }
        }
        #expect(y.shape == [n, c, oh, ow])
        #expect(y.floats == expected)
    }

    /// `vk_conv_implicit` on sub-ranges [v0, v1) of the virtual columns against a direct sum, with pad columns
    /// (pitch 11, 9 valid) and without (pitch = width): every range end the AVX2 form treats differently (whole
    /// 4×24 blocks, a block shifted back over finished columns, the 8-row × 8-column blocks of a range's last
    /// 1–16 columns, ranges shorter than one block), 13 rows (a partial 8-row panel), bias, clip, residual and
    /// post-Relu; taps sharing rows (as in a 3×3) and taps one plane apart (as in a 1×1, whose blocks the AVX2
    /// form copies into a contiguous buffer first). Columns outside the range and pad columns must not be written.
    @Test(arguments: levels)
    func implicitGEMMMatchesDirectSumOnEveryRangeEnd(_ level: Int32) {
        Self.atLevel(level) {
            var ranges = 0
            for (pitch, width, planes) in [(11, 9, false), (9, 9, false), (9, 9, true)] {
                for v0 in [0, 5, 24] {
                    for length in 1...60 {
                        ranges += checkImplicit(pitch: pitch, width: width, planes: planes, v0: v0, length: length)
                    }
                }
            }
            // K = 300 and 1100 with taps a plane apart: the AVX2 form's copied input columns past the first 256
            // taps (it copies up to 1152).
            for k in [300, 1100] {
                for (v0, length) in [(0, 24), (0, 60), (5, 43)] {
                    ranges += checkImplicit(pitch: 9, width: 9, planes: true, v0: v0, length: length, k: k)
                }
            }
            #expect(ranges > 456)
        }
    }

    /// One range of `implicitGEMMMatchesDirectSumOnEveryRangeEnd`: returns 1 when checked (0 when past the plane).
    func checkImplicit(pitch: Int, width: Int, planes: Bool, v0: Int, length: Int, k: Int = 37) -> Int {
        let m = 13, rows = 8, channel = pitch * (rows + 2)
        let virtual = (rows - 1) * pitch + width, plane = rows * width
        guard v0 + length <= virtual else { return 0 }
        let offsets = (0..<k).map { Int32(planes ? $0 * channel : ($0 / 3) * channel + ($0 % 3) * pitch / 2 + $0 % 2) }
        let src = pseudoRandom(k * channel + 64, seed: 71)
        let w = pseudoRandom(m * k, seed: 72), bias = pseudoRandom(m, seed: 73), res = pseudoRandom(m * plane, seed: 74)
        var pa = [Float](repeating: .nan, count: vk_packed_a_floats(Int32(m), Int32(k)))
        vk_pack_a(w, Int32(k), Int32(m), Int32(k), &pa)
        var y = [Float](repeating: .nan, count: m * plane)
        let clip = VKActivation(kind: 2, a: -1, b: 1), relu = VKActivation(kind: 1, a: 0, b: 0)
        bias.withUnsafeBufferPointer { bb in
            res.withUnsafeBufferPointer { rb in
                var ep = VKEpilogue(bias: bb.baseAddress, activation: clip, residual: rb.baseAddress, post: relu)
                vk_conv_implicit(Int32(m), Int32(k), pa, offsets, src, Int32(pitch), Int32(width), v0, v0 + length, &y,
                                 plane, &ep)
            }
        }
        var worst: Float = 0, strays = 0
        for i in 0..<m {
            for oy in 0..<rows {
                for ox in 0..<width {
                    let v = oy * pitch + ox, at = i * plane + oy * width + ox
                    guard v >= v0 && v < v0 + length else {
                        if !y[at].isNaN { strays += 1 }
                        continue
                    }
                    var sum = bias[i]
                    for p in 0..<k { sum += w[i * k + p] * src[Int(offsets[p]) + v] }
                    let e = max(0, min(max(sum, -1), 1) + res[at])
                    worst = max(worst, y[at].isNaN ? .infinity : abs(y[at] - e))
                }
            }
        }
        // Sums over 1100 taps round differently in another order: 1e-3 there.
        #expect(worst < (k > 100 ? 1e-3 : 1e-4), "pitch \(pitch) width \(width) planes \(planes) range \(v0)..<\(v0 + length) k \(k): \(worst)")
        #expect(strays == 0, "pitch \(pitch) width \(width) planes \(planes) range \(v0)..<\(v0 + length): \(strays) stores outside")
        return 1
    }

    /// `vk_depthwise` on one plane against a direct loop, over the geometries of its register-blocked
    /// 3×3 / 5×5 kernels (strides 1 and 2) with uneven pads (top/left 0–2, the rest at the bottom/right),
    /// planes from 1×1 to 36×36 (edges of the 4- and 8-row steps and 16/8-wide columns) and rows up to 71 wide
    /// (the AVX2 kernel's interior column blocks, read without masks, between masked edge blocks), a fused
    /// clip, residual and post-Relu. Scratch is exactly `vk_depthwise_scratch_floats`, so a read or write past
    /// it would show under the address sanitizer.
    @Test(arguments: levels)
    func depthwiseKernelMatchesDirectLoop(_ level: Int32) {
        Self.atLevel(level) {
            var cases = 0, worst: Float = 0
            for k in [3, 5] {
                for s in [1, 2] {
                    for h in stride(from: 1, through: 36, by: 5) {
                        for w in Array(stride(from: 1, through: 36, by: 7)) + [47, 71] {
                            for pt in 0...2 {
                                for pl in 0...2 {
                                    let d = checkDepthwise(k: k, s: s, h: h, w: w, pt: pt, pl: pl)
                                    if d.count > 0 { cases += 1 }
                                    worst = max(worst, d.err)
                                }
                            }
                        }
                    }
                }
            }
            #expect(cases > 500)
            #expect(worst < 1e-4)
        }
    }

    func checkDepthwise(k: Int, s: Int, h: Int, w: Int, pt: Int, pl: Int) -> (count: Int, err: Float) {
        let oh = (h + k - 1 - k) / s + 1, ow = (w + k - 1 - k) / s + 1
        guard oh > 0, ow > 0 else { return (0, 0) }
        var g = VKConvGeometry(channels: 1, in_h: Int32(h), in_w: Int32(w), out_h: Int32(oh), out_w: Int32(ow),
                               k_h: Int32(k), k_w: Int32(k), stride_h: Int32(s), stride_w: Int32(s), dilation_h: 1,
                               dilation_w: 1, pad_top: Int32(pt), pad_left: Int32(pl))
        let x = pseudoRandom(h * w, seed: 61), wt = pseudoRandom(k * k, seed: 62), res = pseudoRandom(oh * ow, seed: 63)
        var y = [Float](repeating: .nan, count: oh * ow)
        var scratch = [Float](repeating: .nan, count: vk_depthwise_scratch_floats(&g))
        let clip = VKActivation(kind: 2, a: -1, b: 1), relu = VKActivation(kind: 1, a: 0, b: 0)
        vk_depthwise(x, wt, 0.25, &y, res, clip, relu, &g, &scratch)
        var err: Float = 0
        for oy in 0..<oh {
            for ox in 0..<ow {
                var a: Float = 0.25
                for ky in 0..<k {
                    for kx in 0..<k {
                        let iy = oy * s - pt + ky, ix = ox * s - pl + kx
                        if iy >= 0 && iy < h && ix >= 0 && ix < w { a += x[iy * w + ix] * wt[ky * k + kx] }
                    }
                }
                let expected = max(0, min(max(a, -1), 1) + res[oy * ow + ox])
                err = max(err, abs(y[oy * ow + ox] - expected))
                if y[oy * ow + ox].isNaN { err = .infinity }
            }
        }
        return (oh * ow, err)
    }

    /// 1-D convolution (treated as height 1) through the packed path.
    @Test(arguments: levels)
    func conv1DMatchesReference(_ level: Int32) throws {
        try Self.atLevel(level) { try checkConv1D() }
    }

    func checkConv1D() throws {
        var g = GraphBuilder()
        g.input("x", [1, 9, 50])
        let w = pseudoRandom(11 * 9 * 3, seed: 51), b = pseudoRandom(11, seed: 52)
        g.initializer("w", [11, 9, 3], w)
        g.initializer("b", [11], b)
        g.node("Conv", ["x", "w", "b"], ["y"], ["pads": [1, 1], "strides": [2], "kernel_shape": [3]])
        g.output("y")
        let x = pseudoRandom(9 * 50, seed: 53)
        let y = try g.session().run(["x": Tensor(shape: [1, 9, 50], floats: x)])["y"]!
        var expected = [Float](repeating: 0, count: 11 * 25)
        for oc in 0..<11 {
            for ox in 0..<25 {
                var acc = b[oc]
                for ic in 0..<9 {
                    for kx in 0..<3 {
                        let ix = ox * 2 - 1 + kx
                        if ix >= 0 && ix < 50 { acc += x[ic * 50 + ix] * w[(oc * 9 + ic) * 3 + kx] }
                    }
                }
                expected[oc * 25 + ox] = acc
            }
        }
        #expect(y.shape == [1, 11, 25])
        #expect(maxAbsDiff(y.floats, expected) < 1e-4)
    }
}
