import CInferenceKernels

/// Element-wise float chains between a DequantizeLinear and a QuantizeLinear (SiLU as Sigmoid + Mul,
/// Relu, LeakyRelu, HardSwish, …, with scalar constants) act on at most 256 distinct values: graph
/// preparation evaluates the chain once on every quantised input value with the engine's own kernels
/// and replaces it by a table lookup (`QuantizedLookupKernel`), one byte in, one byte out. An empty chain with new
/// parameters is a requantising lookup; with the same parameters the pair goes (`elideRequantize`).

extension QuantizedGraph {
    /// Operators a lookup chain may contain: element-wise, output shaped like the input.
    static let elementwise: Set<String> = [
        "Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Clip", "Tanh", "Exp", "Neg", "Abs", "Softplus",
        "Elu", "Add", "Sub", "Mul", "Div", "Identity",
    ]

    /// A per-tensor run-time DequantizeLinear as `runtimeDequantize` gives it.
    typealias Dequantized = (input: String, scale: Float, zeroPoint: Int32, type: ElementType)

    /// The element-wise chain computing `end` (shaped `shape`) from one run-time DequantizeLinear and scalar constants:
    /// the chain's node indices and the DequantizeLinear's output and parameters; nil for any other form.
    static func elementwiseChain(_ nodes: [Node], end: String, shape: [Int], _ values: [String: ValueInfo])
        -> (members: Set<Int>, root: (name: String, dq: Dequantized))? {
        var members = Set<Int>()
        var root: (name: String, dq: Dequantized)?
        var pending = [end]
        while let name = pending.popLast() {
            if let v = values[name], v.constant != nil {
                guard v.count == 1 else { return nil }
                continue
            }
            if name == root?.name { continue }
            guard let p = nodes.firstIndex(where: { $0.outputs.contains(name) }), values[name]?.shape == shape else { return nil }
            if let dq = runtimeDequantize(nodes[p], values) {
                guard root == nil else { return nil }
                root = (name, dq)
                continue
            }
            guard elementwise.contains(nodes[p].opType), nodes[p].domain.isEmpty, nodes[p].outputs.count == 1 else { return nil }
            if members.insert(p).inserted { pending.append(contentsOf: nodes[p].inputs.filter { !$0.isEmpty }) }
        }
        guard let root else { return nil }
        return (members, root)
    }

    /// Whether a chain member's value is also read outside the chain (by a node other than `reader` and the members)
    /// or is a graph output: then the chain stays for those readers.
    static func chainShared(_ nodes: [Node], _ members: Set<Int>, reader: Int, outputs: Set<String>) -> Bool {
        members.contains { m in
            let out = nodes[m].outputs[0]
            return outputs.contains(out) || users(nodes, out).contains(where: { $0 != reader && !members.contains($0) })
        }
    }

    /// The chain ending at the QuantizeLinear `nodes[qi]`: the lookup node that replaces it and the indices
    /// of the chain's nodes (all before `qi`).
    static func lookupChain(_ nodes: [Node], at qi: Int, _ values: inout [String: ValueInfo], outputs: Set<String>,
                            opset: Int) -> (Node, [Int])? {
        let q = nodes[qi]
        guard let y = runtimeQuantize(q, values), let shape = values[q.inputs[0]]?.shape,
              let (members, root) = elementwiseChain(nodes, end: q.inputs[0], shape: shape, values) else { return nil }
        // A chain whose values are also read elsewhere stays for those readers (the lookup is added beside it).
        let shared = chainShared(nodes, members, reader: qi, outputs: outputs)
        let order = members.sorted()
        guard let table = try? lookupTable(order.map { nodes[$0] }, root: root.name, dq: root.dq, q: q, y: y, values, opset: opset)
        else { return nil }
        let tableName = "\(q.name)/lookup_table"
        values[tableName] = ValueInfo(shape: [256], type: y.type, constant: table)
        let node = Node(name: q.name, opType: "QuantizedLookup", domain: domain, inputs: [root.dq.input, tableName],
                        outputs: q.outputs, attributes: [:])
        return (node, shared ? [] : order)
    }

    /// An element-wise float chain on one DequantizeLinear whose result stays float (YOLO's SiLU before a Split, an
    /// Add or a Concat, which QDQ leaves in float): the chain's last node `nodes[i]` becomes one byte → float lookup
    /// (`DequantizeLookup`, 256 floats computed at load by the same kernels), in place of the DequantizeLinear and the
    /// chain's passes over the tensor. Returns the replacement and the chain's other nodes to remove.
    static func dequantizeChain(_ nodes: [Node], at i: Int, _ values: inout [String: ValueInfo], outputs: Set<String>,
                                opset: Int) -> (Node, [Int])? {
        let end = nodes[i]
        guard elementwise.contains(end.opType), end.domain.isEmpty, end.outputs.count == 1,
              let info = values[end.outputs[0]], info.type == .float32,
              let (members, root) = elementwiseChain(nodes, end: end.outputs[0], shape: info.shape, values),
              members.contains(i) else { return nil }
        let inner = members.subtracting([i])
        let shared = chainShared(nodes, inner, reader: i, outputs: outputs)
        let order = members.sorted()
        guard let floats = try? chainValues(order.map { nodes[$0] }, root: root.name, dq: root.dq, end: end.outputs[0],
                                            values, opset: opset) else { return nil }
        let tableName = "\(end.name)/dequantize_table"
        values[tableName] = ValueInfo(shape: [256], type: .float32, constant: Tensor(shape: [256], floats: floats))
        let node = Node(name: end.name, opType: "DequantizeLookup", domain: domain, inputs: [root.dq.input, tableName],
                        outputs: end.outputs, attributes: [:])
        return (node, shared ? [] : inner.sorted())
    }

    /// A lookup whose input is a QLinearConv's output read by nothing else folds into the convolution: the
    /// kernels apply the table to each tile of outputs right after writing it (one pass over the tensor less, and
    /// no parallel region of its own). The convolution becomes the engine's own QLinearConv node with the table as
    /// input 9. True when `nodes[i]` was folded and removed.
    static func foldLookup(_ nodes: inout [Node], at i: Int, outputs: Set<String>) -> Bool {
        let lookup = nodes[i]
        guard lookup.opType == "QuantizedLookup", lookup.domain == domain, !outputs.contains(lookup.inputs[0]),
              let p = nodes.firstIndex(where: { $0.outputs.first == lookup.inputs[0] }),
              nodes[p].opType == "QLinearConv", nodes[p].domain.isEmpty || nodes[p].domain == "ai.onnx",
              nodes[p].inputs.count <= 9, users(nodes, lookup.inputs[0]) == [i] else { return false }
        var conv = nodes[p]
        conv.domain = domain
        conv.inputs += [String](repeating: "", count: 9 - conv.inputs.count) + [lookup.inputs[1]]
        conv.outputs = lookup.outputs
        nodes[p] = conv
        nodes.remove(at: i)
        return true
    }

    /// QuantizeLinear(DequantizeLinear(x)) with the same scale, zero point and type is x: readers of the
    /// QuantizeLinear read x. True when `nodes[qi]` was removed.
    static func elideRequantize(_ nodes: inout [Node], at qi: Int, _ values: [String: ValueInfo], outputs: Set<String>) -> Bool {
        let q = nodes[qi]
        guard let y = runtimeQuantize(q, values), !outputs.contains(q.outputs[0]),
              let p = nodes.firstIndex(where: { $0.outputs.first == q.inputs[0] }), let dq = runtimeDequantize(nodes[p], values),
              dq.scale == y.scale, dq.zeroPoint == y.zeroPoint, dq.type == y.type else { return false }
        for u in users(nodes, q.outputs[0]) {
            nodes[u].inputs = nodes[u].inputs.map { $0 == q.outputs[0] ? dq.input : $0 }
        }
        nodes.remove(at: qi)
        return true
    }

    /// Runs the chain on all 256 quantised input values (index = the byte, as unsigned): the values of `end`.
    static func chainValues(_ chain: [Node], root: String, dq: Dequantized, end: String, _ values: [String: ValueInfo],
                            opset: Int) throws -> [Float] {
        let xs = (0..<256).map { b -> Float in
            let v = dq.type == .uint8 ? Int32(b) : Int32(Int8(truncatingIfNeeded: b))
            return Float(v - dq.zeroPoint) * dq.scale
        }
        var local = values
        local[root] = ValueInfo(shape: [256], type: .float32, constant: Tensor(shape: [256], floats: xs))
        for node in chain {
            let (kernel, inputs) = try GraphPreparation.makeKernel(node, local, opset: opset)
            let out = try kernel.fold(inputs.map { $0?.constant })
            guard let t = out.first, t.count == 256 else { throw InferenceError.invalidGraph(node: node.name, op: node.opType, detail: "lookup") }
            local[node.outputs[0]] = ValueInfo(shape: t.shape, type: t.elementType, constant: t)
        }
        guard let f = local[end]?.constant?.floats, f.count == 256 else {
            throw InferenceError.invalidGraph(node: end, op: "lookup", detail: "lookup")
        }
        return f
    }

    /// The chain's values quantised as the QuantizeLinear `q` does: the 256-entry byte table.
    static func lookupTable(_ chain: [Node], root: String, dq: Dequantized, q: Node, y: (scale: Float, zeroPoint: Int32, type: ElementType),
                            _ values: [String: ValueInfo], opset: Int) throws -> Tensor {
        let f = try chainValues(chain, root: root, dq: dq, end: q.inputs[0], values, opset: opset)
        let range = quantRange(y.type)
        let table = f.map { Int64(QuantScale.quantize($0, scale: y.scale, zeroPoint: y.zeroPoint, range: range)) }
        return Tensor(shape: [256], int64s: table, elementType: y.type)
    }
}

/// One byte in, one byte out through a 256-entry table (built by `QuantizedGraph.lookupChain`).
///
/// Thread safety: see `Kernel`.
final class QuantizedLookupKernel: IntegerKernel {
    let outputInfos: [ValueInfo]
    let table: [UInt8]
    let count: Int

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        let t = try ctx.constant(1, "lookup table")
        guard x.type == .uint8 || x.type == .int8, t.count == 256 else { throw ctx.invalid("lookup of \(x.type.rawValue)") }
        table = t.int64s.map { UInt8(truncatingIfNeeded: $0) }
        count = x.count
        outputInfos = [ValueInfo(shape: x.shape, type: t.elementType)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let src = UnsafeRawPointer(x[0]), dst = UnsafeMutableRawPointer(y[0])
        table.withUnsafeBufferPointer { t in
            let lut = t.baseAddress!
            ctx.parallel(count, minimumPerChunk: 65_536) { r in
                vk_qlookup(lut, src + r.lowerBound, dst + r.lowerBound, r.count)
            }
        }
    }
}

/// One byte in, one float out through a 256-entry table (built by `QuantizedGraph.dequantizeChain`): a
/// DequantizeLinear and the element-wise float chain after it, in one pass.
///
/// Thread safety: see `Kernel`.
final class DequantizeLookupKernel: IntegerKernel {
    let outputInfos: [ValueInfo]
    let table: [Float]
    let count: Int

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        let t = try ctx.constant(1, "dequantize table")
        guard x.type == .uint8 || x.type == .int8, t.count == 256, t.elementType == .float32 else {
            throw ctx.invalid("dequantizing lookup of \(x.type.rawValue)")
        }
        table = t.floats
        count = x.count
        outputInfos = [ValueInfo(shape: x.shape, type: .float32)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let src = UnsafeRawPointer(x[0]), dst = y[0]
        table.withUnsafeBufferPointer { t in
            let lut = t.baseAddress!
            ctx.parallel(count, minimumPerChunk: 32_768, chunks: 4 * ctx.threads) { r in
                vk_qlookup_f32(lut, src + r.lowerBound, dst + r.lowerBound, r.count)
            }
        }
    }
}
