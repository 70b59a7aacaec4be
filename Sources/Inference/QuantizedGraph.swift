/// Graph preparation for quantised (QDQ) models, as `onnxruntime.quantization.quantize_static` writes
/// them: every DequantizeLinear(x) → Conv(·, DequantizeLinear(w), bias) [→ Relu/Clip] → QuantizeLinear
/// island becomes one QLinearConv node (the integer kernels, requantisation and clamp fused), so
/// tensors stay uint8/int8 between islands; and every chain of element-wise float operators between a
/// DequantizeLinear and a QuantizeLinear (SiLU's Sigmoid + Mul, Relu, …) becomes a 256-entry table
/// lookup on the quantised values (`QuantizedLookupKernel`); Pad and Add stay in bytes too (QuantizationGlue.swift).
/// Everything else runs in float after its
/// DequantizeLinear, as the model says.
///
/// Thread safety: stateless functions.
enum QuantizedGraph {
    /// Domain of the engine's own rewritten nodes (never accepted from a model file).
    static let domain = "vigil.internal"

    /// Where a folded DequantizeLinear's float constant came from (for integer weights).
    struct Origin: Sendable {
        var data: Tensor
        var quant: QuantScale
    }

    static func rewrite(_ input: [Node], _ values: inout [String: ValueInfo], outputs: Set<String>, opset: Int) -> [Node] {
        var nodes = input
        var i = 0
        // Backwards, so that a QuantizeLinear moved above one operator can move on above the one before it.
        i = nodes.count - 1
        while i >= 0 {
            if !quantizeBeforePad(&nodes, at: i, &values, outputs: outputs) {
                _ = quantizeBeforeMove(&nodes, at: i, &values, outputs: outputs, opset: opset)
            }
            i -= 1
        }
        i = 0
        while i < nodes.count {
            if nodes[i].opType == "Conv", nodes[i].domain.isEmpty || nodes[i].domain == "ai.onnx",
               let (node, removed) = convIsland(nodes, at: i, &values, outputs: outputs) {
                nodes[i] = node
                for r in removed.sorted(by: >) { nodes.remove(at: r) }
            }
            i += 1
        }
        // The islands' DequantizeLinear nodes go first: a byte Pad folds only into its convolution as sole reader.
        nodes = GraphPreparation.removeDeadNodes(nodes, outputs: outputs)
        i = 0
        while i < nodes.count {
            if foldBytePad(&nodes, at: i, values, outputs: outputs) { i = 0; continue }
            i += 1
        }
        i = 0
        while i < nodes.count {
            if let (node, removed) = addIsland(nodes, at: i, values, outputs: outputs, opset: opset) {
                nodes[i] = node
                for r in removed.sorted(by: >) { nodes.remove(at: r) }
            }
            i += 1
        }
        i = 0
        while i < nodes.count {
            if !elideRequantize(&nodes, at: i, values, outputs: outputs) { i += 1 }
        }
        i = 0
        while i < nodes.count {
            if nodes[i].opType == "QuantizeLinear", let (node, removed) = lookupChain(nodes, at: i, &values, outputs: outputs, opset: opset) {
                nodes[i] = node
                for r in removed.sorted(by: >) { nodes.remove(at: r) }
                i -= removed.count
            }
            i += 1
        }
        // The lookups' DequantizeLinear nodes go first: a lookup folds only into a convolution it is the sole reader of.
        nodes = GraphPreparation.removeDeadNodes(nodes, outputs: outputs)
        i = 0
        while i < nodes.count {
            if !foldLookup(&nodes, at: i, outputs: outputs) { i += 1 }
        }
        // From the end, so that a chain's last node takes the whole chain (SiLU's Mul before its Sigmoid).
        i = nodes.count - 1
        while i >= 0 {
            if let (node, removed) = dequantizeChain(nodes, at: i, &values, outputs: outputs, opset: opset) {
                nodes[i] = node
                for r in removed.sorted(by: >) { nodes.remove(at: r) }
                i -= removed.count
            }
            i -= 1
        }
        i = 0
        while i < nodes.count {
            _ = resizeIsland(&nodes, at: i, values, outputs: outputs, opset: opset)
            i += 1
        }
        return nodes
    }

    /// The arithmetic a prepared kernel runs in, for `Session.precisionCounts`.
    static func precision(of kernel: Kernel) -> String {
        switch kernel {
        case is QLinearConvKernel, is QLinearMatMulKernel, is ConvIntegerKernel, is MatMulIntegerKernel: return "int8"
        case is QuantizedLookupKernel: return "int8_lookup"
        case is DequantizeLookupKernel: return "dequantize_lookup"
        case is QuantizedAddKernel: return "int8_add"
        case is QuantizedPadKernel: return "int8_pad"
        case is QuantizedMoveKernel: return "int8_move"
        case is QuantizedResizeKernel: return "resize_quantize"
        case is QuantizeLinearKernel: return "quantize"
        case is DequantizeLinearKernel: return "dequantize"
        default: return "float"
        }
    }

    static func users(_ nodes: [Node], _ name: String) -> [Int] { GraphPreparation.uses(nodes, name) }

    /// Follows `start`'s only reader, through at most one Relu/Clip that integers can clamp exactly, to the node
    /// that should be a QuantizeLinear: the nodes passed (that one last) and the activation; nil when a value on the
    /// way is a graph output or has other readers, or the activation cannot be an integer clamp.
    static func chainToQuantize(_ nodes: [Node], from start: String, _ values: [String: ValueInfo], outputs: Set<String>,
                                opset: Int) -> (absorbed: [Int], activation: Activation)? {
        var absorbed: [Int] = []
        var activation = Activation.none
        var last = start
        for _ in 0..<2 {
            let u = users(nodes, last)
            guard !outputs.contains(last), u.count == 1 else { return nil }
            let next = nodes[u[0]]
            absorbed.append(u[0])
            if next.opType == "QuantizeLinear" { break }
            guard activation == .none, let act = GraphPreparation.activation(of: next, { values[$0]?.constant }, opset: opset),
                  quantizedClamp(act, scale: 1, zeroPoint: 0, type: .uint8) != nil else { return nil }
            activation = act
            last = next.outputs[0]
        }
        return (absorbed, activation)
    }

    /// A per-tensor DequantizeLinear of a run-time uint8/int8 value: (quantised input, scale, zero point).
    static func runtimeDequantize(_ node: Node, _ values: [String: ValueInfo]) -> (input: String, scale: Float, zeroPoint: Int32, type: ElementType)? {
        guard node.opType == "DequantizeLinear", node.attributes.keys.allSatisfy({ $0 == "axis" }),
              let x = values[node.inputs[0]], x.constant == nil, x.type == .uint8 || x.type == .int8 else { return nil }
        guard let (scale, zp, type) = perTensor(node, values, defaultType: x.type), type == x.type else { return nil }
        return (node.inputs[0], scale, zp, type)
    }

    /// A per-tensor QuantizeLinear's scale, zero point and output type.
    static func runtimeQuantize(_ node: Node, _ values: [String: ValueInfo]) -> (scale: Float, zeroPoint: Int32, type: ElementType)? {
        guard node.opType == "QuantizeLinear", node.attributes.keys.allSatisfy({ $0 == "axis" }) else { return nil }
        guard let r = perTensor(node, values, defaultType: .uint8), r.type == .uint8 || r.type == .int8 else { return nil }
        return r
    }

    private static func perTensor(_ node: Node, _ values: [String: ValueInfo], defaultType: ElementType) -> (scale: Float, zeroPoint: Int32, type: ElementType)? {
        guard node.inputs.count >= 2, let s = values[node.inputs[1]]?.constant, s.count == 1, s.elementType == .float32 else { return nil }
        var zp: Int32 = 0, type = defaultType
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            guard let z = values[node.inputs[2]]?.constant, z.count == 1 else { return nil }
            zp = Int32(truncatingIfNeeded: z.int64s[0])
            type = z.elementType
        }
        return (s.floats[0], zp, type)
    }

    /// DequantizeLinear(xq) → Conv(W = folded DequantizeLinear of int8 or uint8 weights) [→ Relu/Clip] → QuantizeLinear:
    /// the QLinearConv node that replaces the Conv, and the indices of the nodes it absorbs.
    static func convIsland(_ nodes: [Node], at i: Int, _ values: inout [String: ValueInfo],
                           outputs: Set<String>) -> (Node, [Int])? {
        let conv = nodes[i]
        guard let dqIndex = nodes.firstIndex(where: { $0.outputs.first == conv.inputs[0] }),
              let x = runtimeDequantize(nodes[dqIndex], values),
              conv.inputs.count >= 2, let w = values[conv.inputs[1]]?.quantized,
              w.data.elementType == .int8 || w.data.elementType == .uint8,
              w.quant.perTensor || w.quant.axis == 0 else { return nil }
        var bias: [Float]?
        if conv.inputs.count > 2, !conv.inputs[2].isEmpty {
            guard let b = values[conv.inputs[2]]?.constant, b.elementType == .float32 else { return nil }
            bias = b.floats
        }
        // The Conv's only reader: QuantizeLinear, or a Relu/Clip whose only reader is one.
        guard let (absorbed, activation) = chainToQuantize(nodes, from: conv.outputs[0], values, outputs: outputs,
                                                           opset: 0) else { return nil }
        let q = nodes[absorbed.last!]
        guard let y = runtimeQuantize(q, values) else { return nil }
        let outC = w.data.shape[0]
        let ws = w.quant.perTensor ? [Float](repeating: w.quant.scales[0], count: outC) : w.quant.scales
        let prefix = "\(conv.name)/qlinear"
        func constant(_ suffix: String, _ t: Tensor) -> String {
            values[prefix + suffix] = ValueInfo(shape: t.shape, type: t.elementType, constant: t)
            return prefix + suffix
        }
        var node = conv
        node.opType = "QLinearConv"
        node.inputs = [
            x.input, constant("/x_scale", Tensor(shape: [], floats: [x.scale])),
            constant("/x_zero_point", Tensor(shape: [], int64s: [Int64(x.zeroPoint)], elementType: x.type)),
            constant("/w", w.data), constant("/w_scale", Tensor(shape: [outC], floats: ws)),
            constant("/w_zero_point", Tensor(shape: [outC], int64s: (0..<outC).map { Int64(w.quant.zeroPoints[w.quant.perTensor ? 0 : $0]) },
                                                          elementType: w.data.elementType)),
            constant("/y_scale", Tensor(shape: [], floats: [y.scale])),
            constant("/y_zero_point", Tensor(shape: [], int64s: [Int64(y.zeroPoint)], elementType: y.type)),
        ]
        if let bias {
            // QDQ biases are int32 with scale x_scale·w_scale (their float is exact); re-rounding gives them back.
            let b = (0..<outC).map { c -> Int64 in
                let v = (Double(bias[c]) / (Double(x.scale) * Double(ws[c]))).rounded(.toNearestOrEven)
                return Int64(max(Double(Int32.min), min(Double(Int32.max), v)))
            }
            node.inputs.append(constant("/bias", Tensor(shape: [outC], int64s: b, elementType: .int32)))
        }
        node.outputs = q.outputs
        node.fusedActivation = activation
        return (node, absorbed)
    }
}
