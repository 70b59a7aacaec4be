import TestSupport
import CInferenceKernels
import Foundation
import Testing
@testable import Inference

/// Depthwise → 1×1 pairs run in bands of rows as one step (`DepthwisePointwiseKernel`). Each case builds the
/// pair twice: once with the depthwise output read only by the 1×1 convolution (paired: the profile must name
/// the banded path) and once with it also a graph output (not paired: the two steps apart, the paths the other
/// suites test). The paired output must equal the unpaired one bit for bit (same kernels, same order) and the
/// direct reference convolution within float tolerance; at levels 2 and 1 (AVX-512, AVX2), one and two threads.
@Suite(.serialized) struct DepthwisePointwiseTests {
    struct Case: Sendable, CustomStringConvertible {
        var c: Int, m: Int, h: Int, w: Int, k: Int, stride: Int
        /// Relu after the depthwise; the 1×1 with "Relu", or "AddRelu" (+ the graph input r, then Relu).
        var dwRelu: Bool, tail: String
        var threads: Int
        var description: String { "c\(c) m\(m) \(h)x\(w) k\(k) s\(stride) dwRelu \(dwRelu) \(tail) t\(threads)" }
        var pad: Int { k / 2 }
        var oh: Int { (h + 2 * pad - k) / stride + 1 }
        var ow: Int { (w + 2 * pad - k) / stride + 1 }
    }

    /// BlazeFace-192's block shape (32 × 96 × 96 3×3 with a residual), 5×5, stride 2, and odd sizes (last bands of
    /// a few rows, widths off the 16-column steps); every depthwise output at least the 1 MiB that is paired.
    static let cases: [Case] = [
        Case(c: 32, m: 32, h: 96, w: 96, k: 3, stride: 1, dwRelu: false, tail: "AddRelu", threads: 1),
        Case(c: 24, m: 40, h: 150, w: 75, k: 3, stride: 1, dwRelu: true, tail: "Relu", threads: 2),
        Case(c: 16, m: 24, h: 133, w: 130, k: 5, stride: 1, dwRelu: false, tail: "AddRelu", threads: 1),
        Case(c: 40, m: 20, h: 211, w: 135, k: 3, stride: 2, dwRelu: false, tail: "Relu", threads: 1),
        Case(c: 12, m: 12, h: 299, w: 300, k: 5, stride: 2, dwRelu: true, tail: "AddRelu", threads: 2),
    ]

    func model(_ t: Case, exposeMiddle: Bool) -> GraphBuilder {
        var g = GraphBuilder()
        g.input("x", [1, t.c, t.h, t.w])
        g.initializer("dw", [t.c, 1, t.k, t.k], pseudoRandom(t.c * t.k * t.k, seed: 31))
        g.initializer("db", [t.c], pseudoRandom(t.c, seed: 32))
        g.initializer("pw", [t.m, t.c, 1, 1], pseudoRandom(t.m * t.c, seed: 33).map { $0 * 0.25 })
        g.initializer("pb", [t.m], pseudoRandom(t.m, seed: 34))
        g.node("Conv", ["x", "dw", "db"], [t.dwRelu ? "d0" : "d"], ["pads": [t.pad, t.pad, t.pad, t.pad],
                                                                  "strides": [t.stride, t.stride], "group": t.c,
                                                                  "kernel_shape": [t.k, t.k]])
        if t.dwRelu { g.node("Relu", ["d0"], ["d"]) }
        if t.tail == "AddRelu" {
            g.input("r", [1, t.m, t.oh, t.ow])
            g.node("Conv", ["d", "pw", "pb"], ["p"], ["kernel_shape": [1, 1]])
            g.node("Add", ["p", "r"], ["q"])
        } else {
            g.node("Conv", ["d", "pw", "pb"], ["q"], ["kernel_shape": [1, 1]])
        }
        g.node("Relu", ["q"], ["y"])
        g.output("y")
        if exposeMiddle { g.output("d") }
        return g
    }

    /// The direct reference convolutions (`referenceConv`), depthwise then 1×1, with the same activations.
    func reference(_ t: Case, x: [Float], r: [Float]) -> [Float] {
        var d = referenceConv(x: x, n: 1, c: t.c, h: t.h, w: t.w, weights: pseudoRandom(t.c * t.k * t.k, seed: 31),
                              bias: pseudoRandom(t.c, seed: 32), m: t.c, kh: t.k, kw: t.k, stride: t.stride, pad: t.pad,
                              dilation: 1, groups: t.c).out
        if t.dwRelu { d = d.map { max(0, $0) } }
        var y = referenceConv(x: d, n: 1, c: t.c, h: t.oh, w: t.ow, weights: pseudoRandom(t.m * t.c, seed: 33).map { $0 * 0.25 },
                              bias: pseudoRandom(t.m, seed: 34), m: t.m, kh: 1, kw: 1, stride: 1, pad: 0, dilation: 1,
                              groups: 1).out
        if t.tail == "AddRelu" { y = zip(y, r).map { $0 + $1 } }
        return y.map { max(0, $0) }
    }

    @Test(arguments: cases, [Int32(2), 1])
    func pairedBandsEqualTheStepsApart(_ t: Case, _ level: Int32) throws {
        try ISALevel.at(level) {
            guard FastKernels.available else { return }  // the portable paths (VIGIL_NN_ISA=none) do not pair
            let x = pseudoRandom(t.c * t.h * t.w, seed: 35), r = pseudoRandom(t.m * t.oh * t.ow, seed: 36)
            var inputs = ["x": Tensor(shape: [1, t.c, t.h, t.w], floats: x)]
            if t.tail == "AddRelu" { inputs["r"] = Tensor(shape: [1, t.m, t.oh, t.ow], floats: r) }
            let paired = try model(t, exposeMiddle: false).session(threads: t.threads)
            let apart = try model(t, exposeMiddle: true).session(threads: t.threads)
            let pairedPath = paired.profile(iterations: 1).map(\.op).joined(separator: " ")
            #expect(pairedPath.contains("in bands of"), "\(pairedPath)")
            #expect(!apart.profile(iterations: 1).map(\.op).joined().contains("in bands of"))
            let y = try paired.run(inputs)["y"]!.floats
            let expected = try apart.run(inputs)["y"]!.floats
            #expect(y.count == t.m * t.oh * t.ow)
            // Counted, not compared as arrays: a failing comparison of 10⁵ floats would be printed as a diff (minutes).
            let differing = zip(y, expected).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(y.count == expected.count && differing == 0, "\(differing) of \(y.count) outputs differ")
            let ref = reference(t, x: x, r: r)
            let worst = zip(y, ref).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
            #expect(worst < 1e-4, "\(worst)")
        }
    }

    /// A depthwise output read by two nodes, a plane the channels-in-lanes kernel takes (≤ 64 pixels), one band's
    /// worth of rows, or an output under `minimumBytes` (still in L2 when the 1×1 reads it): not paired.
    @Test func pairsOnlyWhereBandsPay() throws {
        guard FastKernels.available else { return }
        func paired(_ g: GraphBuilder) throws -> Bool {
            try g.session(threads: 1).profile(iterations: 1).map(\.op).joined().contains("in bands of")
        }
        let big = Case(c: 32, m: 16, h: 96, w: 96, k: 3, stride: 1, dwRelu: false, tail: "Relu", threads: 1)
        #expect(try paired(model(big, exposeMiddle: false)))
        var two = model(big, exposeMiddle: false)
        two.node("Relu", ["d"], ["z"])
        two.output("z")
        #expect(!(try paired(two)))
        #expect(!(try paired(model(Case(c: 32, m: 32, h: 8, w: 8, k: 3, stride: 1, dwRelu: false, tail: "Relu", threads: 1),
                                   exposeMiddle: false))))
        let wide = 8192, rows = DepthwisePointwiseKernel.bandRows(channels: 32, width: wide)
        #expect(!(try paired(model(Case(c: 32, m: 8, h: rows, w: wide, k: 3, stride: 1, dwRelu: false, tail: "Relu", threads: 1),
                                   exposeMiddle: false))))
        #expect(!(try paired(model(Case(c: 16, m: 16, h: 96, w: 96, k: 3, stride: 1, dwRelu: false, tail: "Relu", threads: 1),
                                   exposeMiddle: false))))
    }
}
