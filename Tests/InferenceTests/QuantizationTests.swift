import Foundation
import Testing
@testable import Inference

extension GraphBuilder {
    /// An integer initializer: ONNX type 2 (uint8), 3 (int8) or 6 (int32), raw little-endian data.
    mutating func initializer(_ name: String, ints values: [Int], type: Int32, shape: [Int]) {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = shape.map { Int64($0) }
        t.dataType = type
        switch type {
        case 2: t.rawData = Data(values.map { UInt8(truncatingIfNeeded: $0) })
        case 3: t.rawData = Data(values.map { UInt8(bitPattern: Int8(truncatingIfNeeded: $0)) })
        default: t.rawData = values.map { Int32(truncatingIfNeeded: $0) }.withUnsafeBytes { Data($0) }
        }
        graph.initializer.append(t)
    }
}

/// The quantised operators (QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul, ConvInteger,
/// MatMulInteger) on ONNX's own backend cases, at run time on graphs built here, the QDQ rewrites
/// (Conv islands → QLinearConv, element-wise chains → table lookups) and the load errors.
@Suite struct QuantizationTests {
    static let nodeCases = [
        "test_quantizelinear", "test_quantizelinear_axis", "test_dequantizelinear", "test_dequantizelinear_axis",
        "test_qlinearconv", "test_qlinearmatmul_2D", "test_qlinearmatmul_3D", "test_basic_convinteger",
        "test_convinteger_with_padding", "test_convinteger_without_padding", "test_matmulinteger",
    ]

    @Test(arguments: nodeCases)
    func onnxNodeCasePasses(_ name: String) throws {
        let dir = NodeConformanceTests.dataDirectory.appendingPathComponent(name)
        try #require(FileManager.default.fileExists(atPath: dir.path), "missing \(dir.path): install libonnx-testdata")
        let results = BackendTest(threads: 2).run(directory: dir)
        #expect(!results.isEmpty)
        for r in results { #expect(r.outcome == .passed, "\(r.name): \(r.outcome)") }
    }

    /// The same operators with run-time (not folded) quantised inputs: float → QuantizeLinear (per axis,
    /// int8) → DequantizeLinear, and QLinearMatMul/MatMulInteger on a run-time uint8 operand.
    @Test func quantizeDequantizeAtRunTime() throws {
        var g = GraphBuilder()
        g.opset = 13
        g.input("x", [1, 2, 3])
        g.initializer("s", [2], [0.5, 0.25])
        g.initializer("z", ints: [-3, 5], type: 3, shape: [2])
        g.node("QuantizeLinear", ["x", "s", "z"], ["q"], ["axis": 1])
        g.node("DequantizeLinear", ["q", "s", "z"], ["y"], ["axis": 1])
        g.output("y", [1, 2, 3])
        let s = try Session(serialized: try g.serialized(), options: .init(threads: 1))
        #expect(s.executionPlan == ["QuantizeLinear", "DequantizeLinear"])
        // A scale of shape [1] with a scalar zero point (quantize_static's per-tensor weights) is per tensor.
        var t = GraphBuilder()
        t.opset = 13
        t.input("x", [1, 2, 3])
        t.initializer("s", [1], [0.5])
        t.initializer("z", ints: [-3], type: 3, shape: [])
        t.node("QuantizeLinear", ["x", "s", "z"], ["q"])
        t.node("DequantizeLinear", ["q", "s", "z"], ["y"])
        t.output("y", [1, 2, 3])
        let perTensor = try Session(serialized: try t.serialized(), options: .init(threads: 1))
        let yt = try perTensor.run(["x": Tensor(shape: [1, 2, 3], floats: [0.26, -100, 63.9, 1.125, -0.125, 40])])["y"]!.floats
        #expect(yt == [0.5, -62.5, 64.0, 1.0, 0.0, 40.0])
        let x: [Float] = [0.26, -100, 63.9, 1.125, -0.125, 40]
        let y = try s.run(["x": Tensor(shape: [1, 2, 3], floats: x)])["y"]!.floats
        // Channel 0: q = clamp(round(x / 0.5) − 3, −128, 127): 0.52 → 1, −200 → −128, 127.8 → 128 → 125;
        // channel 1: round(x / 0.25) + 5 with halves to even: 4.5 → 4, −0.5 → −0, 160 → 165 → 127.
        #expect(y == [0.5, -62.5, 64.0, 1.0, 0.0, 30.5])
    }

    @Test func qlinearMatMulAtRunTime() throws {
        var g = GraphBuilder()
        g.opset = 13
        g.input("a", [2, 3])
        g.initializer("as", [], [0.1])
        g.initializer("az", ints: [10], type: 2, shape: [])
        g.initializer("b", ints: [1, -2, 3, 4, -5, 6], type: 3, shape: [3, 2])
        g.initializer("bs", [2], [0.5, 0.25])
        g.initializer("bz", ints: [0, 0], type: 3, shape: [2])
        g.initializer("ys", [], [0.2])
        g.initializer("yz", ints: [128], type: 2, shape: [])
        g.node("QuantizeLinear", ["a", "as", "az"], ["aq"])
        g.node("QLinearMatMul", ["aq", "as", "az", "b", "bs", "bz", "ys", "yz"], ["yq"])
        g.node("MatMulInteger", ["aq", "b", "az", "bz"], ["acc"])
        g.node("DequantizeLinear", ["yq", "ys", "yz"], ["y"])
        g.output("y", [2, 2])
        g.output("acc", [2, 2], type: 6)
        let s = try Session(serialized: try g.serialized(), options: .init(threads: 1))
        let a: [Float] = [0.1, 0.2, 0.3, -0.5, 1.0, 0.0]
        let out = try s.run(["a": Tensor(shape: [2, 3], floats: a)])
        // a − zp in quantised units: [1, 2, 3], [−5, 10, 0]; b columns [1, 3, −5] and [−2, 4, 6].
        let acc: [Int64] = [1 + 6 - 15, -2 + 8 + 18, -5 + 30, 10 + 40]
        #expect(out["acc"]!.int64s == acc)
        let expected = zip(acc, [0.5, 0.25, 0.5, 0.25] as [Float]).map { v, bs -> Float in
            let q = min(255, max(0, (Float(v) * (0.1 * bs / 0.2)).rounded(.toNearestOrEven) + 128))
            return (q - 128) * 0.2
        }
        #expect(out["y"]!.floats == expected)
    }

    /// A QDQ model as quantize_static writes it: Q → DQ → Conv (DQ'd int8 weights per channel, DQ'd int32
    /// bias) → Relu → Q → DQ → SiLU (Sigmoid, Mul) → Q → DQ. Prepared as QuantizeLinear → QLinearConv+Relu (the
    /// SiLU's QuantizedLookup folded into it) → DequantizeLinear, and equal to the integer arithmetic done here.
    @Test func qdqIslandsBecomeIntegerSteps() throws {
        let (model, expected) = Self.qdqConvModel()
        let s = try Session(serialized: model, options: .init(threads: 2))
        // The SiLU's lookup is folded into the convolution (its only reader): no QuantizedLookup step.
        #expect(s.executionPlan == ["QuantizeLinear", "QLinearConv+Relu", "DequantizeLinear"])
        #expect(s.precisionCounts["int8_lookup", default: 0] == 0 && s.precisionCounts["int8"] == 1)
        let x: [Float] = (0..<(2 * 5 * 5)).map { (i: Int) -> Float in Float((i * 37) % 23) / 11 - 1 }
        let y = try s.run(["x": Tensor(shape: [1, 2, 5, 5], floats: x)])["y"]!.floats
        #expect(y == expected(x))
    }

    /// The model of `qdqIslandsBecomeIntegerSteps` and its result computed step by step in integers.
    static func qdqConvModel() -> (Data, ([Float]) -> [Float]) {
        var g = GraphBuilder()
        g.opset = 13
        g.input("x", [1, 2, 5, 5])
        g.initializer("xs", [], [1 / 64])
        g.initializer("xz", ints: [100], type: 2, shape: [])
        let w = (0..<(3 * 2 * 3 * 3)).map { ($0 * 53) % 255 - 127 }
        g.initializer("w", ints: w, type: 3, shape: [3, 2, 3, 3])
        g.initializer("ws", [3], [0.01, 0.02, 0.005])
        g.initializer("wz", ints: [0, 0, 0], type: 3, shape: [3])
        g.initializer("b", ints: [50, -900, 3000], type: 6, shape: [3])
        g.initializer("bs", [3], [0.01 / 64, 0.02 / 64, 0.005 / 64])
        g.initializer("bz", ints: [0, 0, 0], type: 6, shape: [3])
        g.initializer("ys", [], [0.03])
        g.initializer("yz", ints: [0], type: 2, shape: [])
        g.initializer("zs", [], [0.02])
        g.initializer("zz", ints: [20], type: 2, shape: [])
        g.node("QuantizeLinear", ["x", "xs", "xz"], ["xq"])
        g.node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"])
        g.node("DequantizeLinear", ["w", "ws", "wz"], ["wd"], ["axis": 0])
        g.node("DequantizeLinear", ["b", "bs", "bz"], ["bd"], ["axis": 0])
        g.node("Conv", ["xd", "wd", "bd"], ["c"], ["kernel_shape": [3, 3], "pads": [1, 1, 1, 1]])
        g.node("Relu", ["c"], ["r"])
        g.node("QuantizeLinear", ["r", "ys", "yz"], ["rq"])
        g.node("DequantizeLinear", ["rq", "ys", "yz"], ["rd"])
        g.node("Sigmoid", ["rd"], ["sg"])
        g.node("Mul", ["rd", "sg"], ["silu"])
        g.node("QuantizeLinear", ["silu", "zs", "zz"], ["sq"])
        g.node("DequantizeLinear", ["sq", "zs", "zz"], ["y"])
        g.output("y", [1, 3, 5, 5])
        let bias: [Int32] = [50, -900, 3000], ws: [Float] = [0.01, 0.02, 0.005]
        let expected = { (x: [Float]) -> [Float] in
            let xq = x.map { Int32(min(255, max(0, ($0 / (1 / 64)).rounded(.toNearestOrEven) + 100))) - 100 }
            var y = [Float](repeating: 0, count: 75)
            for oc in 0..<3 {
                for oy in 0..<5 {
                    for ox in 0..<5 {
                        var acc = bias[oc]
                        for c in 0..<2 {
                            for ky in 0..<3 {
                                for kx in 0..<3 {
                                    let iy = oy + ky - 1, ix = ox + kx - 1
                                    if iy < 0 || iy >= 5 || ix < 0 || ix >= 5 { continue }
                                    acc += xq[c * 25 + iy * 5 + ix] * Int32(w[((oc * 2 + c) * 3 + ky) * 3 + kx])
                                }
                            }
                        }
                        let r = min(255, max(0, (Float(acc) * ((1 / 64) * ws[oc] / 0.03)).rounded(.toNearestOrEven)))
                        let v = r * 0.03
                        let s = v / (1 + Float(exp(Double(-v))))
                        let q = min(255, max(0, (s / 0.02).rounded(.toNearestOrEven) + 20))
                        y[oc * 25 + oy * 5 + ox] = (q - 20) * 0.02
                    }
                }
            }
            return y
        }
        return (try! g.serialized(), expected)
    }

    @Test func unsupportedQuantisationFormsAreLoadErrors() throws {
        func load(_ op: String, _ attributes: [String: Any], zeroType: Int32 = 2) -> String {
            var g = GraphBuilder()
            g.opset = 21
            g.input("x", [2, 4])
            g.initializer("s", [], [0.5])
            g.initializer("z", ints: [0], type: 2, shape: [])
            g.initializer("z2", ints: [0], type: zeroType, shape: [])
            g.node("QuantizeLinear", ["x", "s", "z"], ["q"])
            g.node(op, [op == "QuantizeLinear" ? "x" : "q", "s", "z2"], ["y"], name: "n", attributes)
            g.output("y", [2, 4])
            do {
                _ = try Session(serialized: try g.serialized(), options: .init(threads: 1))
                return "loaded"
            } catch { return "\(error)" }
        }
        #expect(load("DequantizeLinear", ["block_size": 2]).contains("block_size"))
        #expect(load("DequantizeLinear", [:], zeroType: 6).contains("differs from input uint8"))
        #expect(load("QuantizeLinear", ["output_dtype": 4]).contains("output_dtype 4"))
        #expect(load("DequantizeLinear", [:]) == "loaded")
        // The engine's own rewritten nodes are never taken from a file.
        var g = GraphBuilder()
        g.input("x", [4])
        g.node("QuantizedLookup", ["x", "x"], ["y"], name: "l", domain: QuantizedGraph.domain)
        g.output("y", [4])
        #expect(throws: InferenceError.self) { _ = try Session(serialized: try g.serialized(extraDomains: [QuantizedGraph.domain: 1])) }
    }
}
