import VigilCore

/// Draws boxes and short captions (`face 0.94`) on an RGB24 frame, in place, with a built-in 3×5 pixel font
/// scaled up; letters are drawn as capitals, characters outside the font as blanks.
///
/// Thread safety: stateless; the caller owns the buffer.
public enum FrameAnnotator {
    /// Rows of each glyph, 3 bits per row (bit 2 = left column).
    static let font: [Character: [UInt8]] = [
        "A": [2, 5, 7, 5, 5], "B": [6, 5, 6, 5, 6], "C": [3, 4, 4, 4, 3], "D": [6, 5, 5, 5, 6], "E": [7, 4, 6, 4, 7],
        "F": [7, 4, 6, 4, 4], "G": [3, 4, 5, 5, 3], "H": [5, 5, 7, 5, 5], "I": [7, 2, 2, 2, 7], "J": [1, 1, 1, 5, 2],
        "K": [5, 5, 6, 5, 5], "L": [4, 4, 4, 4, 7], "M": [5, 7, 7, 5, 5], "N": [6, 5, 5, 5, 5], "O": [2, 5, 5, 5, 2],
        "P": [6, 5, 6, 4, 4], "Q": [2, 5, 5, 6, 3], "R": [6, 5, 6, 5, 5], "S": [3, 4, 2, 1, 6], "T": [7, 2, 2, 2, 2],
        "U": [5, 5, 5, 5, 7], "V": [5, 5, 5, 5, 2], "W": [5, 5, 7, 7, 5], "X": [5, 5, 2, 5, 5], "Y": [5, 5, 2, 2, 2],
        "Z": [7, 1, 2, 4, 7], "0": [7, 5, 5, 5, 7], "1": [2, 6, 2, 2, 7], "2": [6, 1, 2, 4, 7], "3": [6, 1, 2, 1, 6],
        "4": [5, 5, 7, 1, 1], "5": [7, 4, 6, 1, 6], "6": [3, 4, 7, 5, 7], "7": [7, 1, 2, 2, 2], "8": [7, 5, 7, 5, 7],
        "9": [7, 5, 7, 1, 6], ".": [0, 0, 0, 0, 2], "-": [0, 0, 7, 0, 0], ":": [0, 2, 0, 2, 0], "#": [5, 7, 5, 7, 5],
    ]

    public static func draw(_ items: [(box: Box, text: String)], on frame: PixelBuffer,
                            color: (UInt8, UInt8, UInt8) = (255, 40, 40)) {
        precondition(frame.format == .rgb24)
        let thickness = max(2, min(frame.width, frame.height) / 200)
        let pixel = max(2, min(frame.width, frame.height) / 160)
        for item in items {
            let b = item.box.clipped(width: Float(frame.width - 1), height: Float(frame.height - 1))
            let x1 = Int(b.x1), y1 = Int(b.y1), x2 = Int(b.x2), y2 = Int(b.y2)
            fill(frame, x1, y1, x2, min(y2, y1 + thickness - 1), color)
            fill(frame, x1, max(y1, y2 - thickness + 1), x2, y2, color)
            fill(frame, x1, y1, min(x2, x1 + thickness - 1), y2, color)
            fill(frame, max(x1, x2 - thickness + 1), y1, x2, y2, color)
            // caption on a filled band above the box (inside it when the box touches the top)
            let textW = item.text.count * 4 * pixel + pixel, textH = 7 * pixel
            let ty = y1 >= textH ? y1 - textH : y1
            fill(frame, x1, ty, x1 + textW - 1, ty + textH - 1, color)
            for (i, ch) in item.text.uppercased().enumerated() {
                guard let rows = font[ch] else { continue }
                for (r, bits) in rows.enumerated() {
                    for col in 0..<3 where bits & (4 >> col) != 0 {
                        let px = x1 + pixel + (i * 4 + col) * pixel, py = ty + pixel + r * pixel
                        fill(frame, px, py, px + pixel - 1, py + pixel - 1, (255, 255, 255))
                    }
                }
            }
        }
    }

    /// Fills the inclusive rectangle, clipped to the frame.
    static func fill(_ f: PixelBuffer, _ x1: Int, _ y1: Int, _ x2: Int, _ y2: Int, _ c: (UInt8, UInt8, UInt8)) {
        let xa = max(0, x1), xb = min(f.width - 1, x2), ya = max(0, y1), yb = min(f.height - 1, y2)
        guard xa <= xb, ya <= yb else { return }
        for y in ya...yb {
            let row = f.data + y * f.stride
            for x in xa...xb { row[3 * x] = c.0; row[3 * x + 1] = c.1; row[3 * x + 2] = c.2 }
        }
    }
}
