import CInferenceKernels

/// QuantizeLinear and DequantizeLinear (opset 10–21: per tensor and per axis; `block_size` and the
/// 4-bit, 16-bit and float8 types are load errors), and what the other quantised operators share:
/// reading a scale and zero point, integer element access.
///
/// Run-time integer values live in the arena like float ones (a block of `count` floats): int8 and
/// uint8 elements packed one byte each from the block's start, int32 one per float slot.

/// The value range of a quantised element type.
func quantRange(_ t: ElementType) -> ClosedRange<Int32> {
    switch t {
    case .uint8: return 0...255
    case .int8: return -128...127
    default: return Int32.min...Int32.max
    }
}

/// A quantisation's scale and zero point: one pair, or one per channel of `axis`.
///
/// Thread safety: an immutable value.
struct QuantScale: Sendable, Equatable {
    var scales: [Float]
    var zeroPoints: [Int32]
    /// The quantised element type (the zero point's type, or uint8 by default).
    var type: ElementType
    /// The channel axis (normalised) when per axis.
    var axis: Int

    var perTensor: Bool { scales.count == 1 }

    /// Reads scale (input `scaleInput`) and zero point (input `zeroInput`, optional) as load-time
    /// constants. `dataShape` is the shape of the quantised tensor; a per-axis scale must have
    /// `dataShape[axis]` values.
    static func read(_ ctx: NodeContext, scaleInput: Int, zeroInput: Int, dataShape: [Int], axis rawAxis: Int,
                     defaultType: ElementType) throws -> QuantScale {
        let s = try ctx.constant(scaleInput, "scale")
        guard s.elementType == .float32 else { throw ctx.unsupported("scale of type \(s.elementType.rawValue)") }
        var type = defaultType
        var zps: [Int32] = [0]
        if ctx.hasInput(zeroInput) {
            let z = try ctx.constant(zeroInput, "zero point")
            // One scale of shape [1] with a scalar zero point (or the reverse) is per tensor too: ONNX Runtime's
            // quantize_static writes that pair for per-tensor weights (per_channel=False) and runs it.
            guard z.shape == s.shape || (z.count == 1 && s.count == 1) else {
                throw ctx.invalid("zero point shape \(z.shape) differs from scale \(s.shape)")
            }
            guard [.uint8, .int8, .int32].contains(z.elementType) else {
                throw ctx.unsupported("zero point of type \(z.elementType.rawValue) (uint8, int8 and int32 are supported)")
            }
            type = z.elementType
            zps = z.int64s.map { Int32(clamping: $0) }
        }
        let scales = s.floats
        var axis = 0
        if scales.count != 1 {
            guard s.shape.count == 1 else { throw ctx.unsupported("blocked quantisation (scale of shape \(s.shape))") }
            axis = try normaliseAxis(rawAxis, rank: dataShape.count, ctx)
            guard dataShape.count > axis, dataShape[axis] == scales.count else {
                throw ctx.invalid("\(scales.count) scales for axis \(rawAxis) of shape \(dataShape)")
            }
        }
        if zps.count == 1 && scales.count > 1 { zps = [Int32](repeating: zps[0], count: scales.count) }
        return QuantScale(scales: scales, zeroPoints: zps, type: type, axis: axis)
    }

    /// (outer, channels, inner) of a tensor for this quantisation's axis.
    func layout(_ shape: [Int]) -> (outer: Int, channels: Int, inner: Int) {
        let count = shape.reduce(1, *)
        if perTensor { return (1, 1, count) }
        let outer = shape[..<axis].reduce(1, *)
        return (outer, scales.count, shape[(axis + 1)...].reduce(1, *))
    }

    /// Quantises one value: saturate(round_half_even(x / scale) + zero point).
    @inline(__always)
    static func quantize(_ x: Float, scale: Float, zeroPoint: Int32, range: ClosedRange<Int32>) -> Int32 {
        let v = (x / scale).rounded(.toNearestOrEven) + Float(zeroPoint)
        if v.isNaN { return min(max(zeroPoint, range.lowerBound), range.upperBound) }
        if v <= Float(range.lowerBound) { return range.lowerBound }
        if v >= Float(range.upperBound) { return range.upperBound }
        return Int32(v)
    }
}

/// Integer element access on arena blocks and on load-time tensors.
enum QuantData {
    /// Reads `count` elements of a run-time integer value as Int32.
    static func load(_ p: UnsafeRawPointer, _ type: ElementType, count: Int) -> [Int32] {
        switch type {
        case .uint8: return (0..<count).map { Int32(p.load(fromByteOffset: $0, as: UInt8.self)) }
        case .int8: return (0..<count).map { Int32(p.load(fromByteOffset: $0, as: Int8.self)) }
        default: return (0..<count).map { p.load(fromByteOffset: 4 * $0, as: Int32.self) }
        }
    }

    /// Stores Int32 values (already in range) as `type` elements.
    static func store(_ v: [Int32], _ p: UnsafeMutableRawPointer, _ type: ElementType) {
        switch type {
        case .uint8: for (i, x) in v.enumerated() { p.storeBytes(of: UInt8(truncatingIfNeeded: x), toByteOffset: i, as: UInt8.self) }
        case .int8: for (i, x) in v.enumerated() { p.storeBytes(of: Int8(truncatingIfNeeded: x), toByteOffset: i, as: Int8.self) }
        default: for (i, x) in v.enumerated() { p.storeBytes(of: x, toByteOffset: 4 * i, as: Int32.self) }
        }
    }

    /// Copies a load-time tensor into an arena-style block (for folding through `run`).
    static func block(_ t: Tensor?) -> UnsafeMutablePointer<Float> {
        let n = max(t?.count ?? 1, 16)
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
        p.initialize(repeating: 0, count: n)
        guard let t else { return p }
        if t.elementType == .float32 {
            t.floats.withUnsafeBufferPointer { b in if b.count > 0 { p.update(from: b.baseAddress!, count: b.count) } }
        } else {
            store(t.int64s.map { Int32(truncatingIfNeeded: $0) }, UnsafeMutableRawPointer(p), t.elementType)
        }
        return p
    }

    /// Reads an arena-style block back into a tensor of `info`'s shape and type.
    static func tensor(_ p: UnsafeMutablePointer<Float>, _ info: ValueInfo) -> Tensor {
        if info.type == .float32 { return Tensor(shape: info.shape, floats: Array(UnsafeBufferPointer(start: p, count: info.count))) }
        return Tensor(shape: info.shape, int64s: load(UnsafeRawPointer(p), info.type, count: info.count).map { Int64($0) },
                      elementType: info.type)
    }
}

/// Kernels whose inputs or outputs may be integer tensors: folding copies constants in their own
/// element layout (bytes for int8/uint8, Int32 otherwise) instead of converting them to float.
protocol IntegerKernel: Kernel {}

extension IntegerKernel {
    func fold(_ inputs: [Tensor?]) throws -> [Tensor] {
        let ctx = ExecutionContext(threads: 1, scratchFloats: scratchFloats, chunkScratchFloats: chunkScratchFloats)
        let xs = inputs.map { QuantData.block($0) }
        let ys = outputInfos.map { info -> UnsafeMutablePointer<Float> in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(info.count, 16))
            p.initialize(repeating: 0, count: max(info.count, 16))
            return p
        }
        defer {
            for p in xs { p.deallocate() }
            for p in ys { p.deallocate() }
        }
        run(xs, ys, ctx)
        return zip(outputInfos, ys).map { QuantData.tensor($1, $0) }
    }
}

/// Reads the opset-21 `output_dtype` (QuantizeLinear) and rejects `block_size`.
private func quantizedType(_ ctx: inout NodeContext, attribute: String?) throws -> ElementType? {
    if try ctx.int("block_size", 0) != 0 { throw ctx.unsupported("block_size (blocked quantisation)") }
    guard let attribute else { return nil }
    switch try ctx.int(attribute, 0) {
    case 0: return nil
    case 2: return .uint8
    case 3: return .int8
    case let t: throw ctx.unsupported("\(attribute) \(t) (uint8 and int8 are supported)")
    }
}

/// QuantizeLinear: float32 → uint8/int8.
///
/// Thread safety: see `Kernel`.
final class QuantizeLinearKernel: IntegerKernel {
    let outputInfos: [ValueInfo]
    let q: QuantScale
    let outer: Int, channels: Int, inner: Int

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        try ctx.requireFloat(0)
        let dtype = try quantizedType(&ctx, attribute: "output_dtype")
        if try ctx.int("saturate", 1) != 1 { throw ctx.unsupported("saturate 0 (float8 only)") }
        let axis = try ctx.int("axis", 1)
        q = try QuantScale.read(ctx, scaleInput: 1, zeroInput: 2, dataShape: x.shape, axis: axis,
                                defaultType: dtype ?? .uint8)
        if let dtype, ctx.hasInput(2), dtype != q.type { throw ctx.invalid("output_dtype differs from the zero point's type") }
        guard q.type == .uint8 || q.type == .int8 else { throw ctx.unsupported("output type \(q.type.rawValue)") }
        (outer, channels, inner) = q.layout(x.shape)
        outputInfos = [ValueInfo(shape: x.shape, type: q.type)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let raw = UnsafeMutableRawPointer(y[0])
        if q.type == .uint8 {
            quantize(x[0], raw.assumingMemoryBound(to: UInt8.self), ctx)
        } else {
            quantize(x[0], raw.assumingMemoryBound(to: Int8.self), ctx)
        }
    }

    private func quantize<T: FixedWidthInteger>(_ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<T>,
                                                _ ctx: ExecutionContext) {
        let q = self.q, channels = self.channels
        let signed: Int32 = T.isSigned ? 1 : 0
        // Row pieces through the C loop (vectorised; the Swift loop called libm's rounding per element and was a third
        // of a quantised YOLOv8n's run).
        forEachRowPiece(ctx, outer: outer, channels: channels, inner: inner) { at, n, c in
            vk_quantize_f32(src + at, UnsafeMutableRawPointer(dst + at), n, q.scales[c], q.zeroPoints[c], signed)
        }
    }
}

/// DequantizeLinear: uint8/int8/int32 → float32.
///
/// Thread safety: see `Kernel`.
final class DequantizeLinearKernel: IntegerKernel {
    let outputInfos: [ValueInfo]
    let q: QuantScale
    let inputType: ElementType
    let outer: Int, channels: Int, inner: Int

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        _ = try quantizedType(&ctx, attribute: nil)
        if try ctx.int("output_dtype", 0) > 1 { throw ctx.unsupported("output_dtype other than float32") }
        let axis = try ctx.int("axis", 1)
        guard [.uint8, .int8, .int32].contains(x.type) else { throw ctx.unsupported("input of type \(x.type.rawValue)") }
        q = try QuantScale.read(ctx, scaleInput: 1, zeroInput: 2, dataShape: x.shape, axis: axis, defaultType: x.type)
        guard q.type == x.type else { throw ctx.invalid("zero point type \(q.type.rawValue) differs from input \(x.type.rawValue)") }
        inputType = x.type
        (outer, channels, inner) = q.layout(x.shape)
        outputInfos = [ValueInfo(shape: x.shape, type: .float32)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let raw = UnsafeRawPointer(x[0])
        switch inputType {
        case .uint8: dequantize(raw.assumingMemoryBound(to: UInt8.self), y[0], ctx)
        case .int8: dequantize(raw.assumingMemoryBound(to: Int8.self), y[0], ctx)
        default: dequantize(raw.assumingMemoryBound(to: Int32.self), y[0], ctx)
        }
    }

    private func dequantize<T: FixedWidthInteger>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<Float>,
                                                  _ ctx: ExecutionContext) {
        let q = self.q, channels = self.channels
        forEachRowPiece(ctx, outer: outer, channels: channels, inner: inner) { at, n, c in
            let s = q.scales[c], z = q.zeroPoints[c]
            let xs = src + at, ys = dst + at
            for i in 0..<n { ys[i] = Float(Int32(xs[i]) &- z) * s }
        }
    }
}

/// Splits outer × channels rows of `inner` elements (one quantisation parameter per row's channel) into element ranges
/// over the session's workers, by elements rather than rows: a per-tensor QuantizeLinear or DequantizeLinear is one
/// row, which ran on one worker. `body(offset, count, channel)` gets each piece of a row; the pieces do not depend
/// on how the ranges fall (the operators are element-wise), so every thread count gives the same values.
func forEachRowPiece(_ ctx: ExecutionContext, outer: Int, channels: Int, inner: Int, _ body: (Int, Int, Int) -> Void) {
    let total = outer * channels * inner
    guard total > 0, inner > 0 else { return }
    // Several chunks per worker, so that a helper that wakes late costs a fraction of the region.
    ctx.parallel(total, minimumPerChunk: 32_768, chunks: 4 * ctx.threads) { range in
        var at = range.lowerBound
        while at < range.upperBound {
            let row = at / inner
            let end = min(range.upperBound, (row + 1) * inner)
            body(at, end - at, row % channels)
            at = end
        }
    }
}
