import Foundation

/// Resize (and Upsample) on the two innermost dimensions: nearest (floor, round_prefer_floor,
/// round_prefer_ceil, ceil) and linear, with half_pixel, pytorch_half_pixel, align_corners and
/// asymmetric coordinates; scales or sizes as constant inputs. Outer dimensions must not be scaled.
///
/// Thread safety: see `Kernel`.
final class ResizeKernel: Kernel {
    let outputInfos: [ValueInfo]
    let planes: Int
    let inH: Int, inW: Int, outH: Int, outW: Int
    let linear: Bool
    /// Per output row/column: source indices and weights (linear: i0, i1, w1; nearest: i0).
    let ys: [(Int, Int, Float)], xs: [(Int, Int, Float)]

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        try ctx.requireFloat(0)
        let r = x.shape.count
        guard r >= 2 else { throw ctx.invalid("rank \(r)") }
        let mode = try ctx.string("mode", "nearest")
        var coord = try ctx.string("coordinate_transformation_mode", ctx.node.opType == "Upsample" ? "asymmetric" : "half_pixel")
        // Upsample (opset 7–9) picks the source pixel by flooring.
        let nearestMode = ctx.node.opType == "Upsample" ? "floor" : try ctx.string("nearest_mode", "round_prefer_floor")
        if try ctx.int("exclude_outside", 0) != 0 { throw ctx.unsupported("exclude_outside 1") }
        _ = try ctx.float("cubic_coeff_a", -0.75)
        _ = try ctx.float("extrapolation_value", 0)
        if try ctx.string("keep_aspect_ratio_policy", "stretch") != "stretch" { throw ctx.unsupported("keep_aspect_ratio_policy") }
        if try ctx.ints("axes") != nil { throw ctx.unsupported("axes") }
        if ctx.node.opType == "Upsample" { coord = "asymmetric" }
        guard mode == "nearest" || mode == "linear" || mode == "bilinear" else { throw ctx.unsupported("mode \(mode)") }
        linear = mode != "nearest"
        let (given, sizes) = try ResizeKernel.scalesAndSizes(&ctx, coordinate: coord)
        var scales = given
        var out = x.shape
        if let sizes, !sizes.isEmpty {
            guard sizes.count == r else { throw ctx.invalid("sizes rank") }
            out = sizes
            scales = (0..<r).map { Float(sizes[$0]) / Float(x.shape[$0]) }
        } else {
            guard scales.count == r else { throw ctx.invalid("scales must have \(r) values") }
            out = (0..<r).map { Int((Float(x.shape[$0]) * scales[$0]).rounded(.down)) }
        }
        for d in 0..<(r - 2) where out[d] != x.shape[d] { throw ctx.unsupported("resizing dimension \(d)") }
        planes = x.shape[..<(r - 2)].reduce(1, *)
        inH = x.shape[r - 2]; inW = x.shape[r - 1]; outH = out[r - 2]; outW = out[r - 1]
        let sh = scales[r - 2], sw = scales[r - 1]
        let nearest: String? = linear ? nil : nearestMode
        ys = try ResizeKernel.table(outH, inH, sh, coordinate: coord, nearest: nearest, ctx)
        xs = try ResizeKernel.table(outW, inW, sw, coordinate: coord, nearest: nearest, ctx)
        outputInfos = [ValueInfo(shape: out, type: .float32)]
    }

    /// The scales (and sizes, opset 11+) of a Resize or Upsample node: attributes or constant inputs.
    private static func scalesAndSizes(_ ctx: inout NodeContext, coordinate: String) throws -> ([Float], [Int]?) {
        if ctx.node.opType == "Upsample" {
            return (try ctx.floats("scales") ?? (ctx.hasInput(1) ? try ctx.constant(1, "scales").floats : []), nil)
        }
        var scales: [Float] = []
        var sizes: [Int]?
        if ctx.opset >= 11 {
            if ctx.hasInput(2) { scales = try ctx.constant(2, "Resize scales").floats }
            if ctx.hasInput(3) { sizes = try ctx.constant(3, "Resize sizes").int64s.map { Int($0) } }
            if ctx.hasInput(1), let roi = try ctx.input(1).constant, roi.count > 0, coordinate == "tf_crop_and_resize" {
                throw ctx.unsupported("tf_crop_and_resize")
            }
        } else if ctx.hasInput(1) {
            scales = try ctx.constant(1, "Resize scales").floats
        }
        return (scales, sizes)
    }

    /// The input coordinate of output index `o` along one axis (ONNX's coordinate_transformation_mode).
    private static func source(_ o: Int, _ scale: Float, _ inSize: Int, _ outSize: Int, coordinate: String,
                               _ ctx: NodeContext) throws -> Float {
        let of = Float(o)
        switch coordinate {
        case "half_pixel": return (of + 0.5) / scale - 0.5
        case "pytorch_half_pixel": return outSize > 1 ? (of + 0.5) / scale - 0.5 : 0
        case "align_corners":
            // The resized length is in·scale as a real number (the ONNX reference), not the rounded size.
            let length = Float(inSize) * scale
            return length > 1 ? of * Float(inSize - 1) / (length - 1) : 0
        case "asymmetric": return of / scale
        case "half_pixel_symmetric":
            let adj = Float(outSize) / (scale * Float(inSize))
            let c = Float(inSize) / 2 * (1 - adj)
            return (of + 0.5) / scale - 0.5 + c
        default: throw ctx.unsupported("coordinate_transformation_mode \(coordinate)")
        }
    }

    /// Per output index along one axis: source indices and weight (linear: i0, i1, w1; `nearest` set to the
    /// nearest_mode: i0 twice and weight 0).
    private static func table(_ outSize: Int, _ inSize: Int, _ scale: Float, coordinate: String, nearest: String?,
                              _ ctx: NodeContext) throws -> [(Int, Int, Float)] {
        try (0..<outSize).map { o in
            let s = try source(o, scale, inSize, outSize, coordinate: coordinate, ctx)
            if let nearest {
                var i: Int
                switch nearest {
                case "floor": i = Int(s.rounded(.down))
                case "ceil": i = Int(s.rounded(.up))
                case "round_prefer_ceil": i = Int((s + 0.5).rounded(.down))
                case "round_prefer_floor": i = s == s.rounded(.down) + 0.5 ? Int(s.rounded(.down)) : Int(s.rounded())
                default: throw ctx.unsupported("nearest_mode \(nearest)")
                }
                i = min(max(i, 0), inSize - 1)
                return (i, i, 0)
            }
            let c = min(max(s, 0), Float(inSize - 1))
            let i0 = Int(c.rounded(.down))
            let i1 = min(i0 + 1, inSize - 1)
            return (i0, i1, c - Float(i0))
        }
    }

    /// Linear: two input rows interpolated horizontally, reused by the output rows that read them.
    var chunkScratchFloats: Int { linear ? 2 * outW : 0 }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let inH = self.inH, inW = self.inW, outH = self.outH, outW = self.outW
        let linear = self.linear
        let src = x[0], dst = y[0]
        ys.withUnsafeBufferPointer { ys in
            xs.withUnsafeBufferPointer { xs in
                ctx.parallelChunks(planes, minimumPerChunk: Swift.max(1, 65_536 / Swift.max(outH * outW, 1))) { worker, range in
                    // Horizontal passes of input rows rowOf[0] and rowOf[1], kept while output rows reuse them.
                    let rows = ctx.chunkScratch(worker)
                    for p in range {
                        Self.resizePlane(src + p * inH * inW, into: dst + p * outH * outW, rows: rows, inW: inW, outH: outH,
                                         outW: outW, linear: linear, xs: xs, ys: ys)
                    }
                }
            }
        }
    }

    /// One plane (`inW` wide) interpolated into `out` (outH × outW), row by row; `rows`: 2·outW floats of scratch for
    /// the linear mode's two horizontally interpolated input rows, kept while output rows reuse them. QuantizedResize's
    /// C kernel (`vk_qresize_run`, QResize.c) repeats this arithmetic operation by operation, vectorised;
    /// QuantizedGlueTests.resizeThenQuantizeInOnePassIsExact holds the two to the same bytes at every level.
    @inline(__always)
    static func resizePlane(_ plane: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                            rows: UnsafeMutablePointer<Float>, inW: Int, outH: Int, outW: Int, linear: Bool,
                            xs: UnsafeBufferPointer<(Int, Int, Float)>, ys: UnsafeBufferPointer<(Int, Int, Float)>) {
        var rowOf = (-1, -1)
        @inline(__always) func horizontal(_ iy: Int, into h: UnsafeMutablePointer<Float>) {
            let r = plane + iy * inW
            for ox in 0..<outW {
                let (x0, x1, wx) = xs[ox]
                h[ox] = r[x0] + (r[x1] - r[x0]) * wx
            }
        }
        let h0 = rows, h1 = rows + outW
        for oy in 0..<outH {
            let (y0, y1, wy) = ys[oy]
            let orow = out + oy * outW
            if linear {
                if rowOf.0 != y0 {
                    if rowOf.1 == y0 { h0.update(from: h1, count: outW) } else { horizontal(y0, into: h0) }
                    rowOf.0 = y0
                    rowOf.1 = -1
                }
                if rowOf.1 != y1 {
                    horizontal(y1, into: h1)
                    rowOf.1 = y1
                }
                for ox in 0..<outW {
                    let top = h0[ox]
                    orow[ox] = top + (h1[ox] - top) * wy
                }
            } else {
                let r0 = plane + y0 * inW
                for ox in 0..<outW { orow[ox] = r0[xs[ox].0] }
            }
        }
    }
}
