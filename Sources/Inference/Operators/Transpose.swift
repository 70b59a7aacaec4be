import CInferenceKernels

/// A copy of a strided view into a contiguous buffer: the engine of Transpose, DepthToSpace,
/// SpaceToDepth and Slice. Dimensions are coalesced where the view is contiguous.
struct StridedCopy: Sendable {
    var dims: [Int]
    var srcStrides: [Int]
    var srcOffset: Int

    init(dims: [Int], srcStrides: [Int], srcOffset: Int = 0) {
        var d: [Int] = [], s: [Int] = []
        for (n, st) in zip(dims, srcStrides) where n != 1 {
            if let ln = d.last, let ls = s.last, ls == st * n {
                d[d.count - 1] = ln * n
                s[s.count - 1] = st
            } else { d.append(n); s.append(st) }
        }
        if d.isEmpty { d = [1]; s = [1] }
        self.dims = d
        self.srcStrides = s
        self.srcOffset = srcOffset
    }

    var count: Int { dims.reduce(1, *) }

    // Byte moves of quantised models reach this through `any MovementKernel` (QuantizedMoveKernel), unspecialised: one
    // value-witness call per element made a uint8 DepthToSpace 3× slower than the float one. Pre-specialised for
    // UInt8, the generic entry jumps to the byte copy, which runs in C (`vk_strided_copy_bytes`: its rows of a
    // DepthToSpace, 2 bytes long here, are interleaved by the vector unit there).
    /// `outer`: only the indices in this range of the outermost axis (and their part of dst); nil, all. With one
    /// axis, all.
    @_specialize(where T == UInt8)
    func copy<T>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, outer: Range<Int>? = nil) {
        let r = dims.count
        let part = r >= 2 ? (outer ?? 0..<dims[0]) : 0..<dims[0]
        let perOuter = dims[0] == 0 ? 0 : count / dims[0]
        if T.self == UInt8.self, r <= Int(VK_STRIDED_MAX_RANK) {
            let out = UnsafeMutableRawPointer(dst + (r >= 2 ? part.lowerBound * perOuter : 0))
            vk_strided_copy_bytes(UnsafeRawPointer(src + srcOffset).assumingMemoryBound(to: UInt8.self), Int32(r), dims,
                                  srcStrides, part.lowerBound, part.upperBound, out.assumingMemoryBound(to: UInt8.self))
            return
        }
        let n = dims[r - 1], st = srcStrides[r - 1]
        let rows = n == 0 ? 0 : (r >= 2 ? part.count * perOuter / n : count / n)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: r) { idx in
        idx.initialize(repeating: 0)
        var off = srcOffset
        var out = dst
        if r >= 2 {
            idx[0] = part.lowerBound
            off += part.lowerBound * srcStrides[0]
            out += part.lowerBound * perOuter
        }
        for _ in 0..<rows {
            let s = src + off
            if st == 1 { out.update(from: s, count: n) } else { for i in 0..<n { out[i] = s[i * st] } }
            out += n
            // Advance the outer index.
            var d = r - 2
            while d >= 0 {
                idx[d] += 1
                off += srcStrides[d]
                if idx[d] < dims[d] { break }
                off -= srcStrides[d] * dims[d]
                idx[d] = 0
                d -= 1
            }
        }
        }
    }
}

/// A movement that is one strided copy (`QuantizedMoveKernel` splits it over the threads by its outermost axis).
protocol StridedMoving {
    var view: StridedCopy { get }
}

/// Transpose with a permutation (default: reversed axes).
///
/// Thread safety: see `Kernel`.
final class TransposeKernel: MovementKernel, StridedMoving {
    let outputInfos: [ValueInfo]
    let view: StridedCopy

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        let r = x.shape.count
        let perm = try ctx.ints("perm") ?? Array((0..<r).reversed())
        guard perm.count == r, Set(perm) == Set(0..<r) else { throw ctx.invalid("bad perm \(perm)") }
        if x.constant == nil { try ctx.requireFloat(0) }
        let st = strides(of: x.shape)
        view = StridedCopy(dims: perm.map { x.shape[$0] }, srcStrides: perm.map { st[$0] })
        outputInfos = [ValueInfo(shape: perm.map { x.shape[$0] }, type: x.type)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) { move(x, y) }
    func move<T>(_ x: [UnsafeMutablePointer<T>], _ y: [UnsafeMutablePointer<T>]) { view.copy(x[0], y[0]) }
}

/// DepthToSpace (DCR and CRD) and SpaceToDepth, as strided copies.
///
/// Thread safety: see `Kernel`.
final class DepthToSpaceKernel: MovementKernel, StridedMoving {
    let outputInfos: [ValueInfo]
    let view: StridedCopy

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.input(0)
        try ctx.requireFloat(0)
        guard x.shape.count == 4 else { throw ctx.invalid("input must be 4-D") }
        let b = try ctx.int("blocksize", 0)
        guard b > 0 else { throw ctx.invalid("blocksize") }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        if ctx.node.opType == "DepthToSpace" {
            let mode = try ctx.string("mode", "DCR")
            guard c % (b * b) == 0 else { throw ctx.invalid("channels \(c) not divisible by blocksize²") }
            let oc = c / (b * b)
            // Output [n, oc, h, b, w, b] read from the input viewed as 6-D.
            let inShape: [Int], perm: [Int]
            switch mode {
            case "DCR": inShape = [n, b, b, oc, h, w]; perm = [0, 3, 4, 1, 5, 2]
            case "CRD": inShape = [n, oc, b, b, h, w]; perm = [0, 1, 4, 2, 5, 3]
            default: throw ctx.unsupported("mode \(mode)")
            }
            let st = strides(of: inShape)
            view = StridedCopy(dims: perm.map { inShape[$0] }, srcStrides: perm.map { st[$0] })
            outputInfos = [ValueInfo(shape: [n, oc, h * b, w * b], type: .float32)]
        } else {
            guard h % b == 0, w % b == 0 else { throw ctx.invalid("spatial size not divisible by blocksize") }
            let inShape = [n, c, h / b, b, w / b, b]
            let perm = [0, 3, 5, 1, 2, 4]
            let st = strides(of: inShape)
            view = StridedCopy(dims: perm.map { inShape[$0] }, srcStrides: perm.map { st[$0] })
            outputInfos = [ValueInfo(shape: [n, c * b * b, h / b, w / b], type: .float32)]
        }
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) { move(x, y) }
    func move<T>(_ x: [UnsafeMutablePointer<T>], _ y: [UnsafeMutablePointer<T>]) { view.copy(x[0], y[0]) }
}
