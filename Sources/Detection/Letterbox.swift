import VigilCore

/// Fits a `sourceWidth`×`sourceHeight` frame into a `width`×`height` model input keeping the aspect ratio,
/// centred, with a constant border; maps boxes back to source pixels.
///
/// Thread safety: a value type; safe to share.
public struct Letterbox: Sendable, Equatable {
    public let sourceWidth: Int, sourceHeight: Int
    public let width: Int, height: Int
    /// Input pixels per source pixel.
    public let scale: Float
    /// Left and top border in input pixels.
    public let padX: Float, padY: Float

    public init(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int) {
        self.sourceWidth = sourceWidth; self.sourceHeight = sourceHeight; self.width = width; self.height = height
        scale = min(Float(width) / Float(sourceWidth), Float(height) / Float(sourceHeight))
        padX = (Float(width) - Float(sourceWidth) * scale) / 2
        padY = (Float(height) - Float(sourceHeight) * scale) / 2
    }

    /// An input-pixel point back in source pixels.
    @inlinable
    public func source(x: Float, y: Float) -> (Float, Float) { ((x - padX) / scale, (y - padY) / scale) }

    /// An input-pixel box back in source pixels, clipped to the frame.
    public func source(_ b: Box) -> Box {
        let (x1, y1) = source(x: b.x1, y: b.y1), (x2, y2) = source(x: b.x2, y: b.y2)
        return Box(x1: x1, y1: y1, x2: x2, y2: y2).clipped(width: Float(sourceWidth), height: Float(sourceHeight))
    }

    /// Writes the letterboxed frame into `out` (planar NCHW, 3 planes of `width`×`height`): bilinear sampling
    /// with half-pixel centres, value `pixel·multiplier + offset`, border `border·multiplier + offset`.
    /// `rgb` is an RGB24 frame of the source size (the buffer may be a scaled copy: `rgb` sizes are used for
    /// sampling, so an analysis-size RGB buffer works too).
    public func fill(_ out: UnsafeMutableBufferPointer<Float>, from rgb: PixelBuffer,
                     multiplier: Float, offset: Float, border: Float) {
        precondition(rgb.format == .rgb24 && out.count >= 3 * width * height)
        let plane = width * height
        let borderValue = border * multiplier + offset
        let sw = rgb.width, sh = rgb.height
        // source pixels of the RGB buffer per input pixel
        let fx = Float(sw) / (Float(sourceWidth) * scale), fy = Float(sh) / (Float(sourceHeight) * scale)
        let x0 = Int(padX.rounded()), x1 = width - x0, y0 = Int(padY.rounded()), y1 = height - y0
        var xi0 = [Int](repeating: 0, count: width), xi1 = xi0, xw = [Float](repeating: 0, count: width)
        for x in x0..<max(x0, x1) {
            let sx = min(max((Float(x - x0) + 0.5) * fx - 0.5, 0), Float(sw - 1))
            let i = min(Int(sx), sw - 1)
            xi0[x] = i * 3; xi1[x] = min(i + 1, sw - 1) * 3; xw[x] = sx - Float(i)
        }
        let data = rgb.data, stride = rgb.stride
        for y in 0..<height {
            let row = y * width
            guard y >= y0, y < y1 else {
                for x in 0..<width { out[row + x] = borderValue; out[plane + row + x] = borderValue; out[2 * plane + row + x] = borderValue }
                continue
            }
            let sy = min(max((Float(y - y0) + 0.5) * fy - 0.5, 0), Float(sh - 1))
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
