import Foundation

/// Dalal–Triggs HOG features of one image, computed as OpenCV's `HOGDescriptor` (4.6) computes them for its
/// default people detector: gamma correction (√ of each 8-bit value), centred [-1 0 1] derivatives per colour
/// channel keeping the channel with the largest magnitude (reflected at the borders), 9 unsigned orientation
/// bins with the magnitude split linearly between the two nearest, 16×16-pixel blocks of 2×2 cells of 8×8
/// pixels on an 8-pixel grid with a Gaussian window (σ = 4) and bilinear interpolation between the cells, and
/// L2-Hys normalisation (L2 with OpenCV's ε = 0.1 per value, clip at 0.2, L2 again).
///
/// Every block of the grid is computed once per image (`compute`); windows then read them (`HOGScorer`).
/// The block features are stored as planes, `features(by)[k * planeStride + bx]`, `k` the value's index
/// inside OpenCV's block descriptor (cell x, cell y, bin), so that a window's SVM score is a correlation
/// whose inner loop runs along a row of blocks.
///
/// Thread safety: not thread-safe (reused buffers); one instance per detector, used under its lock.
final class HOGFeatureMap {
    static let cell = 8, bins = 9, blockLength = 36
    /// Blocks across and down, and the stride of a feature plane (a multiple of 16, ≥ `blocksX + 16`).
    private(set) var blocksX = 0, blocksY = 0, planeStride = 0

    /// Gamma-corrected colour planes (R, G, B), one pixel of padding left and right.
    private(set) var planes = FloatBuffer()
    private(set) var width = 0, height = 0, rowStride = 0
    private var magnitude0 = FloatBuffer(), magnitude1 = FloatBuffer()
    private var bin0 = [Int32](), bin1 = [Int32]()
    /// One image row's contribution to the blocks of the row: `[bx][cell x][bin]` (18 values per block).
    private var rowHistogram = FloatBuffer()
    /// Per block row and cell y: `[bx][cell x][bin]`, before normalisation.
    private var accumulator = FloatBuffer()
    /// Normalised block features: block row `by` at `by * blockLength * planeStride`.
    private(set) var features = FloatBuffer()

    /// Weight of pixel column `j` (0…15 inside a block) for cell x 0 and 1: the block's Gaussian window along x
    /// times the linear interpolation between the two cell centres (x = 3.5 and 11.5). The same table serves y.
    static let cellWeights: [Float] = {
        var t = [Float](repeating: 0, count: 32)
        for j in 0..<16 {
            let d = Float(j) - 8
            let gauss = Float(exp(Double(-d * d / 32)))  // σ = (16 + 16) / 8 = 4
            let c = (Float(j) + 0.5) / Float(cell) - 0.5
            for k in 0..<2 { t[j * 2 + k] = gauss * max(0, 1 - abs(c - Float(k))) }
        }
        return t
    }()

    /// Makes room for an image of `width`×`height`; the caller then fills the colour planes through `planeRow`
    /// (the padding columns are filled by `compute`).
    func prepare(width w: Int, height h: Int) {
        precondition(w >= 16 && h >= 16)
        width = w; height = h
        rowStride = (w + 2 + 8 + 15) & ~15
        planes.reserve(3 * rowStride * h)
        blocksX = (w - 16) / HOGFeatureMap.cell + 1
        blocksY = (h - 16) / HOGFeatureMap.cell + 1
        planeStride = (blocksX + 16 + 15) & ~15
        let rowLength = (w + 15) & ~15
        magnitude0.reserve(rowLength); magnitude1.reserve(rowLength)
        if bin0.count < rowLength { bin0 = [Int32](repeating: 0, count: rowLength); bin1 = bin0 }
        let histLength = (blocksX * 18 + 15) & ~15
        rowHistogram.reserve(histLength)
        accumulator.reserve(blocksY * 2 * histLength)
        features.reserve(blocksY * HOGFeatureMap.blockLength * planeStride)
    }

    /// Row `y` of colour plane `c` (R, G, B), at its first pixel (one padding value before it).
    func planeRow(_ c: Int, _ y: Int) -> UnsafeMutablePointer<Float> {
        planes.pointer + (c * height + y) * rowStride + 1
    }

    /// Computes every block of the image the planes hold.
    func compute() {
        let histLength = (blocksX * 18 + 15) & ~15
        accumulator.pointer.update(repeating: 0, count: blocksY * 2 * histLength)
        for c in 0..<3 {
            for y in 0..<height {
                let r = planeRow(c, y)
                r[-1] = width > 1 ? r[1] : r[0]         // BORDER_REFLECT_101
                r[width] = width > 1 ? r[width - 2] : r[0]
            }
        }
        let usedRows = min(height, (blocksY + 1) * HOGFeatureMap.cell)
        let usedColumns = min(width, (blocksX + 1) * HOGFeatureMap.cell)
        for y in 0..<usedRows {
            gradientRow(y)
            accumulateRow(y, columns: usedColumns, histLength: histLength)
        }
        normalise(histLength: histLength)
    }

    /// OpenCV's `computeGradient` for row `y`: per pixel the two bins and the magnitude's share of each.
    /// Written as a plain loop of selects that the compiler vectorises (Swift's SIMD masks go lane by lane).
    private func gradientRow(_ y: Int) {
        let up = y > 0 ? y - 1 : min(1, height - 1), down = y + 1 < height ? y + 1 : max(0, height - 2)
        let m0 = magnitude0.pointer, m1 = magnitude1.pointer, n = width
        // Rows above, at and below y of R, G, B (R first: OpenCV, in BGR, tests its channel 2 first; ties keep
        // the earlier channel).
        let (ru, rm, rd) = (planeRow(0, up), planeRow(0, y), planeRow(0, down))
        let (gu, gm, gd) = (planeRow(1, up), planeRow(1, y), planeRow(1, down))
        let (bu, bm, bd) = (planeRow(2, up), planeRow(2, y), planeRow(2, down))
        bin0.withUnsafeMutableBufferPointer { b0 in
            bin1.withUnsafeMutableBufferPointer { b1 in
                let h0p = b0.baseAddress!, h1p = b1.baseAddress!
                for x in 0..<n {
                    var dx = rm[x + 1] - rm[x - 1], dy = rd[x] - ru[x], best = dx * dx + dy * dy
                    let gx = gm[x + 1] - gm[x - 1], gy = gd[x] - gu[x], g2 = gx * gx + gy * gy
                    if best < g2 { dx = gx; dy = gy; best = g2 }
                    let bx = bm[x + 1] - bm[x - 1], by = bd[x] - bu[x], b2 = bx * bx + by * by
                    if best < b2 { dx = bx; dy = by; best = b2 }
                    let (w0, w1, h0, h1) = HOGFeatureMap.binGradient(dx: dx, dy: dy, magnitude: best.squareRoot())
                    m0[x] = w0; m1[x] = w1; h0p[x] = h0; h1p[x] = h1
                }
            }
        }
    }

    /// The magnitude of (dx, dy) split between its two nearest unsigned orientation bins (centres at
    /// 10°, 30°, …, 170°): (share of bin h0, share of bin h1, h0, h1), as OpenCV with its `fastAtan2`
    /// polynomial (about 0.01° accurate).
    @inline(__always)
    static func binGradient(dx: Float, dy: Float, magnitude: Float) -> (Float, Float, Int32, Int32) {
        let a = unsignedAngle(dx: dx, dy: dy) * (Float(bins) / Float.pi) - 0.5  // −0.5 … 8.5
        // a − ½ rounded to an integer through the float's mantissa (1.5·2²³ + v holds round(v) in its low
        // bits; no conversion that could trap, so the loop vectorises): ⌊a⌋, or a − 1 when a is integral, which
        // puts the whole magnitude on bin a all the same (frac = 1).
        let r = (a - 0.5) + 12_582_912
        let lower = Int32(bitPattern: r.bitPattern) &- 0x4B40_0000
        let frac = a - (r - 12_582_912)
        let h0 = lower < 0 ? lower &+ 9 : lower
        let h1 = lower &+ 1 >= 9 ? 0 : lower &+ 1
        return (magnitude * (1 - frac), magnitude * frac, h0, h1)
    }

    /// The direction of (dx, dy) modulo π, in [0, π] (OpenCV's `fastAtan2` polynomial).
    @inline(__always)
    static func unsignedAngle(dx: Float, dy: Float) -> Float {
        let flip = dy < 0 || (dy == 0 && dx < 0)
        let x = flip ? -dx : dx, y = flip ? -dy : dy
        let ax = x < 0 ? -x : x
        let small: Float = 2.220446e-16  // OpenCV's DBL_EPSILON: 0/0 gives 0
        let steep = y > ax
        let t = steep ? ax / (y + small) : y / (ax + small)
        let t2 = t * t
        var a = ((((-0.04432655554792128 as Float) * t2 + 0.1555786518463281) * t2 - 0.3258083974640975) * t2
                 + 0.9997878412794807) * t
        a = steep ? Float.pi / 2 - a : a
        return x < 0 ? Float.pi - a : a
    }

    /// Adds row `y`'s pixels to the blocks holding them: along x through `rowHistogram`, then along y into the
    /// accumulators of the (one or two) block rows and their cells.
    private func accumulateRow(_ y: Int, columns: Int, histLength: Int) {
        let h = rowHistogram.pointer, m0 = magnitude0.pointer, m1 = magnitude1.pointer, blocksX = self.blocksX
        let blocksY = self.blocksY, accumulator = self.accumulator.pointer
        h.update(repeating: 0, count: histLength)
        HOGFeatureMap.cellWeights.withUnsafeBufferPointer { tw in
            bin0.withUnsafeBufferPointer { b0 in
                bin1.withUnsafeBufferPointer { b1 in
                    for x in 0..<columns {
                        let j = x & 7, bx = x >> 3
                        let a0 = Int(b0[x]), a1 = Int(b1[x]), w0 = m0[x], w1 = m1[x]
                        if bx < blocksX {  // this block, pixel column j
                            let p = h + bx * 18
                            let c0 = tw[j * 2], c1 = tw[j * 2 + 1]
                            p[a0] += c0 * w0; p[a1] += c0 * w1; p[9 + a0] += c1 * w0; p[9 + a1] += c1 * w1
                        }
                        if bx >= 1 {  // the block to the left, pixel column j + 8
                            let p = h + (bx - 1) * 18
                            let c0 = tw[(j + 8) * 2], c1 = tw[(j + 8) * 2 + 1]
                            p[a0] += c0 * w0; p[a1] += c0 * w1; p[9 + a0] += c1 * w0; p[9 + a1] += c1 * w1
                        }
                    }
                }
            }
            for s in 0..<2 {  // the block row starting at this row (pixel row i), and the one above (i + 8)
                let row = (y >> 3) - s, k = (y & 7) + 8 * s
                guard row >= 0, row < blocksY else { continue }
                for cy in 0..<2 where tw[k * 2 + cy] != 0 {
                    hogAxpy(histLength, tw[k * 2 + cy], h, accumulator + (row * 2 + cy) * histLength)
                }
            }
        }
    }

    /// L2-Hys of every block, written in OpenCV's in-block order into the feature planes.
    private func normalise(histLength: Int) {
        let f = features.pointer
        f.update(repeating: 0, count: blocksY * HOGFeatureMap.blockLength * planeStride)
        var v = [Float](repeating: 0, count: HOGFeatureMap.blockLength)
        for by in 0..<blocksY {
            let rows = (accumulator.pointer + by * 2 * histLength, accumulator.pointer + (by * 2 + 1) * histLength)
            let out = f + by * HOGFeatureMap.blockLength * planeStride
            for bx in 0..<blocksX {
                for cx in 0..<2 {
                    for b in 0..<9 {
                        v[(cx * 2) * 9 + b] = rows.0[bx * 18 + cx * 9 + b]
                        v[(cx * 2 + 1) * 9 + b] = rows.1[bx * 18 + cx * 9 + b]
                    }
                }
                HOGFeatureMap.l2Hys(&v)
                for k in 0..<HOGFeatureMap.blockLength { out[k * planeStride + bx] = v[k] }
            }
        }
    }

    /// OpenCV's `normalizeBlockHistogram`: v / (‖v‖ + 0.1·n), clipped at 0.2, then v / (‖v‖ + 0.001).
    static func l2Hys(_ v: inout [Float]) {
        var sum: Float = 0
        for x in v { sum += x * x }
        var scale = 1 / (sum.squareRoot() + Float(v.count) * 0.1)
        sum = 0
        for k in v.indices {
            let x = min(v[k] * scale, 0.2)
            v[k] = x
            sum += x * x
        }
        scale = 1 / (sum.squareRoot() + 1e-3)
        for k in v.indices { v[k] *= scale }
    }
}

/// A growable, 64-byte aligned float buffer (contents are not kept when it grows).
///
/// Thread safety: not thread-safe; owned by one `HOGFeatureMap`.
struct FloatBuffer: ~Copyable {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init() {
        capacity = 16
        pointer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64).bindMemory(to: Float.self, capacity: 16)
        pointer.initialize(repeating: 0, count: 16)
    }

    /// At least `count` floats, plus 16 of slack for whole-vector reads past the end.
    mutating func reserve(_ count: Int) {
        guard count + 16 > capacity else { return }
        pointer.deallocate()
        capacity = (count + 16 + 15) & ~15
        pointer = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    deinit { pointer.deallocate() }
}

@inline(__always)
func hogLoad8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func hogLoad8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { hogLoad8(UnsafePointer(p)) }

@inline(__always)
func hogStore8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// y[0..<n] += a · x[0..<n], n rounded up to 8 (the buffers have that slack).
@inline(__always)
func hogAxpy(_ n: Int, _ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    let av = SIMD8<Float>(repeating: a)
    var i = 0
    while i < n {
        hogStore8(hogLoad8(y + i) + av * hogLoad8(x + i), y + i)
        i += 8
    }
}

@inline(__always)
func hogAxpy(_ n: Int, _ a: Float, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    hogAxpy(n, a, UnsafePointer(x), y)
}
