/// Output size and padding of a sliding-window operator (Conv, MaxPool, AveragePool) for up to two
/// spatial dimensions, resolved once at load time from kernel_shape, strides, dilations, pads,
/// auto_pad and ceil_mode. One-dimensional windows are treated as height 1.
///
/// Thread safety: an immutable value after init.
struct SpatialGeometry: Sendable {
    var inH = 1, inW = 1
    var outH = 1, outW = 1
    var kH = 1, kW = 1
    var strideH = 1, strideW = 1
    var dilationH = 1, dilationW = 1
    var padTop = 0, padLeft = 0, padBottom = 0, padRight = 0
    /// Number of spatial dimensions in the ONNX shapes (1 or 2).
    var spatialRank = 2

    /// Reads the window attributes. `kernel` is the spatial kernel size (from the weights for Conv).
    init(_ ctx: inout NodeContext, inputShape: [Int], kernel: [Int]?, allowCeil: Bool, allowDilations: Bool = true) throws {
        let rank = inputShape.count - 2
        guard rank == 1 || rank == 2 else { throw ctx.unsupported("\(rank) spatial dimensions (1 or 2 supported)") }
        spatialRank = rank
        let ks = try ctx.ints("kernel_shape") ?? kernel
        guard let ks, ks.count == rank else { throw ctx.invalid("kernel_shape missing or of wrong rank") }
        let st = try ctx.ints("strides") ?? [Int](repeating: 1, count: rank)
        let dl = allowDilations ? (try ctx.ints("dilations") ?? [Int](repeating: 1, count: rank)) : [Int](repeating: 1, count: rank)
        var pads = try ctx.ints("pads") ?? [Int](repeating: 0, count: 2 * rank)
        let autoPad = try ctx.string("auto_pad", "NOTSET")
        let ceil = allowCeil ? try ctx.int("ceil_mode", 0) : 0
        guard st.count == rank, dl.count == rank, pads.count == 2 * rank else {
            throw ctx.invalid("strides/dilations/pads of wrong rank")
        }
        let ins = Array(inputShape[2...])
        var outs = [Int](repeating: 0, count: rank)
        for d in 0..<rank {
            let eff = (ks[d] - 1) * dl[d] + 1
            switch autoPad {
            case "NOTSET":
                let span = ins[d] + pads[d] + pads[rank + d] - eff
                guard span >= 0 else { throw ctx.invalid("window larger than the padded input") }
                if ceil != 0 {
                    var o = (span + st[d] - 1) / st[d] + 1
                    // The last window must start inside the input or the leading padding.
                    if (o - 1) * st[d] >= ins[d] + pads[d] { o -= 1 }
                    outs[d] = o
                } else {
                    outs[d] = span / st[d] + 1
                }
            case "VALID":
                pads[d] = 0; pads[rank + d] = 0
                outs[d] = (ins[d] - eff) / st[d] + 1
            case "SAME_UPPER", "SAME_LOWER":
                outs[d] = (ins[d] + st[d] - 1) / st[d]
                let total = max(0, (outs[d] - 1) * st[d] + eff - ins[d])
                let small = total / 2, large = total - small
                if autoPad == "SAME_UPPER" { pads[d] = small; pads[rank + d] = large } else { pads[d] = large; pads[rank + d] = small }
            default:
                throw ctx.unsupported("auto_pad \(autoPad)")
            }
            guard outs[d] > 0 else { throw ctx.invalid("empty output") }
        }
        if rank == 2 {
            inH = ins[0]; inW = ins[1]; outH = outs[0]; outW = outs[1]
            kH = ks[0]; kW = ks[1]; strideH = st[0]; strideW = st[1]; dilationH = dl[0]; dilationW = dl[1]
            padTop = pads[0]; padLeft = pads[1]; padBottom = pads[2]; padRight = pads[3]
        } else {
            inW = ins[0]; outW = outs[0]; kW = ks[0]; strideW = st[0]; dilationW = dl[0]
            padLeft = pads[0]; padRight = pads[1]
        }
    }

    var outputSpatial: [Int] { spatialRank == 2 ? [outH, outW] : [outW] }

    /// Output columns `ox` whose input column `ox*strideW - padLeft + kx*dilationW` lies inside the row.
    @inline(__always)
    func validColumns(kx: Int) -> Range<Int> {
        let off = kx * dilationW - padLeft
        // ox*s + off >= 0  →  ox >= ceil(-off / s)
        let lo = off >= 0 ? 0 : (-off + strideW - 1) / strideW
        // ox*s + off <= inW - 1  →  ox <= (inW - 1 - off) / s
        let hiIncl = inW - 1 - off
        let hi = hiIncl < 0 ? 0 : min(outW, hiIncl / strideW + 1)
        return lo < hi ? lo..<hi : 0..<0
    }
}
