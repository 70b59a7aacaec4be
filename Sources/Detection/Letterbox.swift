import VigilCore

/// Fits a `sourceWidth`×`sourceHeight` frame — or a sub-rectangle of it, `region` — into a `width`×`height`
/// model input keeping the aspect ratio, centred, with a constant border; maps boxes back to source pixels.
///
/// Thread safety: a value type; safe to share.
public struct Letterbox: Sendable, Equatable {
    public let sourceWidth: Int, sourceHeight: Int
    public let width: Int, height: Int
    /// The letterboxed rectangle in source pixels: the whole frame, or the region (clipped to the frame).
    public let region: Box
    /// Input pixels per source pixel.
    public let scale: Float
    /// Left and top border in input pixels.
    public let padX: Float, padY: Float

    /// `region` in source pixels (nil: the whole frame) is clipped to the frame; an empty one letterboxes a
    /// 1×1 source pixel rectangle at its corner (callers skip empty regions).
    public init(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int, region: Box? = nil) {
        self.sourceWidth = sourceWidth; self.sourceHeight = sourceHeight; self.width = width; self.height = height
        let frame = Box(x1: 0, y1: 0, x2: Float(sourceWidth), y2: Float(sourceHeight))
        var r = region?.clipped(width: frame.x2, height: frame.y2) ?? frame
        if r.width < 1 || r.height < 1 {
            r = Box(x1: min(r.x1, frame.x2 - 1), y1: min(r.y1, frame.y2 - 1), x2: 0, y2: 0)
            r.x2 = r.x1 + 1; r.y2 = r.y1 + 1
        }
        self.region = r
        scale = min(Float(width) / r.width, Float(height) / r.height)
        padX = (Float(width) - r.width * scale) / 2
        padY = (Float(height) - r.height * scale) / 2
    }

    /// An input-pixel point back in source pixels.
    @inlinable
    public func source(x: Float, y: Float) -> (Float, Float) {
        ((x - padX) / scale + region.x1, (y - padY) / scale + region.y1)
    }

    /// An input-pixel box back in source pixels, clipped to the letterboxed rectangle (the frame, or the
    /// region: the model saw nothing outside it).
    public func source(_ b: Box) -> Box {
        let (x1, y1) = source(x: b.x1, y: b.y1), (x2, y2) = source(x: b.x2, y: b.y2)
        return Box(x1: min(max(x1, region.x1), region.x2), y1: min(max(y1, region.y1), region.y2),
                   x2: min(max(x2, region.x1), region.x2), y2: min(max(y2, region.y1), region.y2))
    }

    /// Writes the letterboxed frame into `out` (planar NCHW, 3 planes of `width`×`height`): bilinear sampling
    /// with half-pixel centres, value `pixel·multiplier + offset`, border `border·multiplier + offset`.
    /// `rgb` is an RGB24 frame of the source size (the buffer may be a scaled copy: `rgb` sizes are used for
    /// sampling, so an analysis-size RGB buffer works too). With a region only its pixels are sampled, straight
    /// from `rgb` (no crop copy). `scratch` holds the per-column sampling tables between calls (no allocation
    /// once it has grown to the input width).
    public func fill(_ out: UnsafeMutableBufferPointer<Float>, from rgb: PixelBuffer,
                     multiplier: Float, offset: Float, border: Float) {
        var scratch = Scratch()
        fill(out, from: rgb, multiplier: multiplier, offset: offset, border: border, scratch: &scratch)
    }

    /// Column sampling tables of `fill`, kept by a detector across calls.
    public struct Scratch: Sendable {
        var xi0: [Int] = [], xi1: [Int] = [], xw: [Float] = []
        public init() {}
    }

    public func fill(_ out: UnsafeMutableBufferPointer<Float>, from rgb: PixelBuffer,
                     multiplier: Float, offset: Float, border: Float, scratch: inout Scratch) {
        precondition(rgb.format == .rgb24 && out.count >= 3 * width * height)
        let plane = width * height
        let borderValue = border * multiplier + offset
        let sw = rgb.width, sh = rgb.height
        // RGB-buffer pixels per source pixel, and per input pixel; the region's corner in RGB-buffer pixels
        let kx = Float(sw) / Float(sourceWidth), ky = Float(sh) / Float(sourceHeight)
        let fx = kx / scale, fy = ky / scale
        let ox = region.x1 * kx, oy = region.y1 * ky
        let x0 = Int(padX.rounded()), x1 = width - x0, y0 = Int(padY.rounded()), y1 = height - y0
        if scratch.xi0.count < width {
            scratch.xi0 = [Int](repeating: 0, count: width); scratch.xi1 = scratch.xi0
            scratch.xw = [Float](repeating: 0, count: width)
        }
        for x in x0..<max(x0, x1) {
            let sx = min(max(ox + (Float(x - x0) + 0.5) * fx - 0.5, 0), Float(sw - 1))
            let i = min(Int(sx), sw - 1)
            scratch.xi0[x] = i * 3; scratch.xi1[x] = min(i + 1, sw - 1) * 3; scratch.xw[x] = sx - Float(i)
        }
        let xi0 = scratch.xi0, xi1 = scratch.xi1, xw = scratch.xw  // read-only from here (no copy)
        let data = rgb.data, stride = rgb.stride
        for y in 0..<height {
            let row = y * width
            guard y >= y0, y < y1 else {
                for x in 0..<width { out[row + x] = borderValue; out[plane + row + x] = borderValue; out[2 * plane + row + x] = borderValue }
                continue
            }
            let sy = min(max(oy + (Float(y - y0) + 0.5) * fy - 0.5, 0), Float(sh - 1))
            let j = min(Int(sy), sh - 1)
            let wy = sy - Float(j)
            let r0 = data + j * stride, r1 = data + min(j + 1, sh - 1) * stride
            for x in 0..<width {
                guard x >= x0, x < x1 else {
                    out[row + x] = borderValue; out[plane + row + x] = borderValue; out[2 * plane + row + x] = borderValue
                    continue
                }
                let a = xi0[x], b = xi1[x], w = xw[x]
                for c in 0..<3 {
                    let top = Float(r0[a + c]) * (1 - w) + Float(r0[b + c]) * w
                    let bottom = Float(r1[a + c]) * (1 - w) + Float(r1[b + c]) * w
                    out[c * plane + row + x] = (top * (1 - wy) + bottom * wy) * multiplier + offset
                }
            }
        }
    }
}
