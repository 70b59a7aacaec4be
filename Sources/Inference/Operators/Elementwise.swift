import Foundation

/// Relu, LeakyRelu, Sigmoid, HardSigmoid, HardSwish and Clip (min/max as attributes or constant inputs).
///
/// Thread safety: see `Kernel`.
final class ActivationKernel: Kernel {
    let outputInfos: [ValueInfo]
    let activation: Activation
    let count: Int

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        try ctx.requireFloat(0)
        switch ctx.node.opType {
        case "Relu": activation = .relu
        case "Sigmoid": activation = .sigmoid
        case "HardSwish": activation = .hardSwish
        case "LeakyRelu": activation = .leakyRelu(try ctx.float("alpha", 0.01))
        case "HardSigmoid": activation = .hardSigmoid(alpha: try ctx.float("alpha", 0.2), beta: try ctx.float("beta", 0.5))
        case "Clip":
            var lo = try ctx.float("min", -.infinity), hi = try ctx.float("max", .infinity)
            if ctx.hasInput(1) { lo = try ctx.constant(1, "Clip min").floats.first ?? lo }
            if ctx.hasInput(2) { hi = try ctx.constant(2, "Clip max").floats.first ?? hi }
            activation = .clip(lo, hi)
        default: throw ctx.unsupported("operator \(ctx.node.opType)")
        }
        count = x.count
        outputInfos = [ValueInfo(shape: x.shape, type: .float32)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let act = activation
        let src = x[0], dst = y[0]
        let chunk = 8192
        ctx.parallel((count + chunk - 1) / chunk, minimumPerChunk: 8) { range in
            for c in range {
                let lo = c * chunk, n = Swift.min(chunk, count - lo)
                act.apply(from: src + lo, to: dst + lo, n)
            }
        }
    }
}

/// Pointwise math without parameters: Tanh, Exp, Log, Sqrt, Neg, Abs, Reciprocal, Floor, Ceil, Softplus, Elu.
///
/// Thread safety: see `Kernel`.
final class UnaryKernel: Kernel {
    enum Op { case tanh, exp, log, sqrt, neg, abs, reciprocal, floor, ceil, softplus, elu(Float) }
    let outputInfos: [ValueInfo]
    let op: Op
    let count: Int

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        switch ctx.node.opType {
        case "Tanh": op = .tanh
        case "Exp": op = .exp
        case "Log": op = .log
        case "Sqrt": op = .sqrt
        case "Neg": op = .neg
        case "Abs": op = .abs
        case "Reciprocal": op = .reciprocal
        case "Floor": op = .floor
        case "Ceil": op = .ceil
        case "Softplus": op = .softplus
        case "Elu": op = .elu(try ctx.float("alpha", 1))
        default: throw ctx.unsupported("operator \(ctx.node.opType)")
        }
        if x.type != .float32 && x.constant == nil { try ctx.requireFloat(0) }
        count = x.count
        outputInfos = [ValueInfo(shape: x.shape, type: .float32)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let s = x[0], d = y[0]
        switch op {
        case .tanh: for i in 0..<count { d[i] = Foundation.tanh(s[i]) }
        case .exp: for i in 0..<count { d[i] = Foundation.exp(s[i]) }
        case .log: for i in 0..<count { d[i] = Foundation.log(s[i]) }
        case .sqrt: for i in 0..<count { d[i] = s[i].squareRoot() }
        case .neg: for i in 0..<count { d[i] = -s[i] }
        case .abs: for i in 0..<count { d[i] = Swift.abs(s[i]) }
        case .reciprocal: for i in 0..<count { d[i] = 1 / s[i] }
        case .floor: for i in 0..<count { d[i] = s[i].rounded(.down) }
        case .ceil: for i in 0..<count { d[i] = s[i].rounded(.up) }
        case .softplus: for i in 0..<count { d[i] = Foundation.log(1 + Foundation.exp(s[i])) }
        case .elu(let a): for i in 0..<count { d[i] = s[i] < 0 ? a * (Foundation.exp(s[i]) - 1) : s[i] }
        }
    }
}

/// Add, Sub, Mul, Div, Pow with numpy broadcasting. Integer constants (shape arithmetic) fold exactly.
///
/// Thread safety: see `Kernel`.
final class BinaryKernel: Kernel {
    enum Op { case add, sub, mul, div, pow }
    let outputInfos: [ValueInfo]
    let op: Op
    let aShape: [Int], bShape: [Int], outShape: [Int]
    /// Coalesced loop: dims (outer to inner) with element strides of a and b (0 = broadcast).
    let dims: [(n: Int, sa: Int, sb: Int)]
    /// All but the innermost of `dims` (kept so that `run` allocates nothing).
    let outerDims: [(n: Int, sa: Int, sb: Int)]

    init(_ ctx: inout NodeContext) throws {
        switch ctx.node.opType {
        case "Add": op = .add
        case "Sub": op = .sub
        case "Mul": op = .mul
        case "Div": op = .div
        case "Pow": op = .pow
        default: throw ctx.unsupported("operator \(ctx.node.opType)")
        }
        let a = try ctx.input(0), b = try ctx.input(1)
        let bothConstant = a.constant != nil && b.constant != nil
        if !bothConstant { try ctx.requireFloat(0); try ctx.requireFloat(1) }
        aShape = a.shape; bShape = b.shape
        guard let out = broadcastShape(a.shape, b.shape) else {
            throw ctx.invalid("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        outShape = out
        let integer = a.type != .float32 && b.type != .float32 && op != .pow
        outputInfos = [ValueInfo(shape: out, type: integer ? a.type : .float32)]
        dims = coalescedBroadcast(out, [a.shape, b.shape]).map { (n: $0.n, sa: $0.s[0], sb: $0.s[1]) }
        outerDims = Array(dims.dropLast())
    }

    func fold(_ inputs: [Tensor?]) throws -> [Tensor] {
        guard let a = inputs[0], let b = inputs[1] else { return [] }
        if case .int64(let av) = a.storage, case .int64(let bv) = b.storage, outputInfos[0].type != .float32 {
            var out = [Int64](repeating: 0, count: outputInfos[0].count)
            forEachBroadcast(dims) { o, ia, ib in
                let x = av[ia], y = bv[ib]
                switch op {
                case .add: out[o] = x &+ y
                case .sub: out[o] = x &- y
                case .mul: out[o] = x &* y
                case .div: out[o] = y == 0 ? 0 : x / y
                case .pow: out[o] = Int64(Foundation.pow(Double(x), Double(y)))
                }
            }
            return [Tensor(shape: outShape, int64s: out, elementType: outputInfos[0].type)]
        }
        return try floatFold(inputs)
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        guard let inner = dims.last else {
            y[0][0] = apply(x[0][0], x[1][0])
            return
        }
        let outer = outerDims
        let rows = outer.reduce(1) { $0 * $1.n }
        let n = inner.n, sa = inner.sa, sb = inner.sb
        let a = x[0], b = x[1], out = y[0]
        let op = self.op
        if rows == 1 {
            // Same-shaped operands coalesce into one row (YOLO's SiLU Mul in quantised models): split it by elements.
            ctx.parallel(n, minimumPerChunk: 32_768, chunks: 4 * ctx.threads) { r in
                BinaryKernel.row(op, a + r.lowerBound * sa, sa, b + r.lowerBound * sb, sb, out + r.lowerBound, r.count)
            }
            return
        }
        ctx.parallel(rows, minimumPerChunk: Swift.max(1, 65_536 / Swift.max(n, 1))) { range in
            for r in range {
                var rem = r, oa = 0, ob = 0
                for d in stride(from: outer.count - 1, through: 0, by: -1) {
                    let i = rem % outer[d].n
                    rem /= outer[d].n
                    oa += i * outer[d].sa
                    ob += i * outer[d].sb
                }
                BinaryKernel.row(op, a + oa, sa, b + ob, sb, out + r * n, n)
            }
        }
    }

    @inline(__always)
    private func apply(_ a: Float, _ b: Float) -> Float {
        switch op {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return a / b
        case .pow: return Foundation.pow(a, b)
        }
    }

    @inline(__always)
    static func row(_ op: Op, _ a: UnsafeMutablePointer<Float>, _ sa: Int, _ b: UnsafeMutablePointer<Float>, _ sb: Int,
                    _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        switch (sa, sb) {
        case (1, 1):
            switch op {
            case .add: for i in 0..<n { y[i] = a[i] + b[i] }
            case .sub: for i in 0..<n { y[i] = a[i] - b[i] }
            case .mul: for i in 0..<n { y[i] = a[i] * b[i] }
            case .div: for i in 0..<n { y[i] = a[i] / b[i] }
            case .pow: for i in 0..<n { y[i] = Foundation.pow(a[i], b[i]) }
            }
        case (1, 0):
            let s = b[0]
            switch op {
            case .add: for i in 0..<n { y[i] = a[i] + s }
            case .sub: for i in 0..<n { y[i] = a[i] - s }
            case .mul: for i in 0..<n { y[i] = a[i] * s }
            case .div: for i in 0..<n { y[i] = a[i] / s }
            case .pow: for i in 0..<n { y[i] = Foundation.pow(a[i], s) }
            }
        case (0, 1):
            let s = a[0]
            switch op {
            case .add: for i in 0..<n { y[i] = s + b[i] }
            case .sub: for i in 0..<n { y[i] = s - b[i] }
            case .mul: for i in 0..<n { y[i] = s * b[i] }
            case .div: for i in 0..<n { y[i] = s / b[i] }
            case .pow: for i in 0..<n { y[i] = Foundation.pow(s, b[i]) }
            }
        default:
            for i in 0..<n {
                let u = a[i * sa], v = b[i * sb]
                switch op {
                case .add: y[i] = u + v
                case .sub: y[i] = u - v
                case .mul: y[i] = u * v
                case .div: y[i] = u / v
                case .pow: y[i] = Foundation.pow(u, v)
                }
            }
        }
    }
}

/// numpy broadcasting of two shapes.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let r = max(a.count, b.count)
    var out = [Int](repeating: 1, count: r)
    for i in 0..<r {
        let x = i < r - a.count ? 1 : a[i - (r - a.count)]
        let y = i < r - b.count ? 1 : b[i - (r - b.count)]
        if x == y || y == 1 { out[i] = x } else if x == 1 { out[i] = y } else { return nil }
    }
    return out
}

/// Collapses an output shape and its broadcast inputs into as few loop dimensions as possible:
/// adjacent dimensions merge when every input either broadcasts both or reads both contiguously.
func coalescedBroadcast(_ out: [Int], _ inputs: [[Int]]) -> [(n: Int, s: [Int])] {
    let r = out.count
    // Per input: element strides aligned to the output rank, 0 where broadcast.
    let st = inputs.map { shape -> [Int] in
        let padded = [Int](repeating: 1, count: r - shape.count) + shape
        let s = strides(of: padded)
        return (0..<r).map { padded[$0] == 1 && out[$0] != 1 ? 0 : s[$0] }
    }
    var dims: [(n: Int, s: [Int])] = []
    for d in 0..<r where out[d] != 1 {
        let s = st.map { $0[d] }
        if let last = dims.last, zip(last.s, s).allSatisfy({ $0 == $1 * out[d] }) {
            dims[dims.count - 1] = (last.n * out[d], s)
        } else {
            dims.append((out[d], s))
        }
    }
    return dims
}

/// Visits every output element with its input offsets (load-time folding only).
func forEachBroadcast(_ dims: [(n: Int, sa: Int, sb: Int)], _ body: (Int, Int, Int) -> Void) {
    let total = dims.reduce(1) { $0 * $1.n }
    for o in 0..<total {
        var rem = o, ia = 0, ib = 0
        for d in stride(from: dims.count - 1, through: 0, by: -1) {
            let i = rem % dims[d].n
            rem /= dims[d].n
            ia += i * dims[d].sa
            ib += i * dims[d].sb
        }
        body(o, ia, ib)
    }
}
