import CInferenceKernels
import Foundation

/// Conv (1-D and 2-D, groups incl. depthwise, strides, dilations, pads, auto_pad, bias) with a fused
/// activation. Weights are constants packed at load time. Paths: depthwise direct kernel; 1×1 stride-1
/// unpadded as one sgemm on the input; otherwise im2col into scratch and sgemm per group.
///
/// Thread safety: see `Kernel`.
final class ConvKernel: Kernel, FlopCounting {
    let outputInfos: [ValueInfo]
    let g: SpatialGeometry
    let batch: Int, inC: Int, outC: Int, groups: Int
    let weights: [Float]
    let bias: [Float]
    let activation: Activation
    /// Input 3, added after the activation, followed by `postActivation` (graph preparation fuses a
    /// residual Add and the activation after it).
    let residual: Bool
    let postActivation: Activation
    let depthwise: Bool
    /// Depthwise through the C kernel (`FastKernels.depthwise`, decided at load).
    let fastDepthwise: Bool
    let pointwise: Bool

    /// Per worker: depthwise, one zero-padded input plane plus slack for eight-wide loads past the end;
    /// otherwise the im2col columns of one output tile.
    var chunkScratchFloats: Int {
        if fastDepthwise {
            var geometry = kernelGeometry
            return outC == inC ? vk_depthwise_channels_scratch_floats(&geometry) : vk_depthwise_scratch_floats(&geometry)
        }
        if depthwise { return paddedH * paddedW + 32 + (splitColumns ? 2 * paddedH * halfW : 0) }
        if implicit { return 0 }
        if packedWeights != nil { return columnsK * packedTileColumns }
        return pointwise ? 0 : columnsK * tileColumns
    }
    /// Fast path (`FastKernels`): the weights of each group packed for the C micro-kernel at load.
    let packedWeights: [Float]?
    /// AVX-512 fast path for implicit-GEMM convolutions (one group) whose output fills 16-lane vectors of
    /// virtual columns badly (7×7 and 6×6 planes, 10×10 with its padding columns): the weights also packed with
    /// the output channels in the vector lanes (`vk_pack_at`), run by `vk_conv_channels` on the same padded
    /// input. Decided at load from the ISA level then in force.
    let channelPackedWeights: [Float]?

    /// Whether the channel-vectorised kernel beats the implicit GEMM: the implicit GEMM computes ⌈v/16⌉·16 virtual
    /// columns (v: the output rows at the padded pitch) × ⌈m/8⌉·8 channels, the channel-vectorised one
    /// ⌈m/32⌉·32 channels × the real pixels with a dearer epilogue (a gather per output channel; counted as 10 %
    /// more). Its inner loop is no faster than the implicit GEMM's, so it pays only where lanes are wasted: the
    /// pose detector's 1×1 layers on 7×7, BlazeFace's on 6×6, YOLOv8n-320's 3×3 on 10×10; not on 40×40.
    static func channelVectorisedPays(m: Int, pixels: Int, virtualColumns: Int) -> Bool {
        let implicitWork = (virtualColumns + 15) / 16 * 16 * ((m + 7) / 8 * 8)
        let channelWork = (m + Int(VK_MT) - 1) / Int(VK_MT) * Int(VK_MT) * pixels
        return 11 * channelWork < 10 * implicitWork
    }

    /// Row-major m×k weights in the channel-vectorised packed form (`vk_pack_at`).
    static func packChannels(_ w: [Float], m: Int, k: Int) -> [Float] {
        var packed = [Float](repeating: 0, count: vk_packed_at_floats(Int32(m), Int32(k)))
        w.withUnsafeBufferPointer { wb in
            packed.withUnsafeMutableBufferPointer { pb in
                vk_pack_at(wb.baseAddress!, Int32(k), Int32(m), Int32(k), pb.baseAddress!)
            }
        }
        return packed
    }

    /// Fast path for stride-1 convolutions: implicit GEMM on a zero-padded copy of the input (rows of
    /// `implicitPitch` floats, `implicitRows` rows per plane), or on the input itself for unpadded 1×1.
    /// Stride 2 (dilation 1): the padded input is split into four planes by row and column parity
    /// (`vk_pad_plane_s2`), so that the taps again read consecutive floats; pitch and rows are then
    /// those of one parity plane.
    var implicit: Bool { packedWeights != nil && ConvKernel.implicitStride(g) != nil }
    var implicitCopies: Bool { implicit && !pointwise }
    var implicitPitch: Int { ConvKernel.implicitLayout(g, pointwise: pointwise).pitch }
    var implicitRows: Int { ConvKernel.implicitLayout(g, pointwise: pointwise).rows }
    /// Floats per input channel in the implicit GEMM's copy (four parity planes for stride 2).
    var implicitChannelFloats: Int { ConvKernel.implicitLayout(g, pointwise: pointwise).channel }

    static func implicitStride(_ g: SpatialGeometry) -> Int? {
        if g.strideH == 1 && g.strideW == 1 { return 1 }
        if g.strideH == 2 && g.strideW == 2 && g.dilationH == 1 && g.dilationW == 1 { return 2 }
        return nil
    }

    static func implicitLayout(_ g: SpatialGeometry, pointwise: Bool) -> (pitch: Int, rows: Int, channel: Int) {
        if pointwise { return (g.inW, g.inH, g.inH * g.inW) }
        if implicitStride(g) == 2 {
            let pitch = max((g.inW + g.padLeft + 1) / 2, g.outW + (g.kW - 1) / 2)
            let rows = max((g.inH + g.padTop + 1) / 2, g.outH + (g.kH - 1) / 2)
            return (pitch, rows, 4 * pitch * rows)
        }
        let pitch = max(g.inW + g.padLeft, g.outW + (g.kW - 1) * g.dilationW)
        let rows = max(g.inH + g.padTop, g.outH + (g.kH - 1) * g.dilationH)
        return (pitch, rows, pitch * rows)
    }
    /// Per tap (c, ky, kx) of one group: its offset in the (padded) input.
    let implicitOffsets: [Int32]
    var scratchFloats: Int { implicitCopies ? inC * implicitChannelFloats : 0 }
    /// Fast path: output pixels per tile, a multiple of the micro-kernel's panel width whose packed
    /// input columns stay within about 192 KiB (L2-resident while the weight panels stream past).
    var packedTileColumns: Int {
        let nr = Int(VK_NR)
        let budget = max(nr, (49_152 / max(columnsK, 1)) / nr * nr)
        let plane = g.outH * g.outW
        return min(budget, (plane + nr - 1) / nr * nr)
    }
    var columnsK: Int { (inC / groups) * g.kH * g.kW }
    /// Output pixels per GEMM tile: the tile's im2col block stays within about 2 MiB (at least 256 pixels).
    var tileColumns: Int { min(g.outH * g.outW, max(256, (524_288 / max(columnsK, 1)) & ~15)) }
    var paddedH: Int { g.inH + g.padTop + g.padBottom }
    /// Stride-2 depthwise: the padded plane is also split into even and odd columns so that every tap
    /// reads eight consecutive floats.
    var splitColumns: Bool { g.strideW == 2 && g.dilationW == 1 }
    var halfW: Int { paddedW / 2 + 16 }
    var paddedW: Int { max(g.inW + g.padLeft + g.padRight, (g.outW + 8) * g.strideW + (g.kW - 1) * g.dilationW) }
    /// The path this convolution takes, for profiles: "depthwise 3x3 s2", "1x1 packed", "3x3 s1 packed"….
    var pathDescription: String {
        let kind = depthwise ? "depthwise " : (groups > 1 ? "group \(groups) " : "")
        let path = depthwise ? (fastDepthwise ? " packed" : "") : channelPackedWeights != nil ? " channels" : (implicit ? " implicit" : packedWeights != nil ? " packed" : (pointwise ? " gemm" : " im2col"))
        return "\(kind)\(g.kH)x\(g.kW) s\(g.strideH)\(path)"
    }
    var flops: Int { 2 * batch * outC * g.outH * g.outW * (inC / groups) * g.kH * g.kW }

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.shape(0)
        try ctx.requireFloat(0)
        let w = try ctx.constant(1, "Conv weights")
        guard x.count == 3 || x.count == 4, w.shape.count == x.count else { throw ctx.unsupported("input rank \(x.count)") }
        groups = try ctx.int("group", 1)
        batch = x[0]; inC = x[1]; outC = w.shape[0]
        guard groups > 0, inC % groups == 0, outC % groups == 0, w.shape[1] == inC / groups else {
            throw ctx.invalid("weights \(w.shape) do not match input \(x) with group \(groups)")
        }
        g = try SpatialGeometry(&ctx, inputShape: x, kernel: Array(w.shape[2...]), allowCeil: false)
        weights = w.floats
        if ctx.hasInput(2) {
            let b = try ctx.constant(2, "Conv bias")
            guard b.count == outC else { throw ctx.invalid("bias has \(b.count) values for \(outC) channels") }
            bias = b.floats
        } else {
            bias = [Float](repeating: 0, count: outC)
        }
        activation = ctx.node.fusedActivation
        residual = ctx.node.fusedResidual
        postActivation = ctx.node.postActivation
        if residual {
            try ctx.requireFloat(3)
            guard try ctx.shape(3) == [batch, outC] + g.outputSpatial else { throw ctx.invalid("residual shape") }
        }
        depthwise = groups == inC && groups > 1
        fastDepthwise = depthwise && FastKernels.depthwise
        pointwise = g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 &&
            g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
        outputInfos = [ValueInfo(shape: [batch, outC] + g.outputSpatial, type: .float32)]
        if FastKernels.available && !depthwise {
            let mg = outC / groups, k = (inC / groups) * g.kH * g.kW
            let per = vk_packed_a_floats(Int32(mg), Int32(k))
            var packed = [Float](repeating: 0, count: max(1, per * groups))
            let groups = self.groups
            w.floats.withUnsafeBufferPointer { wb in
                packed.withUnsafeMutableBufferPointer { pb in
                    for grp in 0..<groups {
                        vk_pack_a(wb.baseAddress! + grp * mg * k, Int32(k), Int32(mg), Int32(k), pb.baseAddress! + grp * per)
                    }
                }
            }
            packedWeights = packed
        } else {
            packedWeights = nil
        }
        let pitch = ConvKernel.implicitLayout(g, pointwise: pointwise).pitch
        let channels = packedWeights != nil && ConvKernel.implicitStride(g) != nil && groups == 1 && vk_isa() >= 2 &&
            ConvKernel.channelVectorisedPays(m: outC, pixels: g.outH * g.outW, virtualColumns: (g.outH - 1) * pitch + g.outW)
        channelPackedWeights = channels ? ConvKernel.packChannels(w.floats, m: outC, k: inC * g.kH * g.kW) : nil
        if packedWeights != nil, let stride = ConvKernel.implicitStride(g) {
            let g = self.g
            let layout = ConvKernel.implicitLayout(g, pointwise: pointwise)
            let pitch = layout.pitch, plane = layout.rows * layout.pitch
            var offsets: [Int32] = []
            for c in 0..<(inC / groups) {
                for ky in 0..<g.kH {
                    for kx in 0..<g.kW {
                        if stride == 1 {
                            offsets.append(Int32(c * layout.channel + ky * g.dilationH * pitch + kx * g.dilationW))
                        } else {
                            let parity = (ky & 1) * 2 + (kx & 1)
                            offsets.append(Int32(c * layout.channel + parity * plane + (ky >> 1) * pitch + (kx >> 1)))
                        }
                    }
                }
            }
            implicitOffsets = offsets
        } else {
            implicitOffsets = []
        }
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let inPlane = g.inH * g.inW, outPlane = g.outH * g.outW
        for n in 0..<batch {
            let xin = x[0] + n * inC * inPlane
            let yout = y[0] + n * outC * outPlane
            let res: UnsafeMutablePointer<Float>? = residual ? x[3] + n * outC * outPlane : nil
            if fastDepthwise {
                runDepthwisePacked(xin, yout, res, ctx)
            } else if depthwise {
                runDepthwise(xin, yout, res, ctx)
            } else if let packedWeights, implicit {
                runImplicit(xin, yout, res, packedWeights, ctx)
            } else if let packedWeights {
                runPacked(xin, yout, res, packedWeights, ctx)
            } else {
                runGEMM(xin, yout, res, ctx)
            }
        }
    }

    /// Bias, activation, residual and post-activation on `count` outputs of one channel.
    @inline(__always)
    private func epilogue(_ row: UnsafeMutablePointer<Float>, _ count: Int, bias bv: Float,
                          residual res: UnsafeMutablePointer<Float>?) {
        if bv != 0 { for i in 0..<count { row[i] += bv } }
        activation.apply(row, count)
        if let res {
            for i in 0..<count { row[i] += res[i] }
            postActivation.apply(row, count)
        }
    }

    /// GEMM path: output pixels in tiles, each worker building the im2col columns of its tile in its
    /// own scratch (pointwise convolutions read the input directly), one sgemm per tile, then bias and
    /// activation while the tile is in cache. Small images with many channels split rows instead.
    private func runGEMM(_ xin: UnsafeMutablePointer<Float>, _ yout: UnsafeMutablePointer<Float>,
                         _ res: UnsafeMutablePointer<Float>?, _ ctx: ExecutionContext) {
        let inPlane = g.inH * g.inW, outPlane = g.outH * g.outW
        let cg = inC / groups, mg = outC / groups
        let k = columnsK
        let pointwise = self.pointwise
        let tileN = pointwise ? max(256, outPlane / (4 * ctx.threads)) : tileColumns
        let columnTiles = (outPlane + tileN - 1) / tileN
        let rowTiles = columnTiles < ctx.threads && mg >= 32 ? min(2 * ctx.threads, mg / 16) : 1
        weights.withUnsafeBufferPointer { wb in
            bias.withUnsafeBufferPointer { bb in
                for grp in 0..<groups {
                    let src = xin + grp * cg * inPlane
                    let w = wb.baseAddress! + grp * mg * k
                    let out = yout + grp * mg * outPlane
                    let b = bb.baseAddress! + grp * mg
                    ctx.parallelChunks(columnTiles * rowTiles, chunks: columnTiles * rowTiles) { worker, range in
                        for t in range {
                            let ct = t % columnTiles, rt = t / columnTiles
                            let c0 = ct * tileN, c1 = min(outPlane, c0 + tileN)
                            let r0 = mg * rt / rowTiles, r1 = mg * (rt + 1) / rowTiles
                            if c1 <= c0 || r1 <= r0 { continue }
                            let cols: UnsafeMutablePointer<Float>, ldb: Int
                            if pointwise {
                                cols = src + c0
                                ldb = outPlane
                            } else {
                                cols = ctx.chunkScratch(worker)
                                ldb = c1 - c0
                                // Row tiles of one column tile share its columns: rebuild per tile (rare path).
                                im2col(src, cols, channels: cg, pixels: c0..<c1)
                            }
                            BLAS.shared.sgemm(m: r1 - r0, n: c1 - c0, k: k, a: w + r0 * k, lda: k, b: cols, ldb: ldb,
                                              c: out + r0 * outPlane + c0, ldc: outPlane)
                            for r in r0..<r1 {
                                let off = (grp * mg + r) * outPlane + c0
                                epilogue(yout + off, c1 - c0, bias: b[r], residual: res.map { $0 + off })
                            }
                        }
                    }
                }
            }
        }
    }

    /// The geometry of one group for the C kernels.
    var kernelGeometry: VKConvGeometry {
        VKConvGeometry(channels: Int32(inC / groups), in_h: Int32(g.inH), in_w: Int32(g.inW), out_h: Int32(g.outH),
                       out_w: Int32(g.outW), k_h: Int32(g.kH), k_w: Int32(g.kW),
                       stride_h: Int32(g.strideH), stride_w: Int32(g.strideW),
                       dilation_h: Int32(g.dilationH), dilation_w: Int32(g.dilationW),
                       pad_top: Int32(g.padTop), pad_left: Int32(g.padLeft))
    }

    /// Fast path for depthwise convolutions: one C call per channel (zero-padded plane in chunk
    /// scratch, 32 outputs per step in registers, epilogue fused), or with multiplier 1 one call per block
    /// of 16 channels (`vk_depthwise_channels`, which puts the channels of small planes in the vector lanes).
    private func runDepthwisePacked(_ xin: UnsafeMutablePointer<Float>, _ yout: UnsafeMutablePointer<Float>,
                                    _ res: UnsafeMutablePointer<Float>?, _ ctx: ExecutionContext) {
        let inPlane = g.inH * g.inW, outPlane = g.outH * g.outW
        let multiplier = outC / inC
        let work = outC * outPlane * g.kH * g.kW
        var geometry = kernelGeometry
        let act = activation.kernelForm, post = postActivation.kernelForm
        weights.withUnsafeBufferPointer { wb in
            bias.withUnsafeBufferPointer { bb in
                withUnsafePointer(to: &geometry) { geo in
                    let minimum = max(1, outC * (ExecutionContext.minimumParallelMACs / 4) / max(work, 1))
                    if multiplier == 1 {
                        let blocks = (outC + 15) / 16
                        let x = UnsafePointer(xin), w = wb.baseAddress!, b = bb.baseAddress!
                        ctx.parallelChunks(blocks, minimumPerChunk: max(1, minimum / 16), chunks: ExecutionContext.chunksPerThread * ctx.threads) { worker, range in
                            let c0 = range.lowerBound * 16, c1 = min(outC, range.upperBound * 16)
                            let r: UnsafePointer<Float>? = res.map { UnsafePointer($0 + c0 * outPlane) }
                            vk_depthwise_channels(x + c0 * inPlane, w + c0 * g.kH * g.kW, b + c0, yout + c0 * outPlane, r,
                                                  act, post, geo, Int32(c1 - c0), ctx.chunkScratch(worker))
                        }
                        return
                    }
                    ctx.parallelChunks(outC, minimumPerChunk: minimum, chunks: ExecutionContext.chunksPerThread * ctx.threads) { worker, range in
                        let scratch = ctx.chunkScratch(worker)
                        for oc in range {
                            let r: UnsafePointer<Float>? = res.map { UnsafePointer($0 + oc * outPlane) }
                            vk_depthwise(xin + (oc / multiplier) * inPlane, wb.baseAddress! + oc * g.kH * g.kW, bb[oc],
                                         yout + oc * outPlane, r, act, post, geo, scratch)
                        }
                    }
                }
            }
        }
    }

    /// Fast path for stride 1: pad the input planes once into scratch (not for unpadded 1×1), then
    /// every worker runs the implicit GEMM on its share of the virtual output columns.
    private func runImplicit(_ xin: UnsafeMutablePointer<Float>, _ yout: UnsafeMutablePointer<Float>,
                             _ res: UnsafeMutablePointer<Float>?, _ packed: [Float], _ ctx: ExecutionContext) {
        let g = self.g
        let inPlane = g.inH * g.inW, outPlane = g.outH * g.outW
        let cg = inC / groups, mg = outC / groups
        let k = columnsK
        let layout = ConvKernel.implicitLayout(g, pointwise: pointwise)
        let pitch = layout.pitch, rows = layout.rows, channel = layout.channel
        let src: UnsafeMutablePointer<Float>
        if implicitCopies {
            src = ctx.scratch
            let minimum = max(1, 65_536 / max(channel, 1))
            let split = g.strideW == 2
            ctx.parallel(inC, minimumPerChunk: minimum) { range in
                for c in range {
                    if split {
                        vk_pad_plane_s2(xin + c * inPlane, Int32(g.inH), Int32(g.inW), Int32(g.padTop), Int32(g.padLeft),
                                        Int32(rows), Int32(pitch), src + c * channel)
                    } else {
                        vk_pad_plane(xin + c * inPlane, Int32(g.inH), Int32(g.inW), Int32(g.padTop), Int32(g.padLeft),
                                     Int32(rows), Int32(pitch), src + c * channel)
                    }
                }
            }
        } else {
            src = xin
        }
        if let channelPackedWeights {
            runChannels(src, yout, res, channelPackedWeights, pitch: pitch, ctx)
            return
        }
        let virtual = (g.outH - 1) * pitch + g.outW
        let nr = Int(VK_NR)
        let panels = (virtual + nr - 1) / nr
        // Small convolutions run on one worker: waking another costs more than it saves.
        let macs = mg * k * virtual
        let tiles = macs < ExecutionContext.minimumParallelMACs ? 1 : min(ExecutionContext.chunksPerThread * ctx.threads, panels)
        let perGroup = vk_packed_a_floats(Int32(mg), Int32(k))
        let act = activation.kernelForm, post = postActivation.kernelForm
        packed.withUnsafeBufferPointer { pw in
            bias.withUnsafeBufferPointer { bb in
                implicitOffsets.withUnsafeBufferPointer { ob in
                    for grp in 0..<groups {
                        let s = src + grp * cg * (implicitCopies ? channel : inPlane)
                        let a = pw.baseAddress! + grp * perGroup
                        let out = yout + grp * mg * outPlane
                        let r: UnsafePointer<Float>? = res.map { UnsafePointer($0 + grp * mg * outPlane) }
                        ctx.parallel(tiles, chunks: tiles) { range in
                            for t in range {
                                let v0 = panels * t / tiles * nr, v1 = min(virtual, panels * (t + 1) / tiles * nr)
                                if v1 <= v0 { continue }
                                var ep = VKEpilogue(bias: bb.baseAddress! + grp * mg, activation: act, residual: r, post: post)
                                vk_conv_implicit(Int32(mg), Int32(k), a, ob.baseAddress!, s, Int32(pitch), Int32(g.outW),
                                                 v0, v1, out, outPlane, &ep)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Channel-vectorised implicit GEMM (`channelPackedWeights`) on the (padded) input: workers take ranges of
    /// 32-channel panels.
    private func runChannels(_ src: UnsafeMutablePointer<Float>, _ yout: UnsafeMutablePointer<Float>,
                             _ res: UnsafeMutablePointer<Float>?, _ packed: [Float], pitch: Int, _ ctx: ExecutionContext) {
        let m = outC, k = columnsK, outPlane = g.outH * g.outW
        let panels = (m + Int(VK_MT) - 1) / Int(VK_MT)
        let tiles = m * k * outPlane < ExecutionContext.minimumParallelMACs ? 1 : min(ExecutionContext.chunksPerThread * ctx.threads, panels)
        let act = activation.kernelForm, post = postActivation.kernelForm
        let (outH, outW) = (g.outH, g.outW)
        packed.withUnsafeBufferPointer { pw in
            bias.withUnsafeBufferPointer { bb in
                implicitOffsets.withUnsafeBufferPointer { ob in
                    ctx.parallel(tiles, chunks: tiles) { range in
                        for t in range {
                            let p0 = panels * t / tiles, p1 = panels * (t + 1) / tiles
                            if p1 <= p0 { continue }
                            var ep = VKEpilogue(bias: bb.baseAddress!, activation: act, residual: res.map { UnsafePointer($0) }, post: post)
                            vk_conv_channels(Int32(m), Int32(k), pw.baseAddress!, ob.baseAddress!, src, Int32(pitch), Int32(outH),
                                             Int32(outW), Int32(p0), Int32(p1), yout, outPlane, &ep)
                        }
                    }
                }
            }
        }
    }

    /// Fast path: output pixels in tiles (at least one per worker when the image allows), each
    /// worker packing its tile's input columns into its chunk scratch (im2col straight into the
    /// micro-kernel's panel layout; pointwise convolutions copy rows), then one packed GEMM whose
    /// epilogue adds bias, activation, residual and post-activation before the stores.
    private func runPacked(_ xin: UnsafeMutablePointer<Float>, _ yout: UnsafeMutablePointer<Float>,
                           _ res: UnsafeMutablePointer<Float>?, _ packed: [Float], _ ctx: ExecutionContext) {
        let inPlane = g.inH * g.inW, outPlane = g.outH * g.outW
        let cg = inC / groups, mg = outC / groups
        let k = columnsK
        let nr = Int(VK_NR)
        let tileLimit = packedTileColumns
        // Enough tiles for every worker, balanced, each a whole number of panels.
        let panels = (outPlane + nr - 1) / nr
        var tiles = max((outPlane + tileLimit - 1) / tileLimit, min(ctx.threads, panels))
        if tiles > 1 && tiles < panels { tiles = min(panels, (tiles + ctx.threads - 1) / ctx.threads * ctx.threads) }
        let tileN = ((panels + tiles - 1) / tiles) * nr
        let tileCount = (outPlane + tileN - 1) / tileN
        let perGroup = vk_packed_a_floats(Int32(mg), Int32(k))
        var geometry = kernelGeometry
        let pointwise = self.pointwise
        let act = activation.kernelForm, post = postActivation.kernelForm
        packed.withUnsafeBufferPointer { pw in
            bias.withUnsafeBufferPointer { bb in
                withUnsafePointer(to: &geometry) { geo in
                    for grp in 0..<groups {
                        let src = xin + grp * cg * inPlane
                        let a = pw.baseAddress! + grp * perGroup
                        let out = yout + grp * mg * outPlane
                        let b = bb.baseAddress! + grp * mg
                        let r = res.map { $0 + grp * mg * outPlane }
                        let single = mg * k * outPlane < ExecutionContext.minimumParallelMACs
                        ctx.parallelChunks(tileCount, minimumPerChunk: single ? tileCount : 1, chunks: tileCount) { worker, range in
                            let cols = ctx.chunkScratch(worker)
                            for t in range {
                                let c0 = t * tileN, c1 = min(outPlane, c0 + tileN)
                                if pointwise {
                                    vk_pack_b(src + c0, outPlane, Int32(k), Int32(c1 - c0), cols)
                                } else {
                                    vk_im2col_pack(src, geo, Int32(c0), Int32(c1), cols)
                                }
                                var ep = VKEpilogue(bias: b, activation: act, residual: r.map { UnsafePointer($0 + c0) },
                                                    post: post)
                                vk_gemm_packed(Int32(mg), Int32(c1 - c0), Int32(k), a, cols, out + c0, outPlane, &ep)
                            }
                        }
                    }
                }
            }
        }
    }

    /// im2col of the output pixels `pixels` (row-major over the output image): row r = (c, ky, kx)
    /// of the result holds, per pixel, the input value its tap reads (0 in the padding).
    private func im2col(_ src: UnsafeMutablePointer<Float>, _ cols: UnsafeMutablePointer<Float>, channels: Int,
                        pixels: Range<Int>) {
        let g = self.g
        let n = pixels.count
        var r = 0
        for c in 0..<channels {
            let plane = src + c * g.inH * g.inW
            for ky in 0..<g.kH {
                for kx in 0..<g.kW {
                    let dst = cols + r * n
                    r += 1
                    let valid = g.validColumns(kx: kx)
                    let xoff = kx * g.dilationW - g.padLeft
                    var p = pixels.lowerBound
                    while p < pixels.upperBound {
                        let oy = p / g.outW, ox0 = p % g.outW
                        let ox1 = min(g.outW, ox0 + (pixels.upperBound - p))
                        let d = dst + (p - pixels.lowerBound) - ox0
                        let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                        if iy < 0 || iy >= g.inH {
                            (d + ox0).update(repeating: 0, count: ox1 - ox0)
                        } else {
                            let lo = max(ox0, valid.lowerBound), hi = min(ox1, valid.upperBound)
                            if lo >= hi {
                                (d + ox0).update(repeating: 0, count: ox1 - ox0)
                            } else {
                                if lo > ox0 { (d + ox0).update(repeating: 0, count: lo - ox0) }
                                if hi < ox1 { (d + hi).update(repeating: 0, count: ox1 - hi) }
                                let srow = plane + iy * g.inW + xoff
                                if g.strideW == 1 {
                                    (d + lo).update(from: srow + lo, count: hi - lo)
                                } else {
                                    let s = g.strideW
                                    for ox in lo..<hi { d[ox] = srow[ox * s] }
                                }
                            }
                        }
                        p += ox1 - ox0
                    }
                }
            }
        }
    }

    /// Depthwise: each channel's plane is copied into zero-padded chunk scratch, then every output row
    /// is computed in registers, eight columns at a time for stride 1 (loads may run into the padding
    /// slack; extra lanes are not stored).
    private func runDepthwise(_ xin: UnsafeMutablePointer<Float>, _ yout: UnsafeMutablePointer<Float>,
                              _ res: UnsafeMutablePointer<Float>?, _ ctx: ExecutionContext) {
        let g = self.g
        let inPlane = g.inH * g.inW, outPlane = g.outH * g.outW
        let multiplier = outC / inC
        let kk = g.kH * g.kW
        let ph = paddedH, pw = paddedW
        let split = splitColumns, hw = halfW
        let work = outC * outPlane * kk
        weights.withUnsafeBufferPointer { wb in
            bias.withUnsafeBufferPointer { bb in
                ctx.parallelChunks(outC, minimumPerChunk: max(1, outC * 16384 / max(work, 1))) { chunk, range in
                    let padded = ctx.chunkScratch(chunk)
                    padded.update(repeating: 0, count: ph * pw + 32)
                    let even = padded + ph * pw + 32, odd = even + ph * hw
                    if split { even.update(repeating: 0, count: 2 * ph * hw) }
                    var lastChannel = -1
                    for oc in range {
                        let ic = oc / multiplier
                        if ic != lastChannel {
                            let plane = xin + ic * inPlane
                            for y in 0..<g.inH {
                                (padded + (y + g.padTop) * pw + g.padLeft).update(from: plane + y * g.inW, count: g.inW)
                            }
                            lastChannel = ic
                            if split {
                                for y in 0..<ph {
                                    let src = padded + y * pw, e = even + y * hw, o = odd + y * hw
                                    for j in 0..<(pw / 2) {
                                        e[j] = src[2 * j]
                                        o[j] = src[2 * j + 1]
                                    }
                                }
                            }
                        }
                        let out = yout + oc * outPlane
                        let w = wb.baseAddress! + oc * kk
                        let b = bb[oc]
                        Self.depthwisePlane(out: out, padded: padded, even: even, odd: odd, w: w, b: b, g: g, pw: pw, hw: hw,
                                            split: split)
                        epilogue(out, outPlane, bias: 0, residual: res.map { $0 + oc * outPlane })
                    }
                }
            }
        }
    }

    /// One output plane of the portable depthwise path from the zero-padded input plane (`padded`, rows of `pw`)
    /// and, for stride 2, its even and odd columns (`even`/`odd`, rows of `hw`).
    @inline(__always)
    private static func depthwisePlane(out: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>,
                                       even: UnsafeMutablePointer<Float>, odd: UnsafeMutablePointer<Float>,
                                       w: UnsafePointer<Float>, b: Float, g: SpatialGeometry, pw: Int, hw: Int,
                                       split: Bool) {
        for oy in 0..<g.outH {
            let orow = out + oy * g.outW
            let top = padded + oy * g.strideH * pw
            if g.strideW == 1 {
                depthwiseRowStride1(orow, top: top, w: w, b: b, g: g, pw: pw)
            } else if split {
                depthwiseRowSplit(orow, evenTop: even + oy * g.strideH * hw, oddTop: odd + oy * g.strideH * hw,
                                  w: w, b: b, g: g, hw: hw)
            } else {
                depthwiseRowGeneric(orow, top: top, w: w, b: b, g: g, pw: pw)
            }
        }
    }

    /// Stride 1: eight columns per vector, four accumulators (loads may run into the padding slack).
    @inline(__always)
    private static func depthwiseRowStride1(_ orow: UnsafeMutablePointer<Float>, top: UnsafeMutablePointer<Float>,
                                            w: UnsafePointer<Float>, b: Float, g: SpatialGeometry, pw: Int) {
        var ox = 0
        // 3×3: taps unrolled, four accumulators (32 columns).
        if g.kW == 3 && g.dilationW == 1 {
            while ox + 32 <= g.outW {
                var a0 = SIMD8<Float>(repeating: b), a1 = a0, a2 = a0, a3 = a0
                for ky in 0..<g.kH {
                    let p = UnsafeRawPointer(top + ky * g.dilationH * pw + ox)
                    let wrow = w + ky * 3
                    let w0 = SIMD8<Float>(repeating: wrow[0]), w1 = SIMD8<Float>(repeating: wrow[1])
                    let w2 = SIMD8<Float>(repeating: wrow[2])
                    @inline(__always) func tap(_ off: Int) -> SIMD8<Float> {
                        p.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self) * w0
                            + p.loadUnaligned(fromByteOffset: off + 4, as: SIMD8<Float>.self) * w1
                            + p.loadUnaligned(fromByteOffset: off + 8, as: SIMD8<Float>.self) * w2
                    }
                    a0 += tap(0)
                    a1 += tap(32)
                    a2 += tap(64)
                    a3 += tap(96)
                }
                storeThirtyTwo(a0, a1, a2, a3, orow + ox)
                ox += 32
            }
        }
        // Four independent accumulators (32 columns) hide the add latency.
        while ox + 32 <= g.outW {
            var a0 = SIMD8<Float>(repeating: b), a1 = a0, a2 = a0, a3 = a0
            for ky in 0..<g.kH {
                let row = top + ky * g.dilationH * pw + ox
                let wrow = w + ky * g.kW
                for kx in 0..<g.kW {
                    let p = UnsafeRawPointer(row + kx * g.dilationW)
                    let wv = SIMD8<Float>(repeating: wrow[kx])
                    a0 = p.loadUnaligned(as: SIMD8<Float>.self) * wv + a0
                    a1 = p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) * wv + a1
                    a2 = p.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self) * wv + a2
                    a3 = p.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self) * wv + a3
                }
            }
            storeThirtyTwo(a0, a1, a2, a3, orow + ox)
            ox += 32
        }
        while ox < g.outW {
            var acc = SIMD8<Float>(repeating: b)
            for ky in 0..<g.kH {
                let row = top + ky * g.dilationH * pw + ox
                let wrow = w + ky * g.kW
                for kx in 0..<g.kW {
                    let v = UnsafeRawPointer(row + kx * g.dilationW).loadUnaligned(as: SIMD8<Float>.self)
                    acc = v * wrow[kx] + acc
                }
            }
            storeEight(acc, orow + ox, count: g.outW - ox)
            ox += 8
        }
    }

    /// Stride 2 (dilation 1 across): from the plane's even and odd columns, eight outputs per vector.
    @inline(__always)
    private static func depthwiseRowSplit(_ orow: UnsafeMutablePointer<Float>, evenTop: UnsafeMutablePointer<Float>,
                                          oddTop: UnsafeMutablePointer<Float>, w: UnsafePointer<Float>, b: Float,
                                          g: SpatialGeometry, hw: Int) {
        var ox = 0
        while ox < g.outW {
            var acc = SIMD8<Float>(repeating: b)
            for ky in 0..<g.kH {
                let rowOffset = ky * g.dilationH * hw + ox
                let wrow = w + ky * g.kW
                for kx in 0..<g.kW {
                    let src = ((kx & 1) == 0 ? evenTop : oddTop) + rowOffset + kx / 2
                    acc = UnsafeRawPointer(src).loadUnaligned(as: SIMD8<Float>.self) * wrow[kx] + acc
                }
            }
            storeEight(acc, orow + ox, count: g.outW - ox)
            ox += 8
        }
    }

    /// Four vectors (32 columns) at p, back to back.
    @inline(__always)
    private static func storeThirtyTwo(_ a0: SIMD8<Float>, _ a1: SIMD8<Float>, _ a2: SIMD8<Float>, _ a3: SIMD8<Float>,
                                       _ p: UnsafeMutablePointer<Float>) {
        let o = UnsafeMutableRawPointer(p)
        o.storeBytes(of: a0, as: SIMD8<Float>.self)
        o.storeBytes(of: a1, toByteOffset: 32, as: SIMD8<Float>.self)
        o.storeBytes(of: a2, toByteOffset: 64, as: SIMD8<Float>.self)
        o.storeBytes(of: a3, toByteOffset: 96, as: SIMD8<Float>.self)
    }

    /// The first min(8, count) lanes of v at p (a whole vector when they all fit).
    @inline(__always)
    private static func storeEight(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, count: Int) {
        if count >= 8 {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
        } else {
            for j in 0..<count { p[j] = v[j] }
        }
    }

    /// Any other geometry, one output at a time.
    @inline(__always)
    private static func depthwiseRowGeneric(_ orow: UnsafeMutablePointer<Float>, top: UnsafeMutablePointer<Float>,
                                            w: UnsafePointer<Float>, b: Float, g: SpatialGeometry, pw: Int) {
        for ox in 0..<g.outW {
            var acc = b
            let base = top + ox * g.strideW
            for ky in 0..<g.kH {
                let row = base + ky * g.dilationH * pw
                let wrow = w + ky * g.kW
                for kx in 0..<g.kW { acc += row[kx * g.dilationW] * wrow[kx] }
            }
            orow[ox] = acc
        }
    }
}
