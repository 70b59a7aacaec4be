import Foundation

/// Softmax, LogSoftmax: one axis from opset 13; before that the input is coerced to 2-D at `axis`
/// (default 1), as the older specification says.
///
/// Thread safety: see `Kernel`.
final class SoftmaxKernel: Kernel {
    let outputInfos: [ValueInfo]
    let outer: Int, axisSize: Int, inner: Int
    let log: Bool
    /// Softmax over a non-innermost axis runs along contiguous rows of `inner` values: a running
    /// maximum and sum per column in scratch.
    var scratchFloats: Int { inner > 1 ? 2 * inner : 0 }

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        try ctx.requireFloat(0)
        let r = x.shape.count
        log = ctx.node.opType == "LogSoftmax"
        if ctx.opset >= 13 {
            let a = try normaliseAxis(try ctx.int("axis", -1), rank: r, ctx)
            outer = x.shape[..<a].reduce(1, *); axisSize = x.shape[a]; inner = x.shape[(a + 1)...].reduce(1, *)
        } else {
            let a = try normaliseAxis(try ctx.int("axis", 1), rank: r, ctx)
            outer = x.shape[..<a].reduce(1, *); axisSize = x.shape[a...].reduce(1, *); inner = 1
        }
        outputInfos = [ValueInfo(shape: x.shape, type: .float32)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let outer = self.outer, n = axisSize, inner = self.inner, log = self.log
        let src = x[0], dst = y[0]
        if inner > 1 {
            // Columns are independent: split them over the workers (YOLO's DFL Softmax is one row of 4 × anchors
            // columns); each range keeps its running maximum and sum in its own part of the scratch.
            let m = ctx.scratch, sum = ctx.scratch + inner
            ctx.parallel(inner, minimumPerChunk: 2_048, chunks: 4 * ctx.threads) { cols in
                for o in 0..<outer {
                    SoftmaxKernel.columns(src + o * n * inner, dst + o * n * inner, n, inner, cols, m, sum, log)
                }
            }
            return
        }
        ctx.parallel(outer * inner, minimumPerChunk: 64) { range in
            for t in range {
                let o = t / inner, i = t % inner
                let s = src + o * n * inner + i, d = dst + o * n * inner + i
                var m = -Float.infinity
                for k in 0..<n { m = max(m, s[k * inner]) }
                var sum: Float = 0
                for k in 0..<n {
                    let e = Foundation.exp(s[k * inner] - m)
                    d[k * inner] = e
                    sum += e
                }
                if log {
                    let l = Foundation.log(sum)
                    for k in 0..<n { d[k * inner] = s[k * inner] - m - l }
                } else {
                    let inv = 1 / sum
                    for k in 0..<n { d[k * inner] *= inv }
                }
            }
        }
    }

    /// Softmax along the axis for columns `cols` of one outer block (rows of `inner` values at s, n rows), with the
    /// running maximum and sum in m[cols] and sum[cols].
    static func columns(_ s: UnsafeMutablePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int, _ inner: Int,
                        _ cols: Range<Int>, _ m: UnsafeMutablePointer<Float>, _ sum: UnsafeMutablePointer<Float>, _ log: Bool) {
        let lo = cols.lowerBound, w = cols.count
        (m + lo).update(from: s + lo, count: w)
        for k in 1..<max(n, 1) {
            let row = s + k * inner
            for i in cols { let v = row[i]; m[i] = v > m[i] ? v : m[i] }
        }
        (sum + lo).update(repeating: 0, count: w)
        for k in 0..<n {
            let row = s + k * inner, out = d + k * inner
            for i in cols {
                let e = Activation.exp(row[i] - m[i])
                out[i] = e
                sum[i] += e
            }
        }
        for k in 0..<n {
            let row = s + k * inner, out = d + k * inner
            if log {
                for i in cols { out[i] = row[i] - m[i] - Foundation.log(sum[i]) }
            } else {
                for i in cols { out[i] /= sum[i] }
            }
        }
    }
}
