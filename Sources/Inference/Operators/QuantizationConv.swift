/// QLinearConv and ConvInteger. Both share an integer reference convolution in Swift (correct first;
/// also the fallback for forms the integer kernels do not take); QLinearConv with int8 weights runs on
/// `QuantizedConv` (the integer kernels) when it can. Graph preparation also rewrites each QDQ island
/// (DequantizeLinear → Conv [→ Relu/Clip] → QuantizeLinear) into a QLinearConv node (`QuantizedGraph`).

/// The shape side of an integer convolution: weights (zero point already subtracted) and geometry.
///
/// Thread safety: an immutable value.
struct IntegerConvShape: Sendable {
    let g: SpatialGeometry
    let batch: Int, inC: Int, outC: Int, groups: Int
    /// outC × (inC/groups · kH · kW), the weight zero point subtracted.
    let weights: [Int32]

    var outputShape: [Int] { [batch, outC] + g.outputSpatial }
    var taps: Int { (inC / groups) * g.kH * g.kW }
    var flops: Int { 2 * batch * outC * g.outH * g.outW * taps }

    init(_ ctx: inout NodeContext, x: [Int], w: Tensor, weightZeroPoints: [Int32]) throws {
        guard x.count == 3 || x.count == 4, w.shape.count == x.count else { throw ctx.unsupported("input rank \(x.count)") }
        groups = try ctx.int("group", 1)
        batch = x[0]; inC = x[1]; outC = w.shape[0]
        guard groups > 0, inC % groups == 0, outC % groups == 0, w.shape[1] == inC / groups else {
            throw ctx.invalid("weights \(w.shape) do not match input \(x) with group \(groups)")
        }
        guard weightZeroPoints.count == 1 || weightZeroPoints.count == outC else {
            throw ctx.invalid("\(weightZeroPoints.count) weight zero points for \(outC) channels")
        }
        g = try SpatialGeometry(&ctx, inputShape: x, kernel: Array(w.shape[2...]), allowCeil: false)
        let per = w.count / max(outC, 1)
        let raw = w.int64s
        weights = (0..<w.count).map { i in
            Int32(truncatingIfNeeded: raw[i]) - weightZeroPoints[weightZeroPoints.count == 1 ? 0 : i / per]
        }
    }

    /// The int32 sums Σ (x − xzp)(w − wzp) of image `n` (padding contributes nothing), in NCHW order.
    func accumulate(_ x: [Int32], zeroPoint: Int32) -> [Int32] {
        let inPlane = g.inH * g.inW, outPlane = g.outH * g.outW
        let cg = inC / groups, mg = outC / groups
        var acc = [Int32](repeating: 0, count: outC * outPlane)
        for oc in 0..<outC {
            let grp = oc / mg
            for oy in 0..<g.outH {
                for ox in 0..<g.outW {
                    var sum: Int32 = 0
                    for c in 0..<cg {
                        let plane = (grp * cg + c) * inPlane
                        for ky in 0..<g.kH {
                            let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                            if iy < 0 || iy >= g.inH { continue }
                            for kx in 0..<g.kW {
                                let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                                if ix < 0 || ix >= g.inW { continue }
                                let wv = weights[((oc * cg + c) * g.kH + ky) * g.kW + kx]
                                sum &+= (x[plane + iy * g.inW + ix] &- zeroPoint) &* wv
                            }
                        }
                    }
                    acc[oc * outPlane + oy * g.outW + ox] = sum
                }
            }
        }
        return acc
    }
}

/// Requantisation of int32 sums: y = saturate(round_half_even(acc · multiplier[c]) + zero point),
/// clamped to `clamp` (a fused Relu/Clip), as ONNX Runtime's `MlasRequantizeOutput`.
///
/// Thread safety: an immutable value.
struct Requantization: Sendable {
    var multipliers: [Float]
    var zeroPoint: Int32
    var type: ElementType
    var clamp: ClosedRange<Int32>

    func apply(_ acc: [Int32], channels: Int, inner: Int, to p: UnsafeMutableRawPointer, offset: Int) {
        var out = [Int32](repeating: 0, count: acc.count)
        let lo = Float(clamp.lowerBound), hi = Float(clamp.upperBound)
        for i in acc.indices {
            let c = multipliers.count == 1 ? 0 : (i / inner) % channels
            let v = (Float(acc[i]) * multipliers[c]).rounded(.toNearestOrEven) + Float(zeroPoint)
            out[i] = Int32(min(max(v, lo), hi))
        }
        QuantData.store(out, p + offset * (type == .int32 ? 4 : 1), type)
    }
}

/// The quantised activation range a fused activation leaves: Relu → [zp, max], Clip(a, b) → [q(a), q(b)].
func quantizedClamp(_ act: Activation, scale: Float, zeroPoint: Int32, type: ElementType) -> ClosedRange<Int32>? {
    let range = quantRange(type)
    switch act {
    case .none: return range
    case .relu: return max(zeroPoint, range.lowerBound)...range.upperBound
    case .clip(let a, let b):
        let lo = a.isFinite ? QuantScale.quantize(a, scale: scale, zeroPoint: zeroPoint, range: range) : range.lowerBound
        let hi = b.isFinite ? QuantScale.quantize(b, scale: scale, zeroPoint: zeroPoint, range: range) : range.upperBound
        return lo <= hi ? lo...hi : lo...lo
    default: return nil
    }
}

/// QLinearConv (opset 10): uint8/int8 input and weights (per-tensor or per-channel weight scale and zero
/// point), int32 bias, requantised output; a fused Relu/Clip becomes an output clamp.
///
/// Thread safety: see `Kernel`.
final class QLinearConvKernel: IntegerKernel, FlopCounting, PathDescribing {
    let outputInfos: [ValueInfo]
    let shape: IntegerConvShape
    let inputType: ElementType
    let inputZeroPoint: Int32
    let bias: [Int32]
    let requant: Requantization
    /// A byte lookup folded in after the requantisation (input 9 of the engine's own QLinearConv nodes,
    /// `QuantizedGraph.foldLookup`): 256 entries, the output's bytes.
    let lookup: [UInt8]?
    /// The integer kernels (nil: the Swift reference runs).
    let fast: QuantizedConvRunner?
    var flops: Int { shape.flops }
    var pathDescription: String { fast?.pathDescription ?? "reference" }

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        guard x.type == .uint8 || x.type == .int8 else { throw ctx.unsupported("input of type \(x.type.rawValue)") }
        let xq = try QuantScale.read(ctx, scaleInput: 1, zeroInput: 2, dataShape: x.shape, axis: 1, defaultType: x.type)
        let w = try ctx.constant(3, "QLinearConv weights")
        guard w.elementType == .uint8 || w.elementType == .int8 else { throw ctx.unsupported("weights of type \(w.elementType.rawValue)") }
        let wq = try QuantScale.read(ctx, scaleInput: 4, zeroInput: 5, dataShape: w.shape, axis: 0, defaultType: w.elementType)
        let yq = try QuantScale.read(ctx, scaleInput: 6, zeroInput: 7, dataShape: [], axis: 0, defaultType: .uint8)
        guard xq.perTensor, yq.perTensor, xq.type == x.type, wq.type == w.elementType,
              yq.type == .uint8 || yq.type == .int8 else {
            throw ctx.unsupported("per-axis input/output quantisation or mismatched zero point types")
        }
        shape = try IntegerConvShape(&ctx, x: x.shape, w: w, weightZeroPoints: wq.zeroPoints)
        if ctx.hasInput(8) {
            let b = try ctx.constant(8, "QLinearConv bias")
            guard b.count == shape.outC else { throw ctx.invalid("bias has \(b.count) values for \(shape.outC) channels") }
            bias = b.int64s.map { Int32(truncatingIfNeeded: $0) }
        } else {
            bias = [Int32](repeating: 0, count: shape.outC)
        }
        guard let clamp = quantizedClamp(ctx.node.fusedActivation, scale: yq.scales[0], zeroPoint: yq.zeroPoints[0], type: yq.type),
              !ctx.node.fusedResidual else {
            throw ctx.unsupported("fused \(ctx.node.fusedActivation.name)")
        }
        inputType = x.type
        inputZeroPoint = xq.zeroPoints[0]
        requant = Requantization(multipliers: wq.scales.map { xq.scales[0] * $0 / yq.scales[0] },
                                 zeroPoint: yq.zeroPoints[0], type: yq.type, clamp: clamp)
        var outputType = yq.type
        if ctx.node.domain == QuantizedGraph.domain, ctx.hasInput(9) {
            let t = try ctx.constant(9, "lookup table")
            guard t.count == 256, t.elementType == .uint8 || t.elementType == .int8 else { throw ctx.invalid("lookup table") }
            lookup = t.int64s.map { UInt8(truncatingIfNeeded: $0) }
            outputType = t.elementType
        } else {
            lookup = nil
        }
        outputInfos = [ValueInfo(shape: shape.outputShape, type: outputType)]
        fast = QuantizedConvRunner(shape: shape, weights: w, weightQuant: wq, input: xq, output: yq,
                                   bias: ctx.hasInput(8) ? bias : nil, clamp: clamp, lookup: lookup)
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        if let fast {
            fast.run(UnsafeRawPointer(x[0]), UnsafeMutableRawPointer(y[0]), batch: shape.batch, ctx)
            return
        }
        let inCount = shape.inC * shape.g.inH * shape.g.inW
        let outPlane = shape.g.outH * shape.g.outW, outCount = shape.outC * outPlane
        for n in 0..<shape.batch {
            let xs = QuantData.load(UnsafeRawPointer(x[0]) + n * inCount, inputType, count: inCount)
            var acc = shape.accumulate(xs, zeroPoint: inputZeroPoint)
            for i in acc.indices { acc[i] &+= bias[i / outPlane] }
            requant.apply(acc, channels: shape.outC, inner: outPlane, to: UnsafeMutableRawPointer(y[0]), offset: n * outCount)
        }
        if let lookup {
            let bytes = UnsafeMutableRawPointer(y[0]).assumingMemoryBound(to: UInt8.self)
            for i in 0..<(shape.batch * outCount) { bytes[i] = lookup[Int(bytes[i])] }
        }
    }
}

/// ConvInteger (opset 10): uint8/int8 input and weights with zero points, int32 output.
///
/// Thread safety: see `Kernel`.
final class ConvIntegerKernel: IntegerKernel, FlopCounting {
    let outputInfos: [ValueInfo]
    let shape: IntegerConvShape
    let inputType: ElementType
    let inputZeroPoint: Int32
    var flops: Int { shape.flops }

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        guard x.type == .uint8 || x.type == .int8 else { throw ctx.unsupported("input of type \(x.type.rawValue)") }
        let w = try ctx.constant(1, "ConvInteger weights")
        guard w.elementType == .uint8 || w.elementType == .int8 else { throw ctx.unsupported("weights of type \(w.elementType.rawValue)") }
        inputZeroPoint = ctx.hasInput(2) ? Int32(truncatingIfNeeded: try ctx.constant(2, "x_zero_point").int64s.first ?? 0) : 0
        if ctx.hasInput(2), try ctx.constant(2, "x_zero_point").count != 1 { throw ctx.unsupported("per-channel input zero point") }
        let wzp = ctx.hasInput(3) ? try ctx.constant(3, "w_zero_point").int64s.map { Int32(truncatingIfNeeded: $0) } : [0]
        shape = try IntegerConvShape(&ctx, x: x.shape, w: w, weightZeroPoints: wzp)
        inputType = x.type
        outputInfos = [ValueInfo(shape: shape.outputShape, type: .int32)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let inCount = shape.inC * shape.g.inH * shape.g.inW
        let outCount = shape.outC * shape.g.outH * shape.g.outW
        for n in 0..<shape.batch {
            let xs = QuantData.load(UnsafeRawPointer(x[0]) + n * inCount, inputType, count: inCount)
            QuantData.store(shape.accumulate(xs, zeroPoint: inputZeroPoint), UnsafeMutableRawPointer(y[0]) + 4 * n * outCount, .int32)
        }
    }
}
