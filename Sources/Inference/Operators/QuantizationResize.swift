import CInferenceKernels

/// Resize → QuantizeLinear in one pass (`QuantizedGraph.resizeIsland`): the float interpolation of `ResizeKernel`
/// (its tables, and the arithmetic of its `resizePlane` repeated in C by `vk_qresize_run`), plane by plane into the
/// chunk's scratch, each plane quantised as QuantizeLinear does (`vk_quantize_f32`) before the next, so the float
/// tensor is never written; and when the Resize reads a DequantizeLookup (a DequantizeLinear and its element-wise chain
/// as a 256-float table), it reads that node's bytes through the table instead of the float tensor. The arithmetic is
/// the float path's, in the same order: the same bytes as DequantizeLookup → Resize → QuantizeLinear.

extension QuantizedGraph {
    /// `nodes[i]`, a Resize whose only reader is a per-tensor QuantizeLinear, becomes a QuantizedResize in place of
    /// both: inputs the Resize's (its data input replaced by the DequantizeLookup's bytes, then the table as input 4,
    /// when it reads one), attributes the Resize's and the output's `y_scale`, `y_zero_point`, `y_signed`.
    static func resizeIsland(_ nodes: inout [Node], at i: Int, _ values: [String: ValueInfo], outputs: Set<String>,
                             opset: Int) -> Bool {
        let resize = nodes[i]
        guard resize.opType == "Resize", resize.domain.isEmpty || resize.domain == "ai.onnx", opset >= 11,
              resize.outputs.count == 1, !outputs.contains(resize.outputs[0]), values[resize.inputs[0]]?.type == .float32
        else { return false }
        let u = users(nodes, resize.outputs[0])
        guard u.count == 1, let y = runtimeQuantize(nodes[u[0]], values) else { return false }
        var node = resize
        node.domain = domain
        node.opType = "QuantizedResize"
        node.outputs = nodes[u[0]].outputs
        node.attributes["y_scale"] = .float(y.scale)
        node.attributes["y_zero_point"] = .int(Int(y.zeroPoint))
        node.attributes["y_signed"] = .int(y.type == .int8 ? 1 : 0)
        if let p = nodes.firstIndex(where: { $0.outputs.first == resize.inputs[0] }),
           nodes[p].opType == "DequantizeLookup", nodes[p].domain == domain {
            node.inputs[0] = nodes[p].inputs[0]
            node.inputs += [String](repeating: "", count: max(0, 4 - node.inputs.count)) + [nodes[p].inputs[1]]
        }
        nodes[i] = node
        nodes.remove(at: u[0])
        return true
    }
}

/// Resize (opset 11+, any mode `ResizeKernel` takes) of float32 values, or of bytes through a 256-float table
/// (input 4), quantised per tensor to uint8/int8 (attributes `y_scale`, `y_zero_point`, `y_signed`): `ResizeKernel`'s
/// tables, run by the C kernel `vk_qresize_run` (QResize.c: its arithmetic in the same order, then
/// `vk_quantize_f32`), plane by plane in each chunk's scratch.
///
/// Thread safety: see `Kernel` (the prepared C kernel is immutable).
final class QuantizedResizeKernel: IntegerKernel {
    let outputInfos: [ValueInfo]
    /// The Resize as prepared for float32: geometry and the per-row/column sources and weights.
    let inner: ResizeKernel
    private let handle: OpaquePointer

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        let scale = try ctx.float("y_scale", 1)
        let zeroPoint = try ctx.int("y_zero_point", 0)
        let signed = try ctx.int("y_signed", 0) == 1
        guard scale > 0, scale.isFinite else { throw ctx.invalid("y_scale \(scale)") }
        guard (signed ? -128...127 : 0...255).contains(zeroPoint) else { throw ctx.invalid("y_zero_point \(zeroPoint)") }
        var table: [Float]?
        if ctx.hasInput(4) {
            let t = try ctx.constant(4, "dequantize table")
            guard x.type == .uint8 || x.type == .int8, t.count == 256, t.elementType == .float32 else {
                throw ctx.invalid("resize of \(x.type.rawValue) through a table of \(t.count)")
            }
            table = t.floats
        } else {
            guard x.type == .float32 else { throw ctx.invalid("resize of \(x.type.rawValue) without a table") }
        }
        var node = ctx.node
        node.opType = "Resize"
        node.domain = ""
        node.inputs = Array(node.inputs.prefix(4))
        for key in ["y_scale", "y_zero_point", "y_signed"] { node.attributes[key] = nil }
        var infos = try (0..<min(4, ctx.inputCount)).map { ctx.hasInput($0) ? try ctx.input($0) : nil }
        infos[0]?.type = .float32
        var floatCtx = NodeContext(node: node, opset: ctx.opset, inputs: infos)
        let k = try ResizeKernel(&floatCtx)
        try floatCtx.finish()
        for key in ctx.node.attributes.keys { ctx.ignore(key) }
        inner = k
        outputInfos = [ValueInfo(shape: k.outputInfos[0].shape, type: signed ? .int8 : .uint8)]
        let x0 = k.xs.map { Int32($0.0) }, x1 = k.xs.map { Int32($0.1) }, wx = k.xs.map(\.2)
        let y0 = k.ys.map { Int32($0.0) }, y1 = k.ys.map { Int32($0.1) }, wy = k.ys.map(\.2)
        var made: OpaquePointer?
        x0.withUnsafeBufferPointer { x0 in x1.withUnsafeBufferPointer { x1 in wx.withUnsafeBufferPointer { wx in
            y0.withUnsafeBufferPointer { y0 in y1.withUnsafeBufferPointer { y1 in wy.withUnsafeBufferPointer { wy in
                (table ?? []).withUnsafeBufferPointer { t in
                    var d = VKQResizeDesc(in_h: Int32(k.inH), in_w: Int32(k.inW), out_h: Int32(k.outH), out_w: Int32(k.outW),
                                          linear: k.linear ? 1 : 0, x0: x0.baseAddress, x1: x1.baseAddress, wx: wx.baseAddress,
                                          y0: y0.baseAddress, y1: y1.baseAddress, wy: wy.baseAddress,
                                          table: table == nil ? nil : t.baseAddress, scale: scale,
                                          zero_point: Int32(zeroPoint), is_signed: signed ? 1 : 0)
                    made = vk_qresize_create(&d)
                }
            } } }
        } } }
        guard let made else { throw ctx.invalid("out of memory preparing a quantised resize") }
        handle = made
    }

    deinit { vk_qresize_destroy(handle) }

    /// Per chunk: the input plane as floats (when read through the table), the horizontally interpolated input rows
    /// (linear) and the output plane before quantisation.
    var chunkScratchFloats: Int { vk_qresize_scratch(handle) }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let handle = self.handle, outPlane = inner.outH * inner.outW
        let src = UnsafeRawPointer(x[0]), dst = UnsafeMutableRawPointer(y[0])
        // Chunks of at least 16 K outputs, four per thread (planes of 7×7 to 28×28 are 1–10 µs each).
        ctx.parallelChunks(inner.planes, minimumPerChunk: max(1, 16_384 / max(outPlane, 1)), chunks: 4 * ctx.threads) { worker, range in
            vk_qresize_run(handle, src, dst, range.lowerBound, range.upperBound, ctx.chunkScratch(worker))
        }
    }
}
