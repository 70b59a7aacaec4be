/// MatMulInteger and QLinearMatMul (opset 10), integer reference implementations in Swift: numpy
/// semantics (1-D operands promoted, batch dimensions broadcast), A's zero point per tensor or per row,
/// B's per tensor or per column.

/// The integer matrix product both operators share.
///
/// Thread safety: an immutable value.
struct IntegerMatMul: Sendable {
    let layout: MatMulLayout
    let aType: ElementType, bType: ElementType
    /// 1 or m values; 1 or n values.
    let aZeroPoints: [Int32], bZeroPoints: [Int32]
    var flops: Int { 2 * layout.batches.count * layout.m * layout.n * layout.k }
    var outputCount: Int { layout.outputShape.reduce(1, *) }

    init(_ ctx: NodeContext, a: Int, b: Int, aZero: Int, bZero: Int) throws {
        let ai = try ctx.input(a), bi = try ctx.input(b)
        for v in [ai, bi] where v.type != .uint8 && v.type != .int8 {
            throw ctx.unsupported("operand of type \(v.type.rawValue)")
        }
        layout = try MatMulLayout(ctx, a: ai.shape, b: bi.shape)
        aType = ai.type; bType = bi.type
        func zeroPoints(_ i: Int, _ allowed: Int, _ what: String) throws -> [Int32] {
            guard ctx.hasInput(i) else { return [0] }
            let z = try ctx.constant(i, what).int64s.map { Int32(truncatingIfNeeded: $0) }
            guard z.count == 1 || z.count == allowed else { throw ctx.unsupported("\(what) with \(z.count) values") }
            return z
        }
        aZeroPoints = try zeroPoints(aZero, layout.m, "a_zero_point")
        bZeroPoints = try zeroPoints(bZero, layout.n, "b_zero_point")
    }

    /// All batch entries' int32 sums, in output order.
    func accumulate(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer) -> [Int32] {
        let (m, k, n) = (layout.m, layout.k, layout.n)
        var out = [Int32](repeating: 0, count: layout.batches.count * m * n)
        for (t, (oa, ob)) in layout.batches.enumerated() {
            let av = QuantData.load(a + oa, aType, count: m * k)
            let bv = QuantData.load(b + ob, bType, count: k * n)
            for i in 0..<m {
                let za = aZeroPoints[aZeroPoints.count == 1 ? 0 : i]
                for j in 0..<n {
                    let zb = bZeroPoints[bZeroPoints.count == 1 ? 0 : j]
                    var sum: Int32 = 0
                    for p in 0..<k { sum &+= (av[i * k + p] &- za) &* (bv[p * n + j] &- zb) }
                    out[(t * m + i) * n + j] = sum
                }
            }
        }
        return out
    }
}

/// MatMulInteger: uint8/int8 operands with zero points, int32 output.
///
/// Thread safety: see `Kernel`.
final class MatMulIntegerKernel: IntegerKernel, FlopCounting {
    let outputInfos: [ValueInfo]
    let product: IntegerMatMul
    var flops: Int { product.flops }

    init(_ ctx: inout NodeContext) throws {
        product = try IntegerMatMul(ctx, a: 0, b: 1, aZero: 2, bZero: 3)
        outputInfos = [ValueInfo(shape: product.layout.outputShape, type: .int32)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        QuantData.store(product.accumulate(UnsafeRawPointer(x[0]), UnsafeRawPointer(x[1])), UnsafeMutableRawPointer(y[0]), .int32)
    }
}

/// QLinearMatMul: uint8/int8 operands, requantised uint8/int8 output.
///
/// Thread safety: see `Kernel`.
final class QLinearMatMulKernel: IntegerKernel, FlopCounting {
    let outputInfos: [ValueInfo]
    let product: IntegerMatMul
    let requant: Requantization
    var flops: Int { product.flops }

    init(_ ctx: inout NodeContext) throws {
        product = try IntegerMatMul(ctx, a: 0, b: 3, aZero: 2, bZero: 5)
        let a = try ctx.input(0), b = try ctx.input(3)
        let aq = try QuantScale.read(ctx, scaleInput: 1, zeroInput: 2, dataShape: a.shape, axis: 0, defaultType: a.type)
        // B's scale is per tensor or per column (its last axis).
        let bq = try QuantScale.read(ctx, scaleInput: 4, zeroInput: 5, dataShape: b.shape, axis: -1, defaultType: b.type)
        let yq = try QuantScale.read(ctx, scaleInput: 6, zeroInput: 7, dataShape: [], axis: 0, defaultType: .uint8)
        guard aq.perTensor, yq.perTensor, yq.type == .uint8 || yq.type == .int8 else {
            throw ctx.unsupported("per-row a_scale or per-axis y_scale")
        }
        requant = Requantization(multipliers: bq.scales.map { aq.scales[0] * $0 / yq.scales[0] }, zeroPoint: yq.zeroPoints[0],
                                 type: yq.type, clamp: quantRange(yq.type))
        outputInfos = [ValueInfo(shape: product.layout.outputShape, type: yq.type)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let acc = product.accumulate(UnsafeRawPointer(x[0]), UnsafeRawPointer(x[3]))
        // Per-column multipliers: the channel of element i is i % n.
        requant.apply(acc, channels: product.layout.n, inner: 1, to: UnsafeMutableRawPointer(y[0]), offset: 0)
    }
}
