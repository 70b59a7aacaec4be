import CInferenceKernels

/// The quantised graph between the integer convolutions, kept in bytes where the QDQ graph allows:
/// - Pad → QuantizeLinear becomes QuantizeLinear → a byte Pad (constant mode: the fill quantised like the rest;
///   quantising is element-wise, so the two commute exactly), and a byte Pad whose fill is the zero point of the
///   QLinearConv reading it folds into that convolution's padding (which pads with its input zero point).
/// - Add(DequantizeLinear(a), DequantizeLinear(b)) [→ Relu/Clip] → QuantizeLinear becomes one quantised Add
///   (`QuantizedAddKernel`: QLinearAdd semantics, the activation folded into the output clamp).
/// Any other form keeps its float operators.

extension QuantizedGraph {
    /// Pad → QuantizeLinear: (QuantizeLinear on the Pad's input, byte Pad) in place of the two nodes, when the Pad
    /// is constant mode with non-negative pads and its only reader is a per-tensor QuantizeLinear.
    static func quantizeBeforePad(_ nodes: inout [Node], at i: Int, _ values: inout [String: ValueInfo], outputs: Set<String>) -> Bool {
        let pad = nodes[i]
        guard pad.opType == "Pad", pad.domain.isEmpty || pad.domain == "ai.onnx", !outputs.contains(pad.outputs[0]),
              let x = values[pad.inputs[0]], x.constant == nil, x.type == .float32 else { return false }
        let u = users(nodes, pad.outputs[0])
        guard u.count == 1, let y = runtimeQuantize(nodes[u[0]], values),
              let (pads, fill) = constantPads(pad, values, rank: x.shape.count) else { return false }
        let q = nodes[u[0]]
        let byte = QuantScale.quantize(fill, scale: y.scale, zeroPoint: y.zeroPoint, range: quantRange(y.type))
        let quantized = pad.outputs[0] + "/quantized", padsName = pad.name + "/byte_pads"
        values[quantized] = ValueInfo(shape: x.shape, type: y.type)
        values[padsName] = ValueInfo(shape: [pads.count], type: .int64,
                                     constant: Tensor(shape: [pads.count], int64s: pads.map { Int64($0) }, elementType: .int64))
        var moved = q
        moved.inputs[0] = pad.inputs[0]
        moved.outputs = [quantized]
        nodes[i] = moved
        nodes[u[0]] = Node(name: pad.name, opType: "QuantizedPad", domain: domain, inputs: [quantized, padsName],
                           outputs: q.outputs, attributes: ["value": .int(Int(byte))])
        return true
    }

    /// A constant-mode Pad's pads (all ≥ 0, 2 × rank) and fill, when they are load-time constants.
    static func constantPads(_ pad: Node, _ values: [String: ValueInfo], rank: Int) -> ([Int], Float)? {
        var pads: [Int]?, fill: Float = 0
        for (k, a) in pad.attributes {
            switch (k, a) {
            case ("mode", .string(let m)) where m == "constant": break
            case ("pads", .ints(let p)): pads = p
            case ("value", .float(let v)): fill = v
            default: return nil
            }
        }
        if pad.inputs.count > 1 {
            guard let p = values[pad.inputs[1]]?.constant else { return nil }
            pads = p.int64s.map { Int($0) }
        }
        if pad.inputs.count > 2, !pad.inputs[2].isEmpty {
            guard let v = values[pad.inputs[2]]?.constant, v.count == 1, v.elementType == .float32 else { return nil }
            fill = v.floats[0]
        }
        guard pad.inputs.count <= 3 || pad.inputs[3].isEmpty, let pads, pads.count == 2 * rank,
              pads.allSatisfy({ $0 >= 0 }), fill.isFinite else { return nil }
        return (pads, fill)
    }

    /// A byte Pad read only by QLinearConvs (as their input), each filling with its input zero point, folds into their
    /// pads (the pose detector's DepthToSpace → Pad feeds two depthwise convolutions).
    static func foldBytePad(_ nodes: inout [Node], at i: Int, _ values: [String: ValueInfo], outputs: Set<String>) -> Bool {
        let conv = nodes[i]
        guard conv.opType == "QLinearConv", conv.inputs.count > 2,
              let p = nodes.firstIndex(where: { $0.opType == "QuantizedPad" && $0.domain == domain && $0.outputs[0] == conv.inputs[0] }),
              !outputs.contains(conv.inputs[0]), case .int(let fill)? = nodes[p].attributes["value"] else { return false }
        var plain = nodes[p]
        plain.attributes = [:]
        var merged: [(Int, Node)] = []
        for r in users(nodes, conv.inputs[0]) {
            let reader = nodes[r]
            guard reader.opType == "QLinearConv", reader.inputs.count > 2, reader.inputs[0] == conv.inputs[0],
                  !reader.inputs.dropFirst().contains(conv.inputs[0]),
                  let zero = values[reader.inputs[2]]?.constant, zero.count == 1, Int(zero.int64s[0]) == fill,
                  let folded = GraphPreparation.foldPad(plain, into: reader, { values[$0]?.constant }, opset: 11) else { return false }
            merged.append((r, folded))
        }
        for (r, folded) in merged { nodes[r] = folded }
        nodes.remove(at: p)
        return true
    }

    /// Add(DequantizeLinear(a), DequantizeLinear(b)) [→ Relu/Clip] → QuantizeLinear, all per tensor, operands shaped
    /// like the result: the QuantizedAdd node that replaces the Add, and the indices of the nodes it absorbs.
    static func addIsland(_ nodes: [Node], at i: Int, _ values: [String: ValueInfo], outputs: Set<String>, opset: Int) -> (Node, [Int])? {
        let add = nodes[i]
        guard add.opType == "Add", add.domain.isEmpty || add.domain == "ai.onnx", add.inputs.count == 2,
              let shape = values[add.outputs[0]]?.shape else { return nil }
        let operands = add.inputs.compactMap { name -> (input: String, scale: Float, zeroPoint: Int32, type: ElementType)? in
            guard values[name]?.shape == shape, let p = nodes.firstIndex(where: { $0.outputs.first == name }) else { return nil }
            return runtimeDequantize(nodes[p], values)
        }
        guard operands.count == 2 else { return nil }
        guard let (absorbed, activation) = chainToQuantize(nodes, from: add.outputs[0], values, outputs: outputs,
                                                           opset: opset) else { return nil }
        guard let y = runtimeQuantize(nodes[absorbed.last!], values),
              let clamp = quantizedClamp(activation, scale: y.scale, zeroPoint: y.zeroPoint, type: y.type) else { return nil }
        let (a, b) = (operands[0], operands[1])
        let node = Node(name: add.name, opType: "QuantizedAdd", domain: domain, inputs: [a.input, b.input],
                        outputs: nodes[absorbed.last!].outputs,
                        attributes: ["a_scale": .float(a.scale), "a_zero_point": .int(Int(a.zeroPoint)),
                                     "b_scale": .float(b.scale), "b_zero_point": .int(Int(b.zeroPoint)),
                                     "y_scale": .float(y.scale), "y_zero_point": .int(Int(y.zeroPoint)),
                                     "y_signed": .int(y.type == .int8 ? 1 : 0),
                                     "lo": .int(Int(clamp.lowerBound)), "hi": .int(Int(clamp.upperBound))])
        return (node, absorbed)
    }
}

/// A constant-mode Pad of uint8/int8 bytes (written by `QuantizedGraph.quantizeBeforePad`): inputs the bytes and
/// the pads (2 × rank, ≥ 0); attribute `value`, the fill byte as stored.
///
/// Thread safety: see `Kernel`.
final class QuantizedPadKernel: IntegerKernel {
    let outputInfos: [ValueInfo]
    let inShape: [Int], outShape: [Int], begin: [Int]
    let fill: UInt8

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        guard x.type == .uint8 || x.type == .int8 else { throw ctx.invalid("byte Pad of \(x.type.rawValue)") }
        let pads = try ctx.constant(1, "pads").int64s.map { Int($0) }
        let r = x.shape.count
        guard r >= 1, pads.count == 2 * r, pads.allSatisfy({ $0 >= 0 }) else { throw ctx.invalid("pads \(pads) for rank \(r)") }
        fill = UInt8(truncatingIfNeeded: try ctx.int("value", 0))
        inShape = x.shape
        begin = Array(pads[..<r])
        outShape = (0..<r).map { x.shape[$0] + pads[$0] + pads[r + $0] }
        outputInfos = [ValueInfo(shape: outShape, type: x.type)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let r = inShape.count, n = outShape[r - 1], width = inShape[r - 1], lead = begin[r - 1]
        let rows = outShape.reduce(1, *) / max(n, 1)
        guard rows > 0, n > 0 else { return }
        let src = UnsafeRawPointer(x[0]).assumingMemoryBound(to: UInt8.self)
        let dst = UnsafeMutableRawPointer(y[0]).assumingMemoryBound(to: UInt8.self)
        let inShape = self.inShape, outShape = self.outShape, begin = self.begin, fill = self.fill
        ctx.parallel(rows, minimumPerChunk: max(16, 16_384 / n)) { range in
            for row in range {
                // The output row's coordinates before the last axis, and its source row (nil: all fill).
                var rem = row, source = 0, step = width, inside = true
                for d in stride(from: r - 2, through: 0, by: -1) {
                    let o = rem % outShape[d] - begin[d]
                    rem /= outShape[d]
                    if o < 0 || o >= inShape[d] { inside = false }
                    source += o * step
                    step *= inShape[d]
                }
                let out = dst + row * n
                guard inside else {
                    out.update(repeating: fill, count: n)
                    continue
                }
                out.update(repeating: fill, count: lead)
                (out + lead).update(from: src + source, count: width)
                (out + lead + width).update(repeating: fill, count: n - lead - width)
            }
        }
    }
}

/// Quantised Add of two same-shaped byte tensors (written by `QuantizedGraph.addIsland`): QLinearAdd semantics
/// with an output clamp (a folded Relu/Clip), on the vectorised C kernel `vk_qadd`.
///
/// Thread safety: see `Kernel` (the descriptor is immutable after init).
final class QuantizedAddKernel: IntegerKernel {
    let outputInfos: [ValueInfo]
    let desc: VKQAddDesc
    let count: Int

    init(_ ctx: inout NodeContext) throws {
        let a = try ctx.input(0), b = try ctx.input(1)
        guard [a.type, b.type].allSatisfy({ $0 == .uint8 || $0 == .int8 }), a.shape == b.shape else {
            throw ctx.invalid("quantised Add of \(a.type.rawValue) \(a.shape) and \(b.type.rawValue) \(b.shape)")
        }
        let ys = try ctx.float("y_scale", 1)
        let ySigned = try ctx.int("y_signed", 0)
        var d = VKQAddDesc()
        d.a_signed = a.type == .int8 ? 1 : 0
        d.b_signed = b.type == .int8 ? 1 : 0
        d.y_signed = Int32(ySigned)
        d.a_zero = Int32(try ctx.int("a_zero_point", 0))
        d.b_zero = Int32(try ctx.int("b_zero_point", 0))
        d.y_zero = Int32(try ctx.int("y_zero_point", 0))
        d.a_ratio = try ctx.float("a_scale", 1) / ys
        d.b_ratio = try ctx.float("b_scale", 1) / ys
        d.lo = Int32(try ctx.int("lo", 0))
        d.hi = Int32(try ctx.int("hi", 255))
        guard ys > 0, ys.isFinite, d.a_ratio.isFinite, d.b_ratio.isFinite, d.lo <= d.hi else { throw ctx.invalid("quantised Add scales") }
        desc = d
        count = a.count
        outputInfos = [ValueInfo(shape: a.shape, type: ySigned == 1 ? .int8 : .uint8)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let a = UnsafeRawPointer(x[0]), b = UnsafeRawPointer(x[1]), out = UnsafeMutableRawPointer(y[0])
        withUnsafePointer(to: desc) { d in
            // The pose detector's Adds are 9–75 K bytes, 2–13 µs on one thread: at 64 K a chunk, all but one ran on one.
            ctx.parallel(count, minimumPerChunk: 16_384) { r in
                vk_qadd(d, a + r.lowerBound, b + r.lowerBound, out + r.lowerBound, r.count)
            }
        }
    }
}

extension QuantizedGraph {
    /// Operators that only move elements, which a QuantizeLinear after them commutes with.
    static let movement: Set<String> = [
        "Transpose", "DepthToSpace", "SpaceToDepth", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Slice", "Concat",
    ]

    /// Move → QuantizeLinear, the move's only reader: a QuantizeLinear (same parameters) on each of the move's data
    /// inputs in place of the move, and the move on bytes (`QuantizedMoveKernel`) in place of the QuantizeLinear.
    static func quantizeBeforeMove(_ nodes: inout [Node], at i: Int, _ values: inout [String: ValueInfo], outputs: Set<String>,
                                   opset: Int) -> Bool {
        let m = nodes[i]
        guard movement.contains(m.opType), m.domain.isEmpty || m.domain == "ai.onnx", m.outputs.count == 1,
              !outputs.contains(m.outputs[0]) else { return false }
        let u = users(nodes, m.outputs[0])
        guard u.count == 1, u[0] > i, runtimeQuantize(nodes[u[0]], values) != nil,
              let (kernel, _) = try? GraphPreparation.makeKernel(m, values, opset: opset),
              let move = kernel as? MovementKernel else { return false }
        let data = Set(move.dataInputs)
        for (k, name) in m.inputs.enumerated() where !name.isEmpty {
            guard let v = values[name] else { return false }
            if data.contains(k) { guard v.constant == nil, v.type == .float32 else { return false } }
            else if v.constant == nil { return false }
        }
        let q = nodes[u[0]]
        let type = values[q.outputs[0]]?.type ?? .uint8
        var moved = m
        var quantizers: [Node] = []
        for k in move.dataInputs.sorted() {
            let name = "\(m.outputs[0])/quantized_\(k)"
            values[name] = ValueInfo(shape: values[m.inputs[k]]!.shape, type: type)
            var qk = q
            qk.name = "\(q.name)/\(k)"
            qk.inputs[0] = m.inputs[k]
            qk.outputs = [name]
            quantizers.append(qk)
            moved.inputs[k] = name
        }
        moved.opType = "QuantizedMove"
        moved.domain = domain
        moved.attributes["op"] = .string(m.opType)
        moved.outputs = q.outputs
        nodes[u[0]] = moved
        nodes.replaceSubrange(i...i, with: quantizers)
        return true
    }
}

/// A movement operator (Transpose, DepthToSpace, Reshape, Slice, Concat, …) on uint8/int8 bytes: the operator's own
/// kernel, prepared as for float32, moves one-byte elements (`MovementKernel.move` is generic over the element).
/// Attribute `op`: the operator; the others are its own.
///
/// Thread safety: see `Kernel` (the inner kernel is immutable).
final class QuantizedMoveKernel: IntegerKernel {
    let outputInfos: [ValueInfo]
    let inner: any MovementKernel

    init(_ ctx: inout NodeContext) throws {
        let op = try ctx.string("op", "")
        guard QuantizedGraph.movement.contains(op), let factory = OperatorRegistry.factories[op] else { throw ctx.unsupported("byte move of \(op)") }
        var node = ctx.node
        node.opType = op
        node.domain = ""
        node.attributes["op"] = nil
        let infos = try (0..<ctx.inputCount).map { ctx.hasInput($0) ? try ctx.input($0) : nil }
        guard let type = infos.compactMap({ $0 }).first(where: { $0.constant == nil })?.type, type == .uint8 || type == .int8 else {
            throw ctx.invalid("byte move without a byte input")
        }
        var floatCtx = NodeContext(node: node, opset: ctx.opset, inputs: infos.map { v in
            guard var v, v.constant == nil else { return v }
            guard v.type == type else { return v }
            v.type = .float32
            return v
        })
        guard let kernel = try factory(&floatCtx) as? any MovementKernel else { throw ctx.unsupported("byte move of \(op)") }
        try floatCtx.finish()
        inner = kernel
        outputInfos = kernel.outputInfos.map { ValueInfo(shape: $0.shape, type: type) }
        for key in ctx.node.attributes.keys { ctx.ignore(key) }
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        // A strided copy (Transpose, DepthToSpace) of 32 K bytes or more is split by its outermost axis: the pose
        // detector's DepthToSpaces (75–225 K bytes, 2 bytes per innermost row) ran on one thread.
        if let view = (inner as? StridedMoving)?.view, view.dims.count >= 2, view.count >= 32_768, ctx.threads > 1 {
            let src = UnsafeRawPointer(x[0]).assumingMemoryBound(to: UInt8.self)
            let dst = UnsafeMutableRawPointer(y[0]).assumingMemoryBound(to: UInt8.self)
            ctx.parallel(view.dims[0], minimumPerChunk: max(1, 16_384 / max(1, view.count / view.dims[0]))) { r in
                view.copy(src, dst, outer: r)
            }
            return
        }
        inner.move(x.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: UInt8.self) },
                   y.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: UInt8.self) })
    }
}
