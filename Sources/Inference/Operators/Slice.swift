/// Slice (starts/ends/axes/steps as inputs, or attributes before opset 10; negative indices and
/// steps; clamping as in the ONNX reference).
///
/// Thread safety: see `Kernel`.
final class SliceKernel: MovementKernel {
    let outputInfos: [ValueInfo]
    let view: StridedCopy

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        let r = x.shape.count
        var starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
        if ctx.opset < 10 && !ctx.hasInput(1) {
            guard let s = try ctx.ints("starts"), let e = try ctx.ints("ends") else { throw ctx.invalid("starts/ends") }
            starts = s; ends = e; axes = try ctx.ints("axes")
        } else {
            starts = try ctx.constant(1, "Slice starts").int64s.map { Int(clamping: $0) }
            ends = try ctx.constant(2, "Slice ends").int64s.map { Int(clamping: $0) }
            if ctx.hasInput(3) { axes = try ctx.constant(3, "Slice axes").int64s.map { Int($0) } }
            if ctx.hasInput(4) { steps = try ctx.constant(4, "Slice steps").int64s.map { Int(clamping: $0) } }
        }
        let ax = try (axes ?? Array(0..<starts.count)).map { try normaliseAxis($0, rank: r, ctx) }
        let st = steps ?? [Int](repeating: 1, count: starts.count)
        guard ax.count == starts.count, ends.count == starts.count, st.count == starts.count else {
            throw ctx.invalid("starts/ends/axes/steps lengths differ")
        }
        if x.constant == nil { try ctx.requireFloat(0) }
        var begin = [Int](repeating: 0, count: r)
        var size = x.shape
        var step = [Int](repeating: 1, count: r)
        for (i, a) in ax.enumerated() {
            let dim = x.shape[a]
            let s = st[i]
            guard s != 0 else { throw ctx.invalid("step 0") }
            var b = starts[i], e = ends[i]
            if b < 0 { b += dim }
            if e < 0 { e += dim }
            if s > 0 {
                b = min(max(b, 0), dim); e = min(max(e, 0), dim)
                size[a] = max(0, (e - b + s - 1) / s)
            } else {
                b = min(max(b, -1), dim - 1); e = min(max(e, -1), dim - 1)
                size[a] = max(0, (b - e + (-s) - 1) / (-s))
            }
            begin[a] = b
            step[a] = s
        }
        let xs = strides(of: x.shape)
        var offset = 0
        for d in 0..<r where size[d] > 0 { offset += begin[d] * xs[d] }
        view = StridedCopy(dims: size, srcStrides: (0..<r).map { xs[$0] * step[$0] }, srcOffset: offset)
        outputInfos = [ValueInfo(shape: size, type: x.type)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) { move(x, y) }

    func move<T>(_ x: [UnsafeMutablePointer<T>], _ y: [UnsafeMutablePointer<T>]) {
        if outputInfos[0].count > 0 { view.copy(x[0], y[0]) }
    }
}

/// Gather along an axis with constant indices (negative indices allowed).
///
/// Thread safety: see `Kernel`.
final class GatherKernel: MovementKernel {
    let outputInfos: [ValueInfo]
    let outer: Int, inner: Int, axisSize: Int
    let indices: [Int]

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        let idx = try ctx.constant(1, "Gather indices")
        let axis = try normaliseAxis(try ctx.int("axis", 0), rank: x.shape.count, ctx)
        if x.constant == nil { try ctx.requireFloat(0) }
        axisSize = x.shape[axis]
        indices = try idx.int64s.map { v in
            let i = Int(v) < 0 ? Int(v) + x.shape[axis] : Int(v)
            guard i >= 0, i < x.shape[axis] else { throw ctx.invalid("index \(v) out of range") }
            return i
        }
        outer = x.shape[..<axis].reduce(1, *)
        inner = x.shape[(axis + 1)...].reduce(1, *)
        let out = Array(x.shape[..<axis]) + idx.shape + Array(x.shape[(axis + 1)...])
        outputInfos = [ValueInfo(shape: out, type: x.type)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) { move(x, y) }

    func move<T>(_ x: [UnsafeMutablePointer<T>], _ y: [UnsafeMutablePointer<T>]) {
        var dst = y[0]
        for o in 0..<outer {
            for i in indices {
                dst.update(from: x[0] + (o * axisSize + i) * inner, count: inner)
                dst += inner
            }
        }
    }
}
