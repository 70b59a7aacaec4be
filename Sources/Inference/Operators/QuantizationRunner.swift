import CInferenceKernels

/// Runs a QLinearConv on the integer kernels (`QuantizedConv`: AVX-512 VNNI, AVX-VNNI, AVX2 or portable C, chosen at
/// run time), with the session's worker pool.
///
/// Thread safety: see `Kernel` (the prepared `QuantizedConv` is immutable).
final class QuantizedConvRunner {
    let conv: QuantizedConv
    var pathDescription: String {
        let level = QuantizedConv.levelName
        let g = conv.spec.geometry
        let kind = conv.spec.groups > 1 ? (Int(g.channels) == 1 ? "depthwise " : "group \(conv.spec.groups) ") : ""
        return "\(kind)\(g.k_h)x\(g.k_w) s\(g.stride_h) int8 \(level)\(conv.spec.lookup == nil ? "" : " + lookup")"
    }

    /// Nil when the kernels refuse the form (the Swift reference then runs).
    init?(shape: IntegerConvShape, weights: Tensor, weightQuant: QuantScale, input: QuantScale, output: QuantScale,
          bias: [Int32]?, clamp: ClosedRange<Int32>, lookup: [UInt8]?) {
        let g = shape.g
        let geometry = VKConvGeometry(channels: Int32(shape.inC / shape.groups), in_h: Int32(g.inH), in_w: Int32(g.inW),
                                      out_h: Int32(g.outH), out_w: Int32(g.outW), k_h: Int32(g.kH), k_w: Int32(g.kW),
                                      stride_h: Int32(g.strideH), stride_w: Int32(g.strideW),
                                      dilation_h: Int32(g.dilationH), dilation_w: Int32(g.dilationW),
                                      pad_top: Int32(g.padTop), pad_left: Int32(g.padLeft))
        let spec = QuantizedConvSpec(
            geometry: geometry, groups: shape.groups, outChannels: shape.outC,
            weights: Self.signedWeights(weights), weightZeroPoints: Self.signedZeroPoints(weightQuant),
            weightScales: weightQuant.scales,
            input: QuantParams(scale: input.scales[0], zeroPoint: input.zeroPoints[0], signed: input.type == .int8),
            output: QuantParams(scale: output.scales[0], zeroPoint: output.zeroPoints[0], signed: output.type == .int8),
            bias: bias, clamp: (clamp.lowerBound, clamp.upperBound), lookup: lookup)
        guard let conv = try? QuantizedConv(spec) else { return nil }
        self.conv = conv
    }

    /// The kernels take int8 weights. uint8 weights (quantize_static with weight_type=QUInt8) shift by −128 with
    /// their zero points, which keeps every w − zw: (w − 128) − (zw − 128).
    static func signedWeights(_ w: Tensor) -> [Int8] {
        w.int64s.map { w.elementType == .uint8 ? Int8($0 - 128) : Int8($0) }
    }

    static func signedZeroPoints(_ q: QuantScale) -> [Int8] {
        q.zeroPoints.map { q.type == .uint8 ? Int8($0 - 128) : Int8($0) }
    }

    func run(_ x: UnsafeRawPointer, _ y: UnsafeMutableRawPointer, batch: Int, _ ctx: ExecutionContext) {
        conv.run(input: x, output: y, batch: batch, pool: ctx.pool)
    }
}
