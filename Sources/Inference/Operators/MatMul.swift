/// MatMul with numpy semantics (1-D operands promoted, batch dimensions broadcast), via sgemm.
///
/// Thread safety: see `Kernel`.
final class MatMulKernel: Kernel, FlopCounting {
    let outputInfos: [ValueInfo]
    let m: Int, k: Int, n: Int
    /// Per batch entry: element offsets into a and b.
    let batches: [(Int, Int)]

    var flops: Int { 2 * batches.count * m * n * k }

    init(_ ctx: inout NodeContext) throws {
        try ctx.requireFloat(0); try ctx.requireFloat(1)
        let layout = try MatMulLayout(ctx, a: try ctx.shape(0), b: try ctx.shape(1))
        (m, k, n, batches) = (layout.m, layout.k, layout.n, layout.batches)
        outputInfos = [ValueInfo(shape: layout.outputShape, type: .float32)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        for (i, (oa, ob)) in batches.enumerated() {
            BLAS.shared.sgemm(m: m, n: n, k: k, a: x[0] + oa, lda: k, b: x[1] + ob, ldb: n, c: y[0] + i * m * n, ldc: n)
        }
    }
}

/// Gemm: alpha·A'·B' + beta·C with transA/transB and C broadcast to [M, N].
///
/// Thread safety: see `Kernel`.
final class GemmKernel: Kernel, FlopCounting {
    let outputInfos: [ValueInfo]
    let m: Int, k: Int, n: Int
    let transA: Bool, transB: Bool
    let alpha: Float, beta: Float
    let cDims: [(n: Int, s: [Int])]?

    var flops: Int { 2 * m * n * k }

    init(_ ctx: inout NodeContext) throws {
        try ctx.requireFloat(0); try ctx.requireFloat(1)
        let a = try ctx.shape(0), b = try ctx.shape(1)
        guard a.count == 2, b.count == 2 else { throw ctx.invalid("Gemm needs 2-D A and B") }
        transA = try ctx.int("transA", 0) != 0
        transB = try ctx.int("transB", 0) != 0
        alpha = try ctx.float("alpha", 1)
        beta = try ctx.float("beta", 1)
        m = transA ? a[1] : a[0]; k = transA ? a[0] : a[1]
        let kb = transB ? b[1] : b[0]
        n = transB ? b[0] : b[1]
        guard k == kb else { throw ctx.invalid("inner dimensions \(k) and \(kb) differ") }
        if ctx.hasInput(2) {
            try ctx.requireFloat(2)
            let c = try ctx.shape(2)
            guard let bc = broadcastShape([m, n], c), bc == [m, n] else { throw ctx.invalid("C \(c) does not broadcast to [\(m), \(n)]") }
            cDims = coalescedBroadcast([m, n], [c])
        } else { cDims = nil }
        outputInfos = [ValueInfo(shape: [m, n], type: .float32)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        var b: Float = 0
        if let cDims, beta != 0 {
            // Broadcast C into Y, then accumulate.
            let total = m * n
            let c = x[2]
            for o in 0..<total {
                var rem = o, off = 0
                for d in stride(from: cDims.count - 1, through: 0, by: -1) {
                    let i = rem % cDims[d].n
                    rem /= cDims[d].n
                    off += i * cDims[d].s[0]
                }
                y[0][o] = c[off]
            }
            b = beta
        }
        BLAS.shared.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: x[0], lda: transA ? m : k,
                          b: x[1], ldb: transB ? k : n, beta: b, c: y[0], ldc: n)
    }
}

/// The shapes of a numpy-style matrix product (MatMul, MatMulInteger, QLinearMatMul): 1-D operands
/// promoted, batch dimensions broadcast.
///
/// Thread safety: an immutable value.
struct MatMulLayout {
    let m: Int, k: Int, n: Int
    /// Per batch entry: element offsets into a and b.
    let batches: [(Int, Int)]
    let outputShape: [Int]

    init(_ ctx: NodeContext, a aShape: [Int], b bShape: [Int]) throws {
        var a = aShape, b = bShape
        let aVector = a.count == 1, bVector = b.count == 1
        if aVector { a = [1] + a }
        if bVector { b = b + [1] }
        guard a.count >= 2, b.count >= 2, a[a.count - 1] == b[b.count - 2] else {
            throw ctx.invalid("shapes \(a) and \(b) do not multiply")
        }
        m = a[a.count - 2]; k = a[a.count - 1]; n = b[b.count - 1]
        let ab = Array(a.dropLast(2)), bb = Array(b.dropLast(2))
        guard let batch = broadcastShape(ab, bb) else { throw ctx.invalid("batch dimensions do not broadcast") }
        let dims = coalescedBroadcast(batch, [ab, bb])
        var offsets: [(Int, Int)] = []
        let total = batch.reduce(1, *)
        for t in 0..<total {
            var rem = t, oa = 0, ob = 0
            for d in stride(from: dims.count - 1, through: 0, by: -1) {
                let i = rem % dims[d].n
                rem /= dims[d].n
                oa += i * dims[d].s[0]; ob += i * dims[d].s[1]
            }
            offsets.append((oa * m * k, ob * k * n))
        }
        batches = offsets
        var out = batch
        if !aVector { out.append(m) }
        if !bVector { out.append(n) }
        outputShape = out
    }
}
