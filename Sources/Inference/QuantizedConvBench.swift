import CInferenceKernels
import Foundation

/// One convolution shape run two ways for `vigil bench qconv`: the int8 kernel (`QuantizedConv`, uint8 activations,
/// per-channel int8 weights, on a worker pool of `threads`) and the engine's float32 Conv (a one-node model in a
/// `Session` of the same thread count), on the same shape with seeded random data.
///
/// Thread safety: one caller at a time (the pool and the session each serve one run at a time).
package final class QuantizedConvBenchPair: @unchecked Sendable {  // @unchecked: buffers touched by the one caller
    package let name: String
    /// 2 × multiply-accumulates of one run (the same for both).
    package let operations: Double
    private let conv: QuantizedConv
    private let session: Session
    private let pool: OpaquePointer?
    private let qIn: [UInt8]
    private var qOut: [UInt8]
    private let fIn: [Float]
    private var fOut: [Float]

    /// A square `size`×`size` input, `kernel`×`kernel` taps, "same" padding.
    package init(name: String, inC: Int, outC: Int, size: Int, kernel: Int, stride: Int, groups: Int, threads: Int) throws {
        self.name = name
        let pad = kernel / 2, out = (size + 2 * pad - kernel) / stride + 1, k = inC / groups * kernel * kernel
        operations = 2 * Double(outC * out * out * k)
        var seed: UInt64 = 0x5EED
        func next() -> UInt8 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: seed >> 56)
        }
        let weights = (0..<outC * k).map { _ in Int8(bitPattern: next()) }
        let g = VKConvGeometry(channels: Int32(inC / groups), in_h: Int32(size), in_w: Int32(size), out_h: Int32(out),
                               out_w: Int32(out), k_h: Int32(kernel), k_w: Int32(kernel), stride_h: Int32(stride),
                               stride_w: Int32(stride), dilation_h: 1, dilation_w: 1, pad_top: Int32(pad), pad_left: Int32(pad))
        conv = try QuantizedConv(QuantizedConvSpec(
            geometry: g, groups: groups, outChannels: outC, weights: weights, weightZeroPoints: [0],
            weightScales: (0..<outC).map { 0.001 + Float($0 % 7) * 0.0003 },
            input: QuantParams(scale: 0.02, zeroPoint: 128, signed: false),
            output: QuantParams(scale: 0.05 * Float(k).squareRoot(), zeroPoint: 0, signed: false),
            bias: (0..<outC).map { Int32($0 * 31) }, clamp: nil))
        qIn = (0..<inC * size * size).map { _ in next() }
        qOut = [UInt8](repeating: 0, count: outC * out * out)
        fIn = qIn.map { (Float($0) - 128) * 0.02 }
        fOut = [Float](repeating: 0, count: outC * out * out)
        let model = Self.floatModel(inC: inC, outC: outC, size: size, out: out, kernel: kernel, stride: stride,
                                    groups: groups, weights: weights.map { Float($0) * 0.001 })
        session = try Session(serialized: try model.serializedBytes(), options: .init(threads: threads))
        pool = threads > 1 ? vk_pool_create(Int32(threads), ExecutionContext.spinMicroseconds * 1000) : nil
    }

    deinit { if let pool { vk_pool_destroy(pool) } }

    package func runInt8() {
        qIn.withUnsafeBytes { x in
            qOut.withUnsafeMutableBytes { y in conv.run(input: x.baseAddress!, output: y.baseAddress!, batch: 1, pool: pool) }
        }
    }

    package func runFloat() throws {
        try fIn.withUnsafeBufferPointer { x in
            try fOut.withUnsafeMutableBufferPointer { y in try session.run(inputs: [x], outputs: [y]) }
        }
    }

    private static func floatModel(inC: Int, outC: Int, size: Int, out: Int, kernel: Int, stride: Int, groups: Int,
                                   weights: [Float]) -> Onnx_ModelProto {
        func info(_ name: String, _ shape: [Int]) -> Onnx_ValueInfoProto {
            var v = Onnx_ValueInfoProto()
            v.name = name
            v.type.tensorType.elemType = 1
            v.type.tensorType.shape.dim = shape.map { d in
                var dim = Onnx_TensorShapeProto.Dimension()
                dim.dimValue = Int64(d)
                return dim
            }
            return v
        }
        func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto()
            a.name = name
            a.type = .ints
            a.ints = values.map { Int64($0) }
            return a
        }
        var w = Onnx_TensorProto()
        w.name = "w"
        w.dims = [outC, inC / groups, kernel, kernel].map { Int64($0) }
        w.dataType = 1
        w.rawData = weights.withUnsafeBytes { Data($0) }
        var node = Onnx_NodeProto()
        node.opType = "Conv"
        node.input = ["x", "w"]
        node.output = ["y"]
        var group = Onnx_AttributeProto()
        group.name = "group"
        group.type = .int
        group.i = Int64(groups)
        let pad = kernel / 2
        node.attribute = [ints("kernel_shape", [kernel, kernel]), ints("strides", [stride, stride]),
                          ints("pads", [pad, pad, pad, pad]), group]
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 13
        m.opsetImport = [opset]
        m.graph.node = [node]
        m.graph.initializer = [w]
        m.graph.input = [info("x", [1, inC, size, size])]
        m.graph.output = [info("y", [1, outC, out, out])]
        return m
    }
}
