import CInferenceKernels

/// MaxPool and AveragePool (1-D/2-D; pads, auto_pad, ceil_mode, dilations for MaxPool,
/// count_include_pad for AveragePool).
///
/// Thread safety: see `Kernel`.
final class PoolKernel: Kernel {
    let outputInfos: [ValueInfo]
    let g: SpatialGeometry
    let isMax: Bool
    let countIncludePad: Bool
    let planes: Int

    init(_ ctx: inout NodeContext, max isMax: Bool) throws {
        let x = try ctx.shape(0)
        try ctx.requireFloat(0)
        self.isMax = isMax
        guard x.count == 3 || x.count == 4 else { throw ctx.unsupported("input rank \(x.count)") }
        g = try SpatialGeometry(&ctx, inputShape: x, kernel: nil, allowCeil: true, allowDilations: isMax)
        if isMax {
            if try ctx.int("storage_order", 0) != 0 { throw ctx.unsupported("storage_order 1") }
            if ctx.node.outputs.count > 1 && !ctx.node.outputs[1].isEmpty { throw ctx.unsupported("the Indices output") }
            countIncludePad = false
        } else {
            countIncludePad = try ctx.int("count_include_pad", 0) != 0
        }
        planes = x[0] * x[1]
        outputInfos = [ValueInfo(shape: [x[0], x[1]] + g.outputSpatial, type: .float32)]
    }

    /// MaxPool's fast path (`FastKernels`): the C kernel, one plane at a time.
    var fastMax: Bool { isMax && FastKernels.available }
    var kernelGeometry: VKConvGeometry {
        VKConvGeometry(channels: 1, in_h: Int32(g.inH), in_w: Int32(g.inW), out_h: Int32(g.outH), out_w: Int32(g.outW),
                       k_h: Int32(g.kH), k_w: Int32(g.kW), stride_h: Int32(g.strideH), stride_w: Int32(g.strideW),
                       dilation_h: Int32(g.dilationH), dilation_w: Int32(g.dilationW),
                       pad_top: Int32(g.padTop), pad_left: Int32(g.padLeft))
    }
    var chunkScratchFloats: Int {
        guard fastMax else { return 0 }
        var geometry = kernelGeometry
        return vk_maxpool_scratch_floats(&geometry)
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let g = self.g
        let src = x[0], dst = y[0]
        let work = planes * g.outH * g.outW * g.kH * g.kW
        let minimum = Swift.max(1, planes * 131_072 / Swift.max(work, 1))
        if fastMax {
            var geometry = kernelGeometry
            withUnsafePointer(to: &geometry) { geo in
                ctx.parallelChunks(planes, minimumPerChunk: minimum) { worker, range in
                    let row = ctx.chunkScratch(worker)
                    for p in range { vk_maxpool(src + p * g.inH * g.inW, dst + p * g.outH * g.outW, geo, row) }
                }
            }
            return
        }
        ctx.parallel(planes, minimumPerChunk: minimum) { range in
            for p in range {
                let plane = src + p * g.inH * g.inW, out = dst + p * g.outH * g.outW
                if isMax { maxPlane(plane, out) } else { averagePlane(plane, out) }
            }
        }
    }

    /// Portable MaxPool of one plane: the columns whose window lies inside the row without bounds checks.
    private func maxPlane(_ plane: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        let g = self.g
        let lo = Swift.min(g.outW, (g.padLeft + g.strideW - 1) / g.strideW)
        let lastStart = g.inW - 1 - (g.kW - 1) * g.dilationW + g.padLeft
        let hi = Swift.max(lo, Swift.min(g.outW, lastStart < 0 ? 0 : lastStart / g.strideW + 1))
        for oy in 0..<g.outH {
            let orow = out + oy * g.outW
            orow.update(repeating: -.infinity, count: g.outW)
            for ky in 0..<g.kH {
                let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                if iy < 0 || iy >= g.inH { continue }
                let irow = plane + iy * g.inW
                for kx in 0..<g.kW {
                    let base = irow + kx * g.dilationW - g.padLeft
                    if g.strideW == 1 {
                        for ox in lo..<hi { orow[ox] = Swift.max(orow[ox], base[ox]) }
                    } else {
                        for ox in lo..<hi { orow[ox] = Swift.max(orow[ox], base[ox * g.strideW]) }
                    }
                }
                for side in 0..<2 {
                    for ox in side == 0 ? 0..<lo : hi..<g.outW {
                        for kx in 0..<g.kW {
                            let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                            if ix >= 0 && ix < g.inW { orow[ox] = Swift.max(orow[ox], irow[ix]) }
                        }
                    }
                }
            }
        }
    }

    /// AveragePool of one plane (count_include_pad counts the padding, never what lies beyond it).
    private func averagePlane(_ plane: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        let g = self.g
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                var acc: Float = 0
                var n = 0
                for ky in 0..<g.kH {
                    let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                    if iy < 0 || iy >= g.inH { continue }
                    for kx in 0..<g.kW {
                        let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                        if ix < 0 || ix >= g.inW { continue }
                        acc += plane[iy * g.inW + ix]
                        n += 1
                    }
                }
                if countIncludePad {
                    let y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft
                    let y1 = Swift.min(y0 + g.kH, g.inH + g.padBottom), x1 = Swift.min(x0 + g.kW, g.inW + g.padRight)
                    n = (y1 - Swift.max(y0, -g.padTop)) * (x1 - Swift.max(x0, -g.padLeft))
                }
                out[oy * g.outW + ox] = n > 0 ? acc / Float(n) : 0
            }
        }
    }
}

/// GlobalAveragePool and GlobalMaxPool over every spatial dimension.
///
/// Thread safety: see `Kernel`.
final class GlobalPoolKernel: Kernel {
    let outputInfos: [ValueInfo]
    let isMax: Bool
    let planes: Int, size: Int

    init(_ ctx: inout NodeContext, max isMax: Bool) throws {
        let x = try ctx.shape(0)
        try ctx.requireFloat(0)
        guard x.count >= 3 else { throw ctx.invalid("input rank \(x.count)") }
        self.isMax = isMax
        planes = x[0] * x[1]
        size = x[2...].reduce(1, *)
        outputInfos = [ValueInfo(shape: [x[0], x[1]] + [Int](repeating: 1, count: x.count - 2), type: .float32)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        for p in 0..<planes {
            let s = x[0] + p * size
            if isMax {
                var m = -Float.infinity
                for i in 0..<size { m = max(m, s[i]) }
                y[0][p] = m
            } else {
                var a: Float = 0
                for i in 0..<size { a += s[i] }
                y[0][p] = a / Float(size)
            }
        }
    }
}
