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

    /// The chain ending at the QuantizeLinear `nodes[qi]`: the lookup node that replaces it and the indices
    /// of the chain's nodes (all before `qi`).
    static func lookupChain(_ nodes: [Node], at qi: Int, _ values: inout [String: ValueInfo], outputs: Set<String>,
                            opset: Int) -> (Node, [Int])? {
        let q = nodes[qi]
        guard let y = runtimeQuantize(q, values), let shape = values[q.inputs[0]]?.shape else { return nil }
        var members = Set<Int>()
        var root: (name: String, dq: (input: String, scale: Float, zeroPoint: Int32, type: ElementType))?
        var pending = [q.inputs[0]]
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
        // A chain whose values are also read elsewhere stays for those readers (the lookup is added beside it).
        let shared = members.contains { m in
            let out = nodes[m].outputs[0]
            return outputs.contains(out) || users(nodes, out).contains(where: { $0 != qi && !members.contains($0) })
        }
        let order = members.sorted()
        guard let table = try? lookupTable(order.map { nodes[$0] }, root: root.name, dq: root.dq, q: q, y: y, values, opset: opset)
        else { return nil }
        let tableName = "\(q.name)/lookup_table"
        values[tableName] = ValueInfo(shape: [256], type: y.type, constant: table)
        let node = Node(name: q.name, opType: "QuantizedLookup", domain: domain, inputs: [root.dq.input, tableName],
                        outputs: q.outputs, attributes: [:])
        return (node, shared ? [] : order)
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

    /// Runs the chain on all 256 quantised input values (index = the byte, as unsigned).
    static func lookupTable(_ chain: [Node], root: String, dq: (input: String, scale: Float, zeroPoint: Int32, type: ElementType),
                            q: Node, y: (scale: Float, zeroPoint: Int32, type: ElementType),
                            _ values: [String: ValueInfo], opset: Int) throws -> Tensor {
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
        guard let f = local[q.inputs[0]]?.constant?.floats else { throw InferenceError.invalidGraph(node: q.name, op: q.opType, detail: "lookup") }
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
