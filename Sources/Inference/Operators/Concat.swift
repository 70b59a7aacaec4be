/// Concat along an axis; also folds integer constants (shape arithmetic).
///
/// Thread safety: see `Kernel`.
final class ConcatKernel: MovementKernel {
    let outputInfos: [ValueInfo]
    let outer: Int
    /// Contiguous elements per outer index, per input.
    let blocks: [Int]
    let dataInputs: [Int]

    init(_ ctx: inout NodeContext) throws {
        let infos = try (0..<ctx.inputCount).map { try ctx.input($0) }
        guard let first = infos.first else { throw ctx.invalid("no inputs") }
        let axis = try normaliseAxis(try ctx.int("axis", 0), rank: first.shape.count, ctx)
        var out = first.shape
        out[axis] = 0
        for v in infos {
            guard v.shape.count == first.shape.count,
                  v.shape.indices.allSatisfy({ $0 == axis || v.shape[$0] == first.shape[$0] }) else {
                throw ctx.invalid("shapes \(infos.map(\.shape)) do not concatenate on axis \(axis)")
            }
            out[axis] += v.shape[axis]
        }
        let anyRuntime = infos.contains { $0.constant == nil }
        if anyRuntime { for i in infos.indices { try ctx.requireFloat(i) } }
        outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        blocks = infos.map { $0.shape[axis] * inner }
        dataInputs = Array(infos.indices)
        let type = infos.allSatisfy { $0.type == first.type } ? first.type : .float32
        outputInfos = [ValueInfo(shape: out, type: type)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) { move(x, y) }

    func move<T>(_ x: [UnsafeMutablePointer<T>], _ y: [UnsafeMutablePointer<T>]) {
        var dst = y[0]
        for o in 0..<outer {
            for (i, b) in blocks.enumerated() where b > 0 {
                // An input already in its place (a view, MemoryPlan) is not copied onto itself.
                if x[i] + o * b != dst { dst.update(from: x[i] + o * b, count: b) }
                dst += b
            }
        }
    }
}

/// Split along an axis into equal parts, or by a `split` attribute/input.
///
/// Thread safety: see `Kernel`.
final class SplitKernel: MovementKernel {
    let outputInfos: [ValueInfo]
    let outer: Int, inBlock: Int
    let blocks: [Int]

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        let axis = try normaliseAxis(try ctx.int("axis", 0), rank: x.shape.count, ctx)
        var split = try ctx.ints("split")
        if ctx.hasInput(1) { split = try ctx.constant(1, "Split sizes").int64s.map { Int($0) } }
        let n = ctx.node.outputs.count
        let numOutputs = try ctx.int("num_outputs", n)
        let dim = x.shape[axis]
        if split == nil {
            let parts = numOutputs
            let size = (dim + parts - 1) / parts
            split = (0..<parts).map { min(size, dim - $0 * size) }
        }
        guard let split, split.count == n, split.reduce(0, +) == dim, split.allSatisfy({ $0 >= 0 }) else {
            throw ctx.invalid("split does not divide \(dim) into \(n) outputs")
        }
        if x.constant == nil { try ctx.requireFloat(0) }
        outer = x.shape[..<axis].reduce(1, *)
        let inner = x.shape[(axis + 1)...].reduce(1, *)
        inBlock = dim * inner
        blocks = split.map { $0 * inner }
        outputInfos = split.map { s in
            var sh = x.shape
            sh[axis] = s
            return ValueInfo(shape: sh, type: x.type)
        }
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) { move(x, y) }

    func move<T>(_ x: [UnsafeMutablePointer<T>], _ y: [UnsafeMutablePointer<T>]) {
        for o in 0..<outer {
            var src = x[0] + o * inBlock
            for (i, b) in blocks.enumerated() {
                if b > 0 && y[i] + o * b != src { (y[i] + o * b).update(from: src, count: b) }
                src += b
            }
        }
    }
}
