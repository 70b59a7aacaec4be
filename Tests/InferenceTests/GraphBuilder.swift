import Foundation
@testable import Inference

/// Builds small ONNX models in memory with the generated protobuf types.
struct GraphBuilder {
    var graph = Onnx_GraphProto()
    var opset: Int64 = 13

    mutating func input(_ name: String, _ shape: [Int], type: Int32 = 1) {
        graph.input.append(valueInfo(name, shape, type))
    }

    mutating func output(_ name: String, _ shape: [Int] = [], type: Int32 = 1) {
        graph.output.append(valueInfo(name, shape, type))
    }

    mutating func initializer(_ name: String, _ shape: [Int], _ values: [Float]) {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = shape.map { Int64($0) }
        t.dataType = 1
        t.rawData = values.withUnsafeBytes { Data($0) }
        graph.initializer.append(t)
    }

    mutating func initializer(_ name: String, int64 values: [Int64], shape: [Int]? = nil) {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = (shape ?? [values.count]).map { Int64($0) }
        t.dataType = 7
        t.int64Data = values
        graph.initializer.append(t)
    }

    mutating func initializer(_ name: String, float16 values: [Float], shape: [Int]) {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = shape.map { Int64($0) }
        t.dataType = 10
        let bits = values.map { Float16($0).bitPattern }
        t.rawData = bits.withUnsafeBytes { Data($0) }
        graph.initializer.append(t)
    }

    mutating func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String? = nil,
                       domain: String = "", _ attributes: [String: Any] = [:]) {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name ?? "\(op)_\(graph.node.count)"
        n.domain = domain
        n.input = inputs
        n.output = outputs
        for (k, v) in attributes.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = k
            switch v {
            case let i as Int: a.type = .int; a.i = Int64(i)
            case let f as Float: a.type = .float; a.f = f
            case let s as String: a.type = .string; a.s = Data(s.utf8)
            case let l as [Int]: a.type = .ints; a.ints = l.map { Int64($0) }
            case let l as [Float]: a.type = .floats; a.floats = l
            default: fatalError("attribute type")
            }
            n.attribute.append(a)
        }
        graph.node.append(n)
    }

    func serialized(extraDomains: [String: Int64] = [:]) throws -> Data {
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var o = Onnx_OperatorSetIdProto()
        o.domain = ""
        o.version = opset
        m.opsetImport = [o]
        for (d, v) in extraDomains {
            var x = Onnx_OperatorSetIdProto()
            x.domain = d
            x.version = v
            m.opsetImport.append(x)
        }
        m.graph = graph
        return try m.serializedBytes()
    }

    func session(threads: Int = 2, extraDomains: [String: Int64] = [:]) throws -> Session {
        try Session(serialized: try serialized(extraDomains: extraDomains), options: .init(threads: threads))
    }

    private func valueInfo(_ name: String, _ shape: [Int], _ type: Int32) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var tt = Onnx_TypeProto.Tensor()
        tt.elemType = type
        var s = Onnx_TensorShapeProto()
        s.dim = shape.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = Int64(d)
            return dim
        }
        tt.shape = s
        v.type.tensorType = tt
        return v
    }
}

/// Deterministic pseudo-random floats in [-1, 1).
func pseudoRandom(_ n: Int, seed: UInt64) -> [Float] {
    var s = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<n).map { _ in
        s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(s >> 40) - (1 << 23)) / Float(1 << 23)
    }
}

/// Straightforward NCHW convolution used as the reference in tests.
func referenceConv(x: [Float], n: Int, c: Int, h: Int, w: Int, weights: [Float], bias: [Float], m: Int,
                   kh: Int, kw: Int, stride: Int, pad: Int, dilation: Int, groups: Int) -> (out: [Float], oh: Int, ow: Int) {
    let oh = (h + 2 * pad - (kh - 1) * dilation - 1) / stride + 1
    let ow = (w + 2 * pad - (kw - 1) * dilation - 1) / stride + 1
    let cg = c / groups, mg = m / groups
    var out = [Float](repeating: 0, count: n * m * oh * ow)
    for b in 0..<n {
        for oc in 0..<m {
            let g = oc / mg
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var acc = bias[oc]
                    for ic in 0..<cg {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * stride - pad + ky * dilation, ix = ox * stride - pad + kx * dilation
                                if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                                acc += x[((b * c + g * cg + ic) * h + iy) * w + ix] * weights[((oc * cg + ic) * kh + ky) * kw + kx]
                            }
                        }
                    }
                    out[((b * m + oc) * oh + oy) * ow + ox] = acc
                }
            }
        }
    }
    return (out, oh, ow)
}

/// Repository root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
