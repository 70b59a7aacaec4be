import VigilCore

/// Drawing on an RGB24 picture in place: filled and blended rectangles, thick lines, polygon fills and text in
/// the 5×7 bitmap font. Coordinates are picture pixels; everything is clipped to the picture.
///
/// Thread safety: a view of one buffer; use it from the thread that owns the buffer.
public struct Canvas {
    public typealias Color = (r: UInt8, g: UInt8, b: UInt8)
    public let picture: PixelBuffer

    public init(_ picture: PixelBuffer) {
        precondition(picture.format == .rgb24, "Canvas draws on RGB24 pictures")
        self.picture = picture
    }

    public var width: Int { picture.width }
    public var height: Int { picture.height }

    /// Mixes `color` into the inclusive rectangle with weight `alpha` (1: paint over).
    public func fill(_ x1: Int, _ y1: Int, _ x2: Int, _ y2: Int, _ color: Color, alpha: Float = 1) {
        let xa = max(0, x1), xb = min(width - 1, x2), ya = max(0, y1), yb = min(height - 1, y2)
        guard xa <= xb, ya <= yb else { return }
        for y in ya...yb { span(y, xa..<(xb + 1), color, alpha: alpha) }
    }

    /// One row's run of pixels mixed with `color`.
    func span(_ y: Int, _ xs: Range<Int>, _ color: Color, alpha: Float) {
        let row = picture.data + y * picture.stride
        if alpha >= 1 {
            for x in xs { row[3 * x] = color.r; row[3 * x + 1] = color.g; row[3 * x + 2] = color.b }
            return
        }
        let a = max(0, alpha), k = 1 - a
        let cr = a * Float(color.r), cg = a * Float(color.g), cb = a * Float(color.b)
        for x in xs {
            row[3 * x] = UInt8(k * Float(row[3 * x]) + cr)
            row[3 * x + 1] = UInt8(k * Float(row[3 * x + 1]) + cg)
            row[3 * x + 2] = UInt8(k * Float(row[3 * x + 2]) + cb)
        }
    }

    /// A line `thickness` pixels wide (a square brush stepped along it).
    public func line(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, _ color: Color, thickness: Int = 1) {
        let steps = Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up))
        let lo = -(thickness - 1) / 2, hi = thickness / 2
        for i in 0...max(0, steps) {
            let t = steps == 0 ? 0 : Float(i) / Float(steps)
            let x = Int((x0 + (x1 - x0) * t).rounded()), y = Int((y0 + (y1 - y0) * t).rounded())
            fill(x + lo, y + lo, x + hi, y + hi, color)
        }
    }

    /// A rectangle's outline, `thickness` pixels inside its edges.
    public func rectangle(_ b: Box, _ color: Color, thickness: Int = 1) {
        let x1 = Int(b.x1.rounded()), y1 = Int(b.y1.rounded()), x2 = Int(b.x2.rounded()) - 1, y2 = Int(b.y2.rounded()) - 1
        let t = max(1, thickness) - 1
        fill(x1, y1, x2, y1 + t, color)
        fill(x1, y2 - t, x2, y2, color)
        fill(x1, y1, x1 + t, y2, color)
        fill(x2 - t, y1, x2, y2, color)
    }

    /// Fills `mask` (polygons in source pixels of a `sourceWidth`×`sourceHeight` picture) mixed at `alpha`.
    public func fill(_ mask: PolygonMask, sourceWidth: Int, sourceHeight: Int, _ color: Color, alpha: Float) {
        mask.forEachSpan(width: width, height: height, sourceWidth: sourceWidth, sourceHeight: sourceHeight) { y, xs in
            span(y, xs, color, alpha: alpha)
        }
    }

    /// Pixels `text` takes at `scale`: width, height.
    public static func textSize(_ text: String, scale: Int) -> (width: Int, height: Int) {
        let (w, h) = BitmapFont.size(text, scale: scale)
        return (w, h)
    }

    /// `text` with its top-left corner at (x, y), on a band of `background` (nil: none) one `scale` wide
    /// around it. Returns the band's width.
    @discardableResult
    public func text(_ text: String, x: Int, y: Int, scale: Int, color: Color = (255, 255, 255),
                     background: Color? = nil, alpha: Float = 1) -> Int {
        let (tw, th) = BitmapFont.size(text, scale: scale)
        if let background { fill(x, y, x + tw + 2 * scale - 1, y + th + 2 * scale - 1, background, alpha: alpha) }
        var cx = x + scale
        for ch in text {
            for (col, bits) in BitmapFont.columns(ch).enumerated() {
                for row in 0..<BitmapFont.height where bits & (1 << row) != 0 {
                    let px = cx + col * scale, py = y + scale + row * scale
                    fill(px, py, px + scale - 1, py + scale - 1, color)
                }
            }
            cx += (BitmapFont.width + 1) * scale
        }
        return tw + 2 * scale
    }
}
