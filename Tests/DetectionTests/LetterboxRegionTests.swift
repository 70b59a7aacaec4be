import Testing
import VigilCore
@testable import Detection

/// A region letterboxed straight from the full frame: mapping back to source pixels, and the same input
/// tensor as letterboxing a cropped copy.
@Suite struct LetterboxRegionTests {
    @Test func regionBoxesMapBackToSourcePixels() {
        // 200×200 region at (100,50) of a 640×480 frame into 128×128: scale 0.64, no border
        let lb = Letterbox(sourceWidth: 640, sourceHeight: 480, width: 128, height: 128,
                           region: Box(x1: 100, y1: 50, x2: 300, y2: 250))
        #expect(lb.scale == 0.64 && lb.padX == 0 && lb.padY == 0)
        #expect(close(lb.source(x: 0, y: 0), (100, 50)))
        #expect(close(lb.source(x: 64, y: 64), (200, 150)))
        #expect(close(lb.source(Box(x1: 32, y1: 32, x2: 96, y2: 96)), Box(x1: 150, y1: 100, x2: 250, y2: 200)))
        // a box reaching past the input is clipped to the region, not to the frame
        #expect(close(lb.source(Box(x1: -20, y1: 100, x2: 140, y2: 140)), Box(x1: 100, y1: 206.25, x2: 300, y2: 250)))
    }

    @Test func aWideRegionIsCentredWithABorder() {
        let lb = Letterbox(sourceWidth: 640, sourceHeight: 480, width: 128, height: 128,
                           region: Box(x1: 100, y1: 50, x2: 300, y2: 150))
        #expect(lb.padX == 0 && lb.padY == 32)
        #expect(close(lb.source(x: 0, y: 32), (100, 50)))
        #expect(close(lb.source(x: 128, y: 96), (300, 150)))
    }

    @Test func regionsAreClippedToTheFrame() {
        let lb = Letterbox(sourceWidth: 640, sourceHeight: 480, width: 64, height: 64,
                           region: Box(x1: 600, y1: -40, x2: 700, y2: 60))
        #expect(lb.region == Box(x1: 600, y1: 0, x2: 640, y2: 60))
        #expect(Letterbox(sourceWidth: 640, sourceHeight: 480, width: 64, height: 64).region
                == Box(x1: 0, y1: 0, x2: 640, y2: 480))
    }

    /// Sampling the region in place reads the same pixels as a cropped copy would (a 2:1 downscale, where
    /// no sample reaches outside the crop).
    @Test func fillFromARegionEqualsFillFromACroppedCopy() {
        let frame = PixelBuffer(width: 640, height: 480, format: .rgb24)
        for y in 0..<480 {
            for x in 0..<640 {
                let p = frame.data + y * frame.stride + 3 * x
                p[0] = UInt8((x * 7 + y * 3) & 255); p[1] = UInt8((x ^ y) & 255); p[2] = UInt8((x * y) & 255)
            }
        }
        let crop = PixelBuffer(width: 256, height: 256, format: .rgb24)
        for y in 0..<256 {
            for x in 0..<(256 * 3) { crop.data[y * crop.stride + x] = frame.data[(y + 100) * frame.stride + 3 * 200 + x] }
        }
        let n = 3 * 128 * 128
        var a = [Float](repeating: 0, count: n), b = a
        Letterbox(sourceWidth: 640, sourceHeight: 480, width: 128, height: 128,
                  region: Box(x1: 200, y1: 100, x2: 456, y2: 356))
            .fill(&a, multiplier: 1 / 127.5, offset: -1, border: 0, from: frame)
        Letterbox(sourceWidth: 256, sourceHeight: 256, width: 128, height: 128)
            .fill(&b, multiplier: 1 / 127.5, offset: -1, border: 0, from: crop)
        #expect(a == b)
        #expect(Set(a).count > 100)  // not a constant picture
    }
}

func close(_ a: (Float, Float), _ b: (Float, Float)) -> Bool { abs(a.0 - b.0) < 1e-3 && abs(a.1 - b.1) < 1e-3 }
func close(_ a: Box, _ b: Box) -> Bool { close((a.x1, a.y1), (b.x1, b.y1)) && close((a.x2, a.y2), (b.x2, b.y2)) }

extension Letterbox {
    func fill(_ out: inout [Float], multiplier: Float, offset: Float, border: Float, from rgb: PixelBuffer) {
        out.withUnsafeMutableBufferPointer { fill($0, from: rgb, multiplier: multiplier, offset: offset, border: border) }
    }
}
