import CInferenceKernels
import Foundation

/// A depthwise convolution (multiplier 1; 3×3 or 5×5, equal strides 1 or 2, dilation 1, batch 1) and the
/// unpadded stride-1 1×1 convolution that alone reads its output, run as one step in bands of output rows:
/// each band's depthwise rows (every channel) go to the worker's scratch and the 1×1 convolution computes the
/// same rows at once, while they are in cache. Run one after the other, the 1×1 reads the whole intermediate
/// value back (BlazeFace-192's 32 × 96 × 96 is 1.2 MB, more than this CPU's L2). The same C kernels on the same
/// values in the same order as the two steps apart (`vk_depthwise` per channel on the band's rows,
/// `vk_conv_implicit` on the band's columns): the outputs are bit-identical to the unpaired steps.
///
/// Thread safety: see `Kernel`.
final class DepthwisePointwiseKernel: Kernel, FlopCounting {
    let depthwise: ConvKernel
    let pointwise: ConvKernel
    /// Output rows per band: a multiple of 8 (the AVX-512 3×3 kernel's rows per step) whose depthwise output (all
    /// channels) takes about `bandBytes`.
    let bandRows: Int
    /// The 1×1 convolution's taps in the band buffer: channel c at c · bandRows · width.
    let bandOffsets: [Int32]

    /// Target size of one band's depthwise output: small enough to stay in L2 beside the 1×1's weights
    /// (`VIGIL_NN_BAND_KIB`, default 96, for measuring others).
    static let bandBytes: Int = {
        if let v = getenv("VIGIL_NN_BAND_KIB"), let n = Int(String(cString: v)), n >= 1 { return n * 1024 }
        return 96 * 1024
    }()

    /// Smallest depthwise output that is paired (`VIGIL_NN_PAIR_MIN_KIB`, default 1024, this CPU's L2): a smaller
    /// one is still in L2 when the 1×1 reads it, and the pose detector's 14×14 and 28×28 layers measured slower
    /// in bands (13.3–15.1 against 12.7 ms per run, all pairs of 8 rows and up).
    static let minimumBytes: Int = {
        if let v = getenv("VIGIL_NN_PAIR_MIN_KIB"), let n = Int(String(cString: v)), n >= 0 { return n * 1024 }
        return 1024 * 1024
    }()

    var outputInfos: [ValueInfo] { pointwise.outputInfos }
    var flops: Int { depthwise.flops + pointwise.flops }
    var chunkScratchFloats: Int { bandFloats + depthwise.chunkScratchFloats }
    var bandFloats: Int { depthwise.outC * bandRows * depthwise.g.outW }
    var pathDescription: String { "\(depthwise.pathDescription) + \(pointwise.pathDescription) in bands of \(bandRows) rows" }

    init(depthwise: ConvKernel, pointwise: ConvKernel, bandRows: Int) {
        self.depthwise = depthwise
        self.pointwise = pointwise
        self.bandRows = bandRows
        let plane = bandRows * depthwise.g.outW
        bandOffsets = (0..<depthwise.outC).map { Int32($0 * plane) }
    }

    /// Rows per band for a depthwise output of `channels` × rows × `width`: about `bandBytes`, a multiple of 8.
    static func bandRows(channels: Int, width: Int) -> Int {
        max(8, bandBytes / (4 * channels * width) / 8 * 8)
    }

    /// Whether `dw` → `pw` can run as a pair: the register-blocked depthwise geometries on planes above 64 pixels
    /// (smaller ones take the channels-in-lanes kernel) and a plain implicit-GEMM 1×1; more than one band, and a
    /// depthwise output of at least `minimumBytes`.
    static func pairs(_ dw: ConvKernel, _ pw: ConvKernel) -> Bool {
        let g = dw.g
        let geometry = g.kH == g.kW && (g.kW == 3 || g.kW == 5) && g.strideH == g.strideW && (g.strideW == 1 || g.strideW == 2)
            && g.dilationH == 1 && g.dilationW == 1 && g.outputSpatial.count == 2
        guard dw.fastDepthwise, dw.outC == dw.inC, dw.batch == 1, !dw.residual, geometry, g.inH * g.inW > 64,
              pw.pointwise, pw.implicit, pw.channelPackedWeights == nil, pw.groups == 1, pw.batch == 1,
              pw.inC == dw.outC, pw.g.inH == g.outH, pw.g.inW == g.outW else { return false }
        return g.outH > bandRows(channels: dw.outC, width: g.outW) && 4 * dw.outC * g.outH * g.outW >= minimumBytes
    }

    /// The prepared steps with every pairable depthwise → 1×1 pair (the depthwise output read by nothing else and
    /// not a graph output) replaced by one step where the 1×1 ran, reading the depthwise input.
    static func pair(_ steps: [Step], outputs: Set<String>) -> [Step] {
        var steps = steps
        var i = 0
        while i < steps.count {
            defer { i += 1 }
            guard let dw = steps[i].kernel as? ConvKernel, dw.depthwise, let mid = steps[i].node.outputs.first,
                  !outputs.contains(mid) else { continue }
            let readers = steps.indices.filter { steps[$0].node.inputs.contains(mid) }
            guard readers.count == 1, let j = readers.first, let pw = steps[j].kernel as? ConvKernel,
                  steps[j].node.inputs.firstIndex(of: mid) == 0, steps[j].node.inputs.lastIndex(of: mid) == 0,
                  pairs(dw, pw) else { continue }
            var node = steps[j].node
            node.inputs[0] = steps[i].node.inputs[0]
            let kernel = DepthwisePointwiseKernel(depthwise: dw, pointwise: pw,
                                                  bandRows: bandRows(channels: dw.outC, width: dw.g.outW))
            steps[j] = Step(node: node, kernel: kernel)
            steps.remove(at: i)
            i -= 1
        }
        return steps
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        let outH = depthwise.g.outH, bands = (outH + bandRows - 1) / bandRows
        let res: UnsafeMutablePointer<Float>? = pointwise.residual ? x[3] : nil
        guard let packed = pointwise.packedWeights else { return }
        packed.withUnsafeBufferPointer { pw in
            ctx.parallelChunks(bands) { worker, range in
                let band = ctx.chunkScratch(worker)
                for b in range {
                    let r0 = b * bandRows, r1 = min(outH, r0 + bandRows)
                    runDepthwise(x[0], rows: r0..<r1, into: band, scratch: band + bandFloats)
                    runPointwise(band, rows: r0..<r1, packed: pw.baseAddress!, y[0], res)
                }
            }
        }
    }

    /// Depthwise output rows `rows` of every channel into `band` (channel c at c · bandRows · width): the geometry
    /// of those rows alone (the input from the first row their windows cover, the top padding only for the first
    /// band), so that each kernel level computes them as it would inside the whole plane.
    private func runDepthwise(_ x: UnsafeMutablePointer<Float>, rows: Range<Int>, into band: UnsafeMutablePointer<Float>,
                              scratch: UnsafeMutablePointer<Float>) {
        let g = depthwise.g
        let first = rows.lowerBound * g.strideH - g.padTop
        let skip = max(0, first)
        var geometry = depthwise.kernelGeometry
        geometry.in_h = Int32(g.inH - skip)
        geometry.out_h = Int32(rows.count)
        geometry.pad_top = Int32(max(0, -first))
        let inPlane = g.inH * g.inW, kk = g.kH * g.kW, plane = bandRows * g.outW
        let act = depthwise.activation.kernelForm, post = depthwise.postActivation.kernelForm
        depthwise.weights.withUnsafeBufferPointer { wb in
            depthwise.bias.withUnsafeBufferPointer { bb in
                withUnsafePointer(to: &geometry) { geo in
                    for c in 0..<depthwise.outC {
                        vk_depthwise(x + c * inPlane + skip * g.inW, wb.baseAddress! + c * kk, bb[c], band + c * plane, nil,
                                     act, post, geo, scratch)
                    }
                }
            }
        }
    }

    /// The 1×1 convolution's output rows `rows` from the band.
    private func runPointwise(_ band: UnsafeMutablePointer<Float>, rows: Range<Int>, packed: UnsafePointer<Float>,
                              _ yout: UnsafeMutablePointer<Float>, _ res: UnsafeMutablePointer<Float>?) {
        let w = depthwise.g.outW, outPlane = depthwise.g.outH * w, at = rows.lowerBound * w
        let act = pointwise.activation.kernelForm, post = pointwise.postActivation.kernelForm
        pointwise.bias.withUnsafeBufferPointer { bb in
            bandOffsets.withUnsafeBufferPointer { ob in
                var ep = VKEpilogue(bias: bb.baseAddress!, activation: act, residual: res.map { UnsafePointer($0 + at) },
                                    post: post)
                vk_conv_implicit(Int32(pointwise.outC), Int32(pointwise.inC), packed, ob.baseAddress!, band, Int32(w), Int32(w),
                                 0, rows.count * w, yout + at, outPlane, &ep)
            }
        }
    }
}
