import CHOGKernels
import Foundation

/// Dalal–Triggs HOG features of one image, computed as OpenCV's `HOGDescriptor` (4.6) computes them for its
/// default people detector: gamma correction (√ of each 8-bit value), centred [-1 0 1] derivatives per colour
/// channel keeping the channel with the largest magnitude (reflected at the borders), 9 unsigned orientation
/// bins with the magnitude split linearly between the two nearest, 16×16-pixel blocks of 2×2 cells of 8×8
/// pixels on an 8-pixel grid with a Gaussian window (σ = 4) and bilinear interpolation between the cells, and
/// L2-Hys normalisation (L2 with OpenCV's ε = 0.1 per value, clip at 0.2, L2 again).
///
/// Every block of the grid is computed once per image (`compute`, in C: CHOGKernels); windows then read them.
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
    private var bins0 = Int32Buffer(), bins1 = Int32Buffer()
    /// One image row's contribution to the blocks of the row: `[bx][cell x][bin]` (18 values per block).
    private var rowHistogram = FloatBuffer()
    /// Per block row and cell y: `[bx][cell x][bin]`, before normalisation.
    private var accumulator = FloatBuffer()
    /// Normalised block features: block row `by` at `by * blockLength * planeStride`.
    private(set) var features = FloatBuffer()
    private var histLength: Int { (blocksX * 18 + 15) & ~15 }

    /// Weight of pixel column `j` (0…15 inside a block) for cell x 0 and 1: the block's Gaussian window along x
    /// times the linear interpolation between the two cell centres (x = 3.5 and 11.5). The same table serves y.
    static let cellWeights: [Float] = {
        var t = [Float](repeating: 0, count: 32)
        t.withUnsafeMutableBufferPointer { vigil_hog_cell_weights($0.baseAddress!) }
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
        bins0.reserve(rowLength); bins1.reserve(rowLength)
        rowHistogram.reserve(histLength)
        accumulator.reserve(blocksY * 2 * histLength)
        features.reserve(blocksY * HOGFeatureMap.blockLength * planeStride)
    }

    /// Row `y` of colour plane `c` (R, G, B), at its first pixel (one padding value before it).
    func planeRow(_ c: Int, _ y: Int) -> UnsafeMutablePointer<Float> {
        planes.pointer + (c * height + y) * rowStride + 1
    }

    /// The C kernels' view of this map (valid until the next `prepare`).
    var kernelMap: VigilHOGMap {
        VigilHOGMap(planes: planes.pointer, rowStride: rowStride, width: Int32(width), height: Int32(height),
                    blocksX: Int32(blocksX), blocksY: Int32(blocksY), planeStride: planeStride,
                    magnitude0: magnitude0.pointer, magnitude1: magnitude1.pointer, bin0: bins0.pointer,
                    bin1: bins1.pointer, rowHistogram: rowHistogram.pointer, accumulator: accumulator.pointer,
                    histLength: histLength, features: features.pointer)
    }

    /// Computes every block of the image the planes hold (`vigil_hog_compute`: OpenCV's `computeGradient`
    /// per row, each pixel into the (up to four) blocks holding it, L2-Hys per block).
    func compute() {
        var m = kernelMap
        vigil_hog_compute(&m)
    }

    /// The magnitude of (dx, dy) split between its two nearest unsigned orientation bins (centres at
    /// 10°, 30°, …, 170°): (share of bin h0, share of bin h1, h0, h1), as OpenCV with its `fastAtan2`
    /// polynomial (about 0.01° accurate).
    static func binGradient(dx: Float, dy: Float, magnitude: Float) -> (Float, Float, Int32, Int32) {
        var w0: Float = 0, w1: Float = 0, h0: Int32 = 0, h1: Int32 = 0
        vigil_hog_bin(dx, dy, magnitude, &w0, &w1, &h0, &h1)
        return (w0, w1, h0, h1)
    }

    /// The direction of (dx, dy) modulo π, in [0, π] (OpenCV's `fastAtan2` polynomial).
    static func unsignedAngle(dx: Float, dy: Float) -> Float { vigil_hog_angle(dx, dy) }

    /// OpenCV's `normalizeBlockHistogram`: v / (‖v‖ + 0.1·n), clipped at 0.2, then v / (‖v‖ + 0.001).
    static func l2Hys(_ v: inout [Float]) {
        let n = Int32(v.count)
        v.withUnsafeMutableBufferPointer { vigil_hog_l2hys($0.baseAddress!, n) }
    }
}

/// A growable, 64-byte aligned buffer of 4-byte numbers, zeroed (contents are not kept when it grows).
///
/// Thread safety: not thread-safe; owned by one `HOGFeatureMap` or `HOGLevelSampling`.
struct AlignedBuffer<Element: BitwiseCopyable>: ~Copyable {
    private(set) var pointer: UnsafeMutablePointer<Element>
    private(set) var capacity: Int

    init() {
        capacity = 16
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 16 * MemoryLayout<Element>.stride, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: 16 * MemoryLayout<Element>.stride)
        pointer = raw.bindMemory(to: Element.self, capacity: 16)
    }

    /// At least `count` values, plus 16 of slack for whole-vector reads past the end.
    mutating func reserve(_ count: Int) {
        guard count + 16 > capacity else { return }
        pointer.deallocate()
        capacity = (count + 16 + 15) & ~15
        let bytes = capacity * MemoryLayout<Element>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        pointer = raw.bindMemory(to: Element.self, capacity: capacity)
    }

    deinit { pointer.deallocate() }
}

typealias FloatBuffer = AlignedBuffer<Float>
typealias Int32Buffer = AlignedBuffer<Int32>
