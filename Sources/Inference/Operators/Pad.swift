/// Pad: constant, reflect and edge modes; pads as an attribute (opset < 11) or a constant input,
/// optional constant value and axes. Negative pads crop.
///
/// Thread safety: see `Kernel`.
final class PadKernel: Kernel {
    enum Mode { case constant, reflect, edge }
    let outputInfos: [ValueInfo]
    let mode: Mode
    let value: Float
    let inShape: [Int]
    let begin: [Int]
    let outShape: [Int]
    let inStrides: [Int]

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        try ctx.requireFloat(0)
        let r = x.shape.count
        switch try ctx.string("mode", "constant") {
        case "constant": mode = .constant
        case "reflect": mode = .reflect
        case "edge": mode = .edge
        case let m: throw ctx.unsupported("mode \(m)")
        }
        var pads: [Int]
        var v: Float = try ctx.float("value", 0)
        if ctx.hasInput(1) {
            pads = try ctx.constant(1, "Pad pads").int64s.map { Int($0) }
            if ctx.hasInput(2) { v = try ctx.constant(2, "Pad value").floats.first ?? 0 }
            if ctx.hasInput(3) {
                let axes = try ctx.constant(3, "Pad axes").int64s.map { try normaliseAxis(Int($0), rank: r, ctx) }
                var full = [Int](repeating: 0, count: 2 * r)
                for (i, a) in axes.enumerated() { full[a] = pads[i]; full[r + a] = pads[axes.count + i] }
                pads = full
            }
        } else {
            guard let p = try ctx.ints("pads") else { throw ctx.invalid("no pads") }
            pads = p
        }
        guard pads.count == 2 * r else { throw ctx.invalid("pads has \(pads.count) values for rank \(r)") }
        value = v
        inShape = x.shape
        begin = Array(pads[..<r])
        outShape = (0..<r).map { x.shape[$0] + pads[$0] + pads[r + $0] }
        inStrides = strides(of: x.shape)
        guard outShape.allSatisfy({ $0 >= 0 }) else { throw ctx.invalid("negative output size") }
        if mode == .reflect {
            for d in 0..<r where (pads[d] > 0 || pads[r + d] > 0) && (pads[d] >= x.shape[d] || pads[r + d] >= x.shape[d]) {
                throw ctx.unsupported("reflect padding wider than the input")
            }
        }
        outputInfos = [ValueInfo(shape: outShape, type: .float32)]
        // Constant padding of one axis only, before the last (BlazeFace pads channels for its
        // residual Adds): per outer index, a fill, one contiguous copy, a fill.
        let padded = (0..<r).filter { pads[$0] != 0 || pads[r + $0] != 0 }
        if mode == .constant, padded.count == 1, let a = padded.first, a < r - 1, pads[a] >= 0, pads[r + a] >= 0 {
            let inner = x.shape[(a + 1)...].reduce(1, *)
            singleAxis = (outer: x.shape[..<a].reduce(1, *), lead: pads[a] * inner, body: x.shape[a] * inner,
                          trail: pads[r + a] * inner)
        } else {
            singleAxis = nil
        }
    }

    /// Set when only one axis (not the last) is padded, with a constant: floats per outer index.
    let singleAxis: (outer: Int, lead: Int, body: Int, trail: Int)?

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        if let s = singleAxis {
            var src = x[0], dst = y[0]
            for _ in 0..<s.outer {
                if s.lead > 0 { dst.update(repeating: value, count: s.lead) }
                (dst + s.lead).update(from: src, count: s.body)
                if s.trail > 0 { (dst + s.lead + s.body).update(repeating: value, count: s.trail) }
                src += s.body
                dst += s.lead + s.body + s.trail
            }
            return
        }
        let r = inShape.count
        let n = outShape[r - 1]
        let total = outShape.reduce(1, *)
        guard total > 0 else { return }
        let xs = inStrides
        let rows = total / max(n, 1)
        let mode = self.mode, value = self.value, begin = self.begin, inShape = self.inShape, outShape = self.outShape
        @inline(__always) func source(_ o: Int, _ d: Int) -> Int? {
            let i = o - begin[d], size = inShape[d]
            if i >= 0 && i < size { return i }
            switch mode {
            case .constant: return nil
            case .edge: return i < 0 ? 0 : size - 1
            case .reflect:
                if size == 1 { return 0 }
                var j = i
                let period = 2 * (size - 1)
                j = ((j % period) + period) % period
                return j < size ? j : period - j
            }
        }
        let src = x[0], dst = y[0]
        ctx.parallel(rows, minimumPerChunk: max(64, 65_536 / max(n, 1))) { range in
            for row in range {
                // Decode the outer output index and its source row.
                var rem = row, off = 0, inside = true
                for d in stride(from: r - 2, through: 0, by: -1) {
                    let o = rem % outShape[d]
                    rem /= outShape[d]
                    if let s = source(o, d) { off += s * xs[d] } else { inside = false }
                }
                let out = dst + row * n
                if !inside {
                    out.update(repeating: value, count: n)
                    continue
                }
                let base = src + off
                if mode == .constant {
                    // Leading fill, one contiguous copy, trailing fill.
                    let b = begin[r - 1], size = inShape[r - 1]
                    let lead = Swift.min(Swift.max(b, 0), n)
                    let first = Swift.max(0, -b)
                    let count = Swift.max(0, Swift.min(size - first, n - lead))
                    if lead > 0 { out.update(repeating: value, count: lead) }
                    if count > 0 { (out + lead).update(from: base + first, count: count) }
                    if lead + count < n { (out + lead + count).update(repeating: value, count: n - lead - count) }
                    continue
                }
                for o in 0..<n {
                    if let s = source(o, r - 1) { out[o] = base[s] } else { out[o] = value }
                }
            }
        }
    }
}
