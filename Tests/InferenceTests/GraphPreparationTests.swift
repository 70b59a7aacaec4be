import Foundation
import Testing
@testable import Inference

@Suite struct GraphPreparationTests {
    @Test func unsupportedOperatorNamesNodeAndOp() throws {
        var g = GraphBuilder()
        g.input("x", [1, 4])
        g.node("Einsum", ["x"], ["y"], name: "mystery", ["equation": "ij->ji"])
        g.output("y")
        #expect {
            _ = try g.session()
        } throws: { e in
            guard case InferenceError.unsupported(let node, let op, _) = e else { return false }
            return node == "mystery" && op == "Einsum" && "\(e)".contains("mystery") && "\(e)".contains("Einsum")
        }
    }

    @Test func unknownAttributeIsALoadError() throws {
        var g = GraphBuilder()
        g.input("x", [1, 4])
        g.node("Relu", ["x"], ["y"], name: "r", ["bogus": 3])
        g.output("y")
        #expect {
            _ = try g.session()
        } throws: { e in
            "\(e)".contains("'r' (Relu)") && "\(e)".contains("bogus")
        }
    }

    @Test func otherDomainNodeIsALoadErrorButImportIsIgnored() throws {
        var g = GraphBuilder()
        g.input("x", [1, 4])
        g.node("Relu", ["x"], ["y"])
        g.output("y")
        _ = try g.session(extraDomains: ["ai.onnx.ml": 2])
        var h = GraphBuilder()
        h.input("x", [1, 4])
        h.node("Scaler", ["x"], ["y"], name: "s", domain: "ai.onnx.ml")
        h.output("y")
        #expect(throws: InferenceError.self) { _ = try h.session(extraDomains: ["ai.onnx.ml": 2]) }
    }

    @Test func convBatchNormReluFoldIntoOneStep() throws {
        var g = GraphBuilder()
        let (c, m) = (3, 4)
        g.input("x", [1, c, 6, 6])
        let w = pseudoRandom(m * c * 9, seed: 1), b = pseudoRandom(m, seed: 2)
        g.initializer("w", [m, c, 3, 3], w)
        g.initializer("b", [m], b)
        let scale: [Float] = [1, 0.5, 2, 1.5], shift: [Float] = [0.1, -0.2, 0.3, 0]
        let mean: [Float] = [0.5, -0.5, 0, 1], variance: [Float] = [1, 2, 0.5, 4]
        g.initializer("s", [m], scale); g.initializer("sh", [m], shift)
        g.initializer("mu", [m], mean); g.initializer("var", [m], variance)
        g.node("Conv", ["x", "w", "b"], ["c"], ["pads": [1, 1, 1, 1]])
        g.node("BatchNormalization", ["c", "s", "sh", "mu", "var"], ["bn"], ["epsilon": Float(1e-5)])
        g.node("Relu", ["bn"], ["y"])
        g.output("y")
        let s = try g.session()
        #expect(s.executionPlan == ["Conv+Relu"])
        let x = pseudoRandom(c * 36, seed: 3)
        let y = try s.run(["x": Tensor(shape: [1, c, 6, 6], floats: x)])["y"]!.floats
        let ref = referenceConv(x: x, n: 1, c: c, h: 6, w: 6, weights: w, bias: b, m: m, kh: 3, kw: 3, stride: 1, pad: 1, dilation: 1, groups: 1)
        var expected = ref.out
        for o in 0..<m {
            for i in 0..<36 {
                let v = (expected[o * 36 + i] - mean[o]) / (variance[o] + 1e-5).squareRoot() * scale[o] + shift[o]
                expected[o * 36 + i] = max(0, v)
            }
        }
        #expect(maxAbsDiff(y, expected) < 1e-4)
    }

    @Test func siluAndPadFuseIntoConv() throws {
        var g = GraphBuilder()
        g.input("x", [1, 2, 5, 5])
        g.initializer("w", [3, 2, 3, 3], pseudoRandom(54, seed: 4))
        g.initializer("pads", int64: [0, 0, 1, 1, 0, 0, 1, 1])
        g.node("Pad", ["x", "pads"], ["p"])
        g.node("Conv", ["p", "w"], ["c"])
        g.node("Sigmoid", ["c"], ["sig"])
        g.node("Mul", ["c", "sig"], ["y"])
        g.output("y")
        let s = try g.session()
        #expect(s.executionPlan == ["Conv+SiLU"])
        #expect(s.outputs[0].shape == [1, 3, 5, 5])
        let x = pseudoRandom(50, seed: 5)
        let y = try s.run(["x": Tensor(shape: [1, 2, 5, 5], floats: x)])["y"]!.floats
        let ref = referenceConv(x: x, n: 1, c: 2, h: 5, w: 5, weights: pseudoRandom(54, seed: 4), bias: [0, 0, 0], m: 3,
                                kh: 3, kw: 3, stride: 1, pad: 1, dilation: 1, groups: 1).out
        let expected = ref.map { $0 / (1 + Foundation.exp(-$0)) }
        #expect(maxAbsDiff(y, expected) < 1e-5)
    }

    @Test func residualAddAndReluFuseIntoConv() throws {
        // x → Conv(depthwise) → Add(·, x) → Relu, and a pointwise Conv with the same pattern.
        for (groups, k) in [(4, 3), (1, 1)] {
            var g = GraphBuilder()
            g.input("x", [1, 4, 9, 10])
            let w = pseudoRandom(4 * (4 / groups) * k * k, seed: 21), b = pseudoRandom(4, seed: 22)
            g.initializer("w", [4, 4 / groups, k, k], w)
            g.initializer("b", [4], b)
            g.node("Conv", ["x", "w", "b"], ["c"], ["group": groups, "pads": [k / 2, k / 2, k / 2, k / 2]])
            g.node("Add", ["c", "x"], ["s"])
            g.node("Relu", ["s"], ["y"])
            g.output("y")
            let s = try g.session()
            #expect(s.executionPlan == ["Conv+Add+Relu"])
            let x = pseudoRandom(360, seed: 23)
            let y = try s.run(["x": Tensor(shape: [1, 4, 9, 10], floats: x)])["y"]!.floats
            let ref = referenceConv(x: x, n: 1, c: 4, h: 9, w: 10, weights: w, bias: b, m: 4, kh: k, kw: k, stride: 1,
                                    pad: k / 2, dilation: 1, groups: groups).out
            #expect(maxAbsDiff(y, zip(ref, x).map { max(0, $0 + $1) }) < 1e-5)
        }
    }

    @Test func shapeArithmeticIsFoldedAway() throws {
        // The pattern exporters emit: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])).
        var g = GraphBuilder()
        g.input("x", [2, 3, 4])
        g.initializer("zero", int64: [0], shape: [])
        g.initializer("minus1", int64: [-1])
        g.initializer("axes", int64: [0])
        g.node("Shape", ["x"], ["shape"])
        g.node("Gather", ["shape", "zero"], ["n"], ["axis": 0])
        g.node("Unsqueeze", ["n", "axes"], ["n1"])
        g.node("Concat", ["n1", "minus1"], ["target"], ["axis": 0])
        g.node("Reshape", ["x", "target"], ["y"])
        g.output("y")
        let s = try g.session()
        #expect(s.executionPlan == ["Reshape"])
        #expect(s.outputs[0].shape == [2, 12])
    }

    @Test func float16AndInt64InitializersConvert() throws {
        var g = GraphBuilder()
        g.input("x", [1, 4])
        g.initializer(name: "h", float16: [0.5, -2, 1.25, 65504], shape: [1, 4])
        g.node("Add", ["x", "h"], ["y"])
        g.output("y")
        let y = try g.session().run(["x": Tensor(shape: [1, 4], floats: [1, 1, 1, 1])])["y"]!.floats
        #expect(y == [1.5, -1, 2.25, 65505])
    }

    /// A C2f-shaped block: Split → Sigmoid → Identity → channel Concat. The Concat's three inputs are written in
    /// place (views: the two Split outputs and the Identity output), and as the Split's outputs lie side by
    /// side there, so does its input: neither the Split, the Concat nor the Identity copies; a value that appears twice in one Concat, and a Concat whose pieces are not contiguous
    /// (axis 2), still copy. The results are the plain ones, with 1 and 2 threads.
    @Test func concatInputsSplitOutputsAndReshapesAreViews() throws {
        var g = GraphBuilder()
        g.input("x", [1, 4, 3, 5])
        g.node("Relu", ["x"], ["a"])
        g.initializer("sizes", int64: [2, 2])
        g.node("Split", ["a", "sizes"], ["s0", "s1"], ["axis": 1])
        g.node("Sigmoid", ["s1"], ["t"])
        g.node("Identity", ["t"], ["u"])
        g.node("Concat", ["s0", "s1", "u"], ["c"], ["axis": 1])
        g.node("Concat", ["c", "c"], ["d"], ["axis": 1])
        g.node("Relu", ["d"], ["out1"])
        g.node("Sigmoid", ["a"], ["t2"])
        g.node("Concat", ["a", "t2"], ["e"], ["axis": 2])
        g.node("Relu", ["e"], ["out2"])
        g.output("out1")
        g.output("out2")
        let x = pseudoRandom(60, seed: 4)
        let a = x.map { max($0, 0) }
        func sig(_ v: Float) -> Float { 1 / (1 + exp(-v)) }
        let plane = 15
        let c = Array(a[0..<(4 * plane)]) + a[(2 * plane)..<(4 * plane)].map(sig)
        let out1 = c + c
        var out2: [Float] = []
        for ch in 0..<4 {
            out2 += a[(ch * plane)..<((ch + 1) * plane)]
            out2 += a[(ch * plane)..<((ch + 1) * plane)].map(sig)
        }
        for threads in [1, 2] {
            let s = try g.session(threads: threads)
            #expect(s.viewCount == 4)
            let y = try s.run(["x": Tensor(shape: [1, 4, 3, 5], floats: x)])
            #expect(maxAbsDiff(y["out1"]!.floats, out1) < 1e-6)
            #expect(maxAbsDiff(y["out2"]!.floats, out2) < 1e-6)
        }
    }

    @Test func memoryPlanReusesBuffers() throws {
        var g = GraphBuilder()
        g.input("x", [1, 64])
        var last = "x"
        for i in 0..<8 {
            g.node("Relu", [last], ["r\(i)"])
            last = "r\(i)"
        }
        g.output(last)
        let s = try g.session()
        #expect(s.arenaBytes < s.unplannedBytes / 2)
        let y = try s.run(["x": Tensor(shape: [1, 64], floats: pseudoRandom(64, seed: 9))])[last]!.floats
        #expect(y.allSatisfy { $0 >= 0 })
    }
}

extension GraphBuilder {
    mutating func initializer(name: String, float16 values: [Float], shape: [Int]) {
        initializer(name, float16: values, shape: shape)
    }
}
