/// Static facts about a value during graph preparation: its shape, element type and, when known at
/// load time, its contents.
struct ValueInfo: Sendable {
    var shape: [Int]
    var type: ElementType
    var constant: Tensor?
    /// For the float constant a folded DequantizeLinear left: its integer data and quantisation.
    var quantized: QuantizedGraph.Origin? = nil

    var count: Int { shape.reduce(1, *) }
}

/// A prepared operator instance: attributes and shapes resolved at load time, weights packed.
///
/// Thread safety: `run` may be called from one thread at a time (the session's); kernels keep no
/// per-run state outside the buffers they are given and the context's scratch.
protocol Kernel: AnyObject {
    /// Output shapes and types, known after preparation.
    var outputInfos: [ValueInfo] { get }
    /// Floats of scratch memory `run` needs (im2col columns and the like).
    var scratchFloats: Int { get }
    /// Floats of scratch each parallel chunk needs (`ExecutionContext.chunkScratch`).
    var chunkScratchFloats: Int { get }
    /// Runs on float32 buffers: one pointer per node input (a constant input points to its data; an
    /// absent optional input to a dummy) and one per output.
    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext)
    /// Evaluates at load time when every input is a constant. The default runs `run` on float copies.
    func fold(_ inputs: [Tensor?]) throws -> [Tensor]
}

extension Kernel {
    var scratchFloats: Int { 0 }
    var chunkScratchFloats: Int { 0 }

    func fold(_ inputs: [Tensor?]) throws -> [Tensor] { try floatFold(inputs) }

    /// Runs the float32 kernel on copies of constant inputs.
    func floatFold(_ inputs: [Tensor?]) throws -> [Tensor] {
        let ctx = ExecutionContext(threads: 1, scratchFloats: scratchFloats, chunkScratchFloats: chunkScratchFloats)
        var xs: [UnsafeMutablePointer<Float>] = []
        for t in inputs {
            let f = t?.floats ?? [0]
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(f.count, 1))
            p.initialize(repeating: 0, count: max(f.count, 1))
            f.withUnsafeBufferPointer { b in if b.count > 0 { p.update(from: b.baseAddress!, count: b.count) } }
            xs.append(p)
        }
        let ys = outputInfos.map { info -> UnsafeMutablePointer<Float> in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(info.count, 1))
            p.initialize(repeating: 0, count: max(info.count, 1))
            return p
        }
        defer {
            for p in xs { p.deallocate() }
            for p in ys { p.deallocate() }
        }
        run(xs, ys, ctx)
        return zip(outputInfos, ys).map { info, p in
            Tensor(shape: info.shape, floats: Array(UnsafeBufferPointer(start: p, count: info.count)))
        }
    }
}

/// Kernels that only move elements (Concat, Slice, Transpose, …): the same code runs on float32 at
/// run time and on Int64 constants during folding.
protocol MovementKernel: Kernel {
    /// Which inputs carry data to move (the others are attributes-as-inputs, already consumed).
    var dataInputs: [Int] { get }
    func move<T>(_ x: [UnsafeMutablePointer<T>], _ y: [UnsafeMutablePointer<T>])
}

extension MovementKernel {
    var dataInputs: [Int] { [0] }

    func fold(_ inputs: [Tensor?]) throws -> [Tensor] {
        guard let first = dataInputs.first.flatMap({ inputs[$0] }) else { return [] }
        switch first.storage {
        case .float:
            return try foldTyped(inputs, Float.self, { $0.floats }) { Tensor(shape: $0, floats: $1) }
        case .int64:
            let et = first.elementType
            return try foldTyped(inputs, Int64.self, { $0.int64s }) { Tensor(shape: $0, int64s: $1, elementType: et) }
        }
    }

    private func foldTyped<T>(_ inputs: [Tensor?], _: T.Type, _ values: (Tensor) -> [T],
                              _ make: ([Int], [T]) -> Tensor) throws -> [Tensor] {
        var xs: [UnsafeMutablePointer<T>] = []
        var owned: [UnsafeMutablePointer<T>] = []
        for (i, t) in inputs.enumerated() {
            if dataInputs.contains(i), let t {
                let v = values(t)
                let p = UnsafeMutablePointer<T>.allocate(capacity: max(v.count, 1))
                v.withUnsafeBufferPointer { b in if b.count > 0 { p.initialize(from: b.baseAddress!, count: b.count) } }
                xs.append(p); owned.append(p)
            } else {
                let p = UnsafeMutablePointer<T>.allocate(capacity: 1)
                xs.append(p); owned.append(p)
            }
        }
        let ys = outputInfos.map { UnsafeMutablePointer<T>.allocate(capacity: max($0.count, 1)) }
        defer {
            for p in owned { p.deallocate() }
            for p in ys { p.deallocate() }
        }
        move(xs, ys)
        return zip(outputInfos, ys).map { info, p in make(info.shape, Array(UnsafeBufferPointer(start: p, count: info.count))) }
    }
}

/// How an operator's `run` is given its inputs when the node is prepared.
struct NodeContext {
    let node: Node
    let opset: Int
    /// One entry per node input; nil for an absent optional input (empty name).
    let inputs: [ValueInfo?]
    private var used: Set<String> = []

    init(node: Node, opset: Int, inputs: [ValueInfo?]) {
        self.node = node
        self.opset = opset
        self.inputs = inputs
    }

    func unsupported(_ detail: String) -> InferenceError {
        .unsupported(node: node.name, op: node.opType, detail: detail)
    }

    func invalid(_ detail: String) -> InferenceError {
        .invalidGraph(node: node.name, op: node.opType, detail: detail)
    }

    var inputCount: Int { inputs.count }

    func input(_ i: Int) throws -> ValueInfo {
        guard i < inputs.count, let v = inputs[i] else { throw invalid("missing input \(i)") }
        return v
    }

    func hasInput(_ i: Int) -> Bool { i < inputs.count && inputs[i] != nil }

    func shape(_ i: Int) throws -> [Int] { try input(i).shape }

    /// The load-time value of input `i`; a load error when it is not a constant.
    func constant(_ i: Int, _ what: String) throws -> Tensor {
        guard let c = try input(i).constant else {
            throw unsupported("\(what) (input \(i)) must be a constant known at load time")
        }
        return c
    }

    /// The input must be float32 at run time.
    func requireFloat(_ i: Int) throws {
        let v = try input(i)
        if v.type != .float32 && v.constant == nil {
            throw unsupported("input \(i) has element type \(v.type.rawValue) at run time; only float32 is computed")
        }
    }

    mutating func attribute(_ name: String) -> Attribute? {
        used.insert(name)
        return node.attributes[name]
    }

    mutating func int(_ name: String, _ def: Int) throws -> Int {
        switch attribute(name) {
        case nil: return def
        case .int(let v)?: return v
        default: throw invalid("attribute \(name) must be an int")
        }
    }

    mutating func float(_ name: String, _ def: Float) throws -> Float {
        switch attribute(name) {
        case nil: return def
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: throw invalid("attribute \(name) must be a float")
        }
    }

    mutating func string(_ name: String, _ def: String) throws -> String {
        switch attribute(name) {
        case nil: return def
        case .string(let v)?: return v
        default: throw invalid("attribute \(name) must be a string")
        }
    }

    mutating func ints(_ name: String) throws -> [Int]? {
        switch attribute(name) {
        case nil: return nil
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: throw invalid("attribute \(name) must be a list of ints")
        }
    }

    mutating func floats(_ name: String) throws -> [Float]? {
        switch attribute(name) {
        case nil: return nil
        case .floats(let v)?: return v
        default: throw invalid("attribute \(name) must be a list of floats")
        }
    }

    /// Marks attributes as understood without reading them (e.g. ones that only matter for training).
    mutating func ignore(_ names: String...) { for n in names { used.insert(n) } }

    /// Fails when the node carries an attribute the operator did not read.
    func finish() throws {
        for name in node.attributes.keys.sorted() where !used.contains(name) {
            throw unsupported("attribute '\(name)'")
        }
    }
}

/// Normalises a possibly negative axis against a rank.
func normaliseAxis(_ axis: Int, rank: Int, _ ctx: NodeContext) throws -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0, a < max(rank, 1) else { throw ctx.invalid("axis \(axis) out of range for rank \(rank)") }
    return a
}

/// Row-major strides of a shape.
func strides(of shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        s[i] = acc
        acc *= shape[i]
    }
    return s
}
