import Foundation
import Testing
@testable import Inference

@Suite struct ConvTests {
    struct Case: Sendable, CustomStringConvertible {
        var c: Int, m: Int, h: Int, w: Int, k: Int, stride: Int, pad: Int, dilation: Int, groups: Int
        var activation: String?
        var description: String { "c\(c) m\(m) \(h)x\(w) k\(k) s\(stride) p\(pad) d\(dilation) g\(groups) \(activation ?? "")" }
    }

    static let cases: [Case] = [
        Case(c: 3, m: 8, h: 9, w: 11, k: 3, stride: 1, pad: 1, dilation: 1, groups: 1),
        Case(c: 4, m: 6, h: 10, w: 10, k: 3, stride: 2, pad: 1, dilation: 1, groups: 2),
        Case(c: 8, m: 8, h: 12, w: 13, k: 3, stride: 1, pad: 1, dilation: 1, groups: 8, activation: "Relu"),
        Case(c: 8, m: 8, h: 12, w: 13, k: 5, stride: 2, pad: 2, dilation: 1, groups: 8),
        Case(c: 4, m: 8, h: 9, w: 9, k: 3, stride: 1, pad: 2, dilation: 2, groups: 4),
        Case(c: 16, m: 5, h: 7, w: 7, k: 1, stride: 1, pad: 0, dilation: 1, groups: 1, activation: "HardSwish"),
        Case(c: 6, m: 4, h: 8, w: 8, k: 1, stride: 2, pad: 0, dilation: 1, groups: 1, activation: "LeakyRelu"),
    ]

    @Test(arguments: cases)
    func matchesReference(_ t: Case) throws {
        var g = GraphBuilder()
        g.input("x", [1, t.c, t.h, t.w])
        let w = pseudoRandom(t.m * (t.c / t.groups) * t.k * t.k, seed: 11), b = pseudoRandom(t.m, seed: 12)
        g.initializer("w", [t.m, t.c / t.groups, t.k, t.k], w)
        g.initializer("b", [t.m], b)
        g.node("Conv", ["x", "w", "b"], [t.activation == nil ? "y" : "c"],
               ["pads": [t.pad, t.pad, t.pad, t.pad], "strides": [t.stride, t.stride],
                "dilations": [t.dilation, t.dilation], "group": t.groups, "kernel_shape": [t.k, t.k]])
        if let a = t.activation { g.node(a, ["c"], ["y"]) }
        g.output("y")
        let s = try g.session()
        #expect(s.executionPlan.count == 1)
        let x = pseudoRandom(t.c * t.h * t.w, seed: 13)
        let y = try s.run(["x": Tensor(shape: [1, t.c, t.h, t.w], floats: x)])["y"]!
        let ref = referenceConv(x: x, n: 1, c: t.c, h: t.h, w: t.w, weights: w, bias: b, m: t.m, kh: t.k, kw: t.k,
                                stride: t.stride, pad: t.pad, dilation: t.dilation, groups: t.groups)
        let expected = ref.out.map { v -> Float in
            switch t.activation {
            case "Relu": return max(0, v)
            case "LeakyRelu": return v < 0 ? 0.01 * v : v
            case "HardSwish": return v * min(max(v / 6 + 0.5, 0), 1)
            default: return v
            }
        }
        #expect(y.shape == [1, t.m, ref.oh, ref.ow])
        #expect(maxAbsDiff(y.floats, expected) < 1e-4)
    }
}
