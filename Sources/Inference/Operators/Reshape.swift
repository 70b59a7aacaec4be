/// Reshape (0 copies a dimension, −1 is inferred), Flatten, Squeeze, Unsqueeze (attribute and input
/// forms) and Identity: the data is copied unchanged under a new shape.
///
/// Thread safety: see `Kernel`.
final class ReshapeKernel: MovementKernel {
    let outputInfos: [ValueInfo]
    let count: Int

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        let shape = x.shape
        var out: [Int]
        switch ctx.node.opType {
        case "Reshape":
            let spec = try ctx.constant(1, "Reshape shape").int64s.map { Int($0) }
            let allowZero = try ctx.int("allowzero", 0) != 0
            out = []
            var infer = -1
            for (i, s) in spec.enumerated() {
                if s == 0 && !allowZero {
                    guard i < shape.count else { throw ctx.invalid("0 in shape beyond input rank") }
                    out.append(shape[i])
                } else if s == -1 {
                    guard infer < 0 else { throw ctx.invalid("two −1 in shape") }
                    infer = i; out.append(1)
                } else { out.append(s) }
            }
            if infer >= 0 {
                let known = out.reduce(1, *)
                guard known > 0, x.count % known == 0 else { throw ctx.invalid("cannot infer −1 for \(shape) → \(spec)") }
                out[infer] = x.count / known
            }
        case "Flatten":
            let axis = try ctx.int("axis", 1)
            let a = axis < 0 ? axis + shape.count : axis
            guard a >= 0, a <= shape.count else { throw ctx.invalid("axis \(axis)") }
            out = [shape[..<a].reduce(1, *), shape[a...].reduce(1, *)]
        case "Squeeze":
            var axes = try ctx.ints("axes")
            if ctx.hasInput(1) { axes = try ctx.constant(1, "Squeeze axes").int64s.map { Int($0) } }
            let norm = Set(try (axes ?? shape.indices.filter { shape[$0] == 1 }).map { try normaliseAxis($0, rank: shape.count, ctx) })
            for a in norm where shape[a] != 1 { throw ctx.invalid("cannot squeeze axis \(a) of size \(shape[a])") }
            out = shape.indices.filter { !norm.contains($0) }.map { shape[$0] }
        case "Unsqueeze":
            var axes = try ctx.ints("axes")
            if ctx.hasInput(1) { axes = try ctx.constant(1, "Unsqueeze axes").int64s.map { Int($0) } }
            guard let axes else { throw ctx.invalid("no axes") }
            let r = shape.count + axes.count
            let norm = Set(try axes.map { try normaliseAxis($0, rank: r, ctx) })
            out = []
            var it = shape.makeIterator()
            for i in 0..<r { out.append(norm.contains(i) ? 1 : it.next()!) }
        case "Identity", "Dropout":
            if ctx.node.opType == "Dropout" {
                ctx.ignore("seed")
                _ = try ctx.float("ratio", 0.5)
                if ctx.node.outputs.count > 1 && !ctx.node.outputs[1].isEmpty { throw ctx.unsupported("the mask output") }
                if ctx.hasInput(2), try ctx.constant(2, "training_mode").int64s.first != 0 { throw ctx.unsupported("training_mode true") }
            }
            out = shape
        default: throw ctx.unsupported("operator \(ctx.node.opType)")
        }
        guard out.reduce(1, *) == x.count else { throw ctx.invalid("cannot reshape \(shape) to \(out)") }
        count = x.count
        outputInfos = [ValueInfo(shape: out, type: x.type)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) { move(x, y) }

    func move<T>(_ x: [UnsafeMutablePointer<T>], _ y: [UnsafeMutablePointer<T>]) {
        if x[0] != y[0] { y[0].update(from: x[0], count: count) }
    }
}

/// Shape and Size: always folded at load time (shapes are static).
///
/// Thread safety: see `Kernel`.
final class ShapeKernel: Kernel {
    let outputInfos: [ValueInfo]
    let value: Tensor

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.shape(0)
        if ctx.node.opType == "Size" {
            value = Tensor(shape: [], int64s: [Int64(x.reduce(1, *))])
        } else {
            let r = x.count
            var start = try ctx.int("start", 0), end = try ctx.int("end", r)
            if start < 0 { start += r }
            if end < 0 { end += r }
            start = min(max(start, 0), r); end = min(max(end, start), r)
            let dims = x[start..<end].map { Int64($0) }
            value = Tensor(shape: [dims.count], int64s: Array(dims))
        }
        outputInfos = [ValueInfo(shape: value.shape, type: .int64, constant: value)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let f = value.floats
        for i in f.indices { y[0][i] = f[i] }
    }

    func fold(_ inputs: [Tensor?]) throws -> [Tensor] { [value] }
}

/// Cast: float32 ⇄ integer types on constants; float32 → float32 (or float16/double, computed in
/// float32) at run time.
///
/// Thread safety: see `Kernel`.
final class CastKernel: Kernel {
    let outputInfos: [ValueInfo]
    let count: Int

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        let to = try ctx.int("to", 1)
        ctx.ignore("saturate")
        guard let et = ElementType(onnx: to) else { throw ctx.unsupported("cast to data type \(to)") }
        if x.constant == nil && (et != .float32 || x.type != .float32) {
            throw ctx.unsupported("run-time cast from \(x.type.rawValue) to \(et.rawValue)")
        }
        count = x.count
        outputInfos = [ValueInfo(shape: x.shape, type: et)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        if x[0] != y[0] { y[0].update(from: x[0], count: count) }
    }

    func fold(_ inputs: [Tensor?]) throws -> [Tensor] {
        guard let t = inputs[0] else { return [] }
        let et = outputInfos[0].type
        if et == .float32 { return [Tensor(shape: t.shape, floats: t.floats)] }
        var v = t.int64s
        if et == .bool { v = v.indices.map { i in
            if case .float(let f) = t.storage { return f[i] != 0 ? 1 : 0 }
            return v[i] != 0 ? 1 : 0
        } }
        return [Tensor(shape: t.shape, int64s: v, elementType: et)]
    }
}
