import Foundation

/// Softmax, LogSoftmax: one axis from opset 13; before that the input is coerced to 2-D at `axis`
/// (default 1), as the older specification says.
///
/// Thread safety: see `Kernel`.
final class SoftmaxKernel: Kernel {
    let outputInfos: [ValueInfo]
    let outer: Int, axisSize: Int, inner: Int
    let log: Bool

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
}
