/// A node ready to run: the (possibly rewritten) node and its prepared kernel.
struct Step {
    var node: Node
    var kernel: Kernel
}

/// The graph after load-time preparation: runtime steps in topological order, the static facts about
/// every value, and the constants the steps read.
struct PreparedGraph {
    var steps: [Step]
    var values: [String: ValueInfo]
    var inputs: [ValueDescription]
    var outputs: [ValueDescription]
    /// Statistics of the model as loaded (before folding and fusion).
    var operatorCounts: [String: Int]
    var parameterCount: Int
}

/// Load-time graph preparation: topological order, static shape inference, constant folding (the
/// shape arithmetic of exporters included), BatchNormalization folded into Conv, zero Pad folded into
/// Conv, activation fusion into Conv, dead-node removal.
///
/// Thread safety: stateless functions.
enum GraphPreparation {
    static func prepare(_ model: Model, bound: [String: Tensor], inputShapes: [String: [Int]]) throws -> PreparedGraph {
        var values: [String: ValueInfo] = [:]
        for (name, t) in model.initializers {
            values[name] = ValueInfo(shape: t.shape, type: t.elementType, constant: t)
        }
        var runtimeInputs: [ValueDescription] = []
        for d in model.inputs {
            if let t = bound[d.name] {
                values[d.name] = ValueInfo(shape: t.shape, type: t.elementType, constant: t)
                continue
            }
            let shape = inputShapes[d.name] ?? d.shape
            if shape.contains(where: { $0 < 0 }) {
                throw InferenceError.invalidModel("input '\(d.name)' has a dynamic shape \(d.shape); give a static shape")
            }
            if d.elementType != .float32 {
                throw InferenceError.invalidModel("input '\(d.name)' is \(d.elementType.rawValue); run-time inputs must be float32 (bind it as a constant)")
            }
            values[d.name] = ValueInfo(shape: shape, type: .float32, constant: nil)
            runtimeInputs.append(ValueDescription(name: d.name, shape: shape, elementType: .float32))
        }

        var counts: [String: Int] = [:]
        for n in model.nodes { counts[n.opType, default: 0] += 1 }
        let params = model.initializers.values.filter { $0.elementType == .float32 }.reduce(0) { $0 + $1.count }

        let ordered = try topologicalOrder(model.nodes, available: Set(values.keys))

        // Pass 1: shape inference and constant folding.
        var runtime: [Node] = []
        for node in ordered {
            if try foldConstantNode(node, &values, opset: model.opset) { continue }
            let (kernel, inputs) = try makeKernel(node, values, opset: model.opset)
            let allConstant = !inputs.isEmpty && inputs.allSatisfy { $0 == nil || $0!.constant != nil }
            if allConstant || node.opType == "Shape" || node.opType == "Size" {
                let outs = try kernel.fold(inputs.map { $0?.constant })
                for (name, t) in zip(node.outputs, outs) where !name.isEmpty {
                    values[name] = ValueInfo(shape: t.shape, type: t.elementType, constant: t)
                }
                if let dq = kernel as? DequantizeLinearKernel, let data = inputs[0]?.constant {
                    values[node.outputs[0]]?.quantized = QuantizedGraph.Origin(data: data, quant: dq.q)
                }
            } else {
                for (name, info) in zip(node.outputs, kernel.outputInfos) where !name.isEmpty {
                    values[name] = info
                }
                runtime.append(node)
            }
        }

        let outputNames = Set(model.outputs.map(\.name))
        runtime = removeDeadNodes(runtime, outputs: outputNames)
        runtime = QuantizedGraph.rewrite(runtime, &values, outputs: outputNames, opset: model.opset)
        runtime = removeDeadNodes(runtime, outputs: outputNames)
        runtime = try fuse(runtime, &values, outputs: outputNames, opset: model.opset)

        // Pass 2: prepare the kernels of the rewritten graph.
        var steps: [Step] = []
        for node in runtime {
            let (kernel, _) = try makeKernel(node, values, opset: model.opset)
            for (name, info) in zip(node.outputs, kernel.outputInfos) where !name.isEmpty {
                values[name] = info
            }
            steps.append(Step(node: node, kernel: kernel))
        }
        if FastKernels.pairDepthwisePointwise { steps = DepthwisePointwiseKernel.pair(steps, outputs: outputNames) }
        let outputs = try model.outputs.map { d -> ValueDescription in
            guard let v = values[d.name] else { throw InferenceError.invalidModel("output '\(d.name)' is never produced") }
            return ValueDescription(name: d.name, shape: v.shape, elementType: v.type)
        }
        return PreparedGraph(steps: steps, values: values, inputs: runtimeInputs, outputs: outputs,
                             operatorCounts: counts, parameterCount: params)
    }

    static func makeKernel(_ node: Node, _ values: [String: ValueInfo], opset: Int) throws -> (Kernel, [ValueInfo?]) {
        let internalNode = node.domain == QuantizedGraph.domain
        if node.domain != "" && node.domain != "ai.onnx" && !internalNode {
            throw InferenceError.unsupported(node: node.name, op: node.opType, detail: "operator domain '\(node.domain)'")
        }
        let inputs = try node.inputs.map { name -> ValueInfo? in
            if name.isEmpty { return nil }
            guard let v = values[name] else {
                throw InferenceError.invalidGraph(node: node.name, op: node.opType, detail: "input '\(name)' is not defined")
            }
            return v
        }
        guard let factory = internalNode ? OperatorRegistry.internalFactories[node.opType] : OperatorRegistry.factories[node.opType] else {
            throw InferenceError.unsupported(node: node.name, op: node.opType, detail: "operator \(node.opType)")
        }
        var ctx = NodeContext(node: node, opset: opset, inputs: inputs)
        let kernel = try factory(&ctx)
        try ctx.finish()
        if kernel.outputInfos.count < node.outputs.filter({ !$0.isEmpty }).count {
            throw InferenceError.unsupported(node: node.name, op: node.opType, detail: "\(node.outputs.count) outputs")
        }
        return (kernel, inputs)
    }

    /// `Constant` nodes become constants directly.
    static func foldConstantNode(_ node: Node, _ values: inout [String: ValueInfo], opset: Int) throws -> Bool {
        guard node.opType == "Constant", node.domain == "" || node.domain == "ai.onnx" else { return false }
        var t: Tensor?
        for (key, a) in node.attributes {
            switch (key, a) {
            case ("value", .tensor(let v)): t = v
            case ("value_float", .float(let f)): t = Tensor(shape: [], floats: [f])
            case ("value_floats", .floats(let f)): t = Tensor(shape: [f.count], floats: f)
            case ("value_int", .int(let i)): t = Tensor(shape: [], int64s: [Int64(i)])
            case ("value_ints", .ints(let i)): t = Tensor(shape: [i.count], int64s: i.map { Int64($0) })
            default:
                throw InferenceError.unsupported(node: node.name, op: "Constant", detail: "attribute '\(key)'")
            }
        }
        guard let t, let out = node.outputs.first else {
            throw InferenceError.invalidGraph(node: node.name, op: "Constant", detail: "no value")
        }
        values[out] = ValueInfo(shape: t.shape, type: t.elementType, constant: t)
        return true
    }

    static func topologicalOrder(_ nodes: [Node], available: Set<String>) throws -> [Node] {
        var producer: [String: Int] = [:]
        for (i, n) in nodes.enumerated() { for o in n.outputs where !o.isEmpty { producer[o] = i } }
        var indegree = [Int](repeating: 0, count: nodes.count)
        var consumers = [[Int]](repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() {
            for name in Set(n.inputs) where !name.isEmpty {
                if let p = producer[name] {
                    indegree[i] += 1
                    consumers[p].append(i)
                } else if !available.contains(name) {
                    throw InferenceError.invalidGraph(node: n.name, op: n.opType, detail: "input '\(name)' is not produced by any node")
                }
            }
        }
        var ready = (0..<nodes.count).filter { indegree[$0] == 0 }.reversed() as [Int]
        var order: [Node] = []
        while let i = ready.popLast() {
            order.append(nodes[i])
            for c in consumers[i] {
                indegree[c] -= 1
                if indegree[c] == 0 { ready.insert(c, at: 0) }
            }
        }
        guard order.count == nodes.count else { throw InferenceError.invalidModel("the graph has a cycle") }
        return order
    }

    static func removeDeadNodes(_ nodes: [Node], outputs: Set<String>) -> [Node] {
        var needed = outputs
        var keep = [Bool](repeating: false, count: nodes.count)
        for i in stride(from: nodes.count - 1, through: 0, by: -1) where nodes[i].outputs.contains(where: needed.contains) {
            keep[i] = true
            for n in nodes[i].inputs where !n.isEmpty { needed.insert(n) }
        }
        return nodes.indices.filter { keep[$0] }.map { nodes[$0] }
    }

    /// Graph rewrites on the runtime nodes.
    static func fuse(_ input: [Node], _ values: inout [String: ValueInfo], outputs: Set<String>, opset: Int) throws -> [Node] {
        var nodes = input
        var changed = true
        while changed {
            changed = false
            for i in nodes.indices where nodes[i].opType == "Conv" && !outputs.contains(nodes[i].outputs[0]) {
                if fuseAround(&nodes, i, values, outputs: outputs, opset: opset)
                    || fuseAfter(&nodes, i, &values, outputs: outputs, opset: opset) {
                    changed = true
                    break
                }
            }
        }
        return nodes
    }

    static func uses(_ nodes: [Node], _ name: String) -> [Int] {
        nodes.indices.filter { nodes[$0].inputs.contains(name) }
    }

    /// Conv `nodes[i]`: a zero spatial Pad before it, a residual Add after it (and its activation), then an
    /// activation after the Add. True when the graph changed.
    private static func fuseAround(_ nodes: inout [Node], _ i: Int, _ values: [String: ValueInfo], outputs: Set<String>,
                                   opset: Int) -> Bool {
        let constant = { (name: String) -> Tensor? in name.isEmpty ? nil : values[name]?.constant }
        let y = nodes[i].outputs[0]
        let users = uses(nodes, y)
        if let padIndex = nodes.firstIndex(where: { $0.opType == "Pad" && $0.outputs[0] == nodes[i].inputs[0] }),
           !outputs.contains(nodes[padIndex].outputs[0]), uses(nodes, nodes[padIndex].outputs[0]).count == 1,
           let merged = foldPad(nodes[padIndex], into: nodes[i], constant, opset: opset) {
            nodes[i] = merged
            nodes.remove(at: padIndex)
            return true
        }
        if !nodes[i].fusedResidual, users.count == 1, nodes[users[0]].opType == "Add", nodes[users[0]].attributes.isEmpty {
            let add = nodes[users[0]]
            let others = add.inputs.filter { $0 != y }
            if add.inputs.count == 2, others.count == 1, let other = others.first, values[other]?.constant == nil,
               values[other]?.shape == values[y]?.shape, values[other]?.type == .float32 {
                var merged = nodes[i]
                while merged.inputs.count < 3 { merged.inputs.append("") }
                merged.inputs.append(other)
                merged.outputs = add.outputs
                merged.fusedResidual = true
                // The merged node runs where the Add ran: after both operands exist.
                nodes[users[0]] = merged
                nodes.remove(at: i)
                return true
            }
        }
        if nodes[i].fusedResidual, nodes[i].postActivation == .none, users.count == 1,
           let act = activation(of: nodes[users[0]], constant, opset: opset) {
            nodes[i].postActivation = act
            nodes[i].outputs = [nodes[users[0]].outputs[0]]
            nodes.remove(at: users[0])
            return true
        }
        return false
    }

    /// Conv `nodes[i]` without a fused activation: BatchNormalization, an activation or SiLU (`Mul(y,
    /// Sigmoid(y))`) after it. True when the graph changed.
    private static func fuseAfter(_ nodes: inout [Node], _ i: Int, _ values: inout [String: ValueInfo], outputs: Set<String>,
                                  opset: Int) -> Bool {
        let known = values
        let constant = { (name: String) -> Tensor? in name.isEmpty ? nil : known[name]?.constant }
        guard nodes[i].fusedActivation == .none, !nodes[i].fusedResidual else { return false }
        let y = nodes[i].outputs[0]
        let users = uses(nodes, y)
        if users.count == 1 {
            let u = nodes[users[0]]
            if u.opType == "BatchNormalization", let (folded, added) = foldBatchNorm(u, into: nodes[i], constant) {
                for (name, info) in added { values[name] = info }
                nodes[i] = folded
                nodes.remove(at: users[0])
                return true
            }
            if let act = activation(of: u, constant, opset: opset) {
                nodes[i].fusedActivation = act
                nodes[i].outputs = [u.outputs[0]]
                nodes.remove(at: users[0])
                return true
            }
        } else if users.count == 2 {
            let a = nodes[users[0]], b = nodes[users[1]]
            let (sig, mul, sigIndex) = a.opType == "Sigmoid" ? (a, b, users[0]) : (b, a, users[1])
            if sig.opType == "Sigmoid", mul.opType == "Mul", sig.attributes.isEmpty,
               !outputs.contains(sig.outputs[0]), uses(nodes, sig.outputs[0]).count == 1,
               Set(mul.inputs) == Set([y, sig.outputs[0]]) {
                nodes[i].fusedActivation = .silu
                nodes[i].outputs = [mul.outputs[0]]
                let mulIndex = sigIndex == users[0] ? users[1] : users[0]
                for r in [sigIndex, mulIndex].sorted(by: >) { nodes.remove(at: r) }
                return true
            }
        }
        return false
    }

    static func activation(of node: Node, _ constant: (String) -> Tensor?, opset: Int) -> Activation? {
        switch node.opType {
        case "Relu" where node.attributes.isEmpty:
            return .relu
        case "LeakyRelu":
            guard node.attributes.keys.allSatisfy({ $0 == "alpha" }) else { return nil }
            if case .float(let a)? = node.attributes["alpha"] { return .leakyRelu(a) }
            return .leakyRelu(0.01)
        case "HardSwish" where node.attributes.isEmpty:
            return .hardSwish
        case "Clip":
            var lo = -Float.infinity, hi = Float.infinity
            for (k, a) in node.attributes {
                switch (k, a) {
                case ("min", .float(let v)): lo = v
                case ("max", .float(let v)): hi = v
                default: return nil
                }
            }
            if node.inputs.count > 1, !node.inputs[1].isEmpty {
                guard let c = constant(node.inputs[1]), c.count == 1 else { return nil }
                lo = c.floats[0]
            }
            if node.inputs.count > 2, !node.inputs[2].isEmpty {
                guard let c = constant(node.inputs[2]), c.count == 1 else { return nil }
                hi = c.floats[0]
            }
            return .clip(lo, hi)
        default:
            return nil
        }
    }

    static func foldPad(_ pad: Node, into conv: Node, _ constant: (String) -> Tensor?, opset: Int) -> Node? {
        var mode = "constant"
        var pads: [Int]?
        for (k, a) in pad.attributes {
            switch (k, a) {
            case ("mode", .string(let m)): mode = m
            case ("pads", .ints(let p)): pads = p
            case ("value", .float(let v)): if v != 0 { return nil }
            default: return nil
            }
        }
        guard mode == "constant" else { return nil }
        if pad.inputs.count > 1 {
            guard let p = constant(pad.inputs[1]) else { return nil }
            pads = p.int64s.map { Int($0) }
        }
        if pad.inputs.count > 2, !pad.inputs[2].isEmpty {
            guard let v = constant(pad.inputs[2]), v.floats.allSatisfy({ $0 == 0 }) else { return nil }
        }
        if pad.inputs.count > 3 { return nil }
        guard let pads, pads.count % 2 == 0, pads.allSatisfy({ $0 >= 0 }) else { return nil }
        let rank = pads.count / 2
        guard rank >= 3, pads[0] == 0, pads[1] == 0, pads[rank] == 0, pads[rank + 1] == 0 else { return nil }
        if case .string(let ap)? = conv.attributes["auto_pad"], ap != "NOTSET" { return nil }
        let spatial = rank - 2
        var convPads = [Int](repeating: 0, count: 2 * spatial)
        if case .ints(let p)? = conv.attributes["pads"] { convPads = p }
        guard convPads.count == 2 * spatial else { return nil }
        for d in 0..<spatial {
            convPads[d] += pads[2 + d]
            convPads[spatial + d] += pads[rank + 2 + d]
        }
        var merged = conv
        merged.inputs[0] = pad.inputs[0]
        merged.attributes["pads"] = .ints(convPads)
        return merged
    }

    static func foldBatchNorm(_ bn: Node, into conv: Node, _ constant: (String) -> Tensor?) -> (Node, [(String, ValueInfo)])? {
        guard bn.outputs.count == 1 || bn.outputs.dropFirst().allSatisfy({ $0.isEmpty }) else { return nil }
        var eps: Float = 1e-5
        for (k, a) in bn.attributes {
            switch (k, a) {
            case ("epsilon", .float(let e)): eps = e
            case ("momentum", _), ("spatial", .int(1)), ("training_mode", .int(0)): break
            default: return nil
            }
        }
        guard bn.inputs.count == 5, let scale = constant(bn.inputs[1]), let bias = constant(bn.inputs[2]),
              let mean = constant(bn.inputs[3]), let variance = constant(bn.inputs[4]),
              let w = constant(conv.inputs[1]) else { return nil }
        let oc = w.shape[0]
        guard scale.count == oc, bias.count == oc, mean.count == oc, variance.count == oc else { return nil }
        var wf = w.floats
        let per = wf.count / oc
        let s = scale.floats, b = bias.floats, m = mean.floats, v = variance.floats
        var cb = [Float](repeating: 0, count: oc)
        if conv.inputs.count > 2, !conv.inputs[2].isEmpty {
            guard let c = constant(conv.inputs[2]) else { return nil }
            cb = c.floats
        }
        for o in 0..<oc {
            let k = s[o] / (v[o] + eps).squareRoot()
            for j in 0..<per { wf[o * per + j] *= k }
            cb[o] = (cb[o] - m[o]) * k + b[o]
        }
        let wName = "\(conv.name)/bn_folded_weight", bName = "\(conv.name)/bn_folded_bias"
        var merged = conv
        merged.inputs = [conv.inputs[0], wName, bName]
        merged.outputs = [bn.outputs[0]]
        return (merged, [(wName, ValueInfo(shape: w.shape, type: .float32, constant: Tensor(shape: w.shape, floats: wf))),
                         (bName, ValueInfo(shape: [oc], type: .float32, constant: Tensor(shape: [oc], floats: cb)))])
    }
}
