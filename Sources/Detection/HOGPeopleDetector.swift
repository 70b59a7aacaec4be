import Foundation
import VigilCore

/// The Dalal–Triggs pedestrian detector (HOG features + a linear SVM over a 64×128 window) with OpenCV's
/// trained coefficients (`samples/models/hog_people/svm.f32`), searched as OpenCV's
/// `HOGDescriptor.detectMultiScale` does: the frame (or region) is scaled by `upscale` (2: windows down to
/// 64 source pixels tall, people in them down to about 48), then an image pyramid (each level `scaleStep` smaller) is searched
/// with an 8-pixel window stride; windows scoring at least `hitThreshold` are grouped as OpenCV's
/// `groupRectangles` (a group needs more than `groupThreshold` windows) and reported with the group's best
/// SVM margin `m` as score `1 / (1 + e^-m)` (0.5 at margin 0). The reported box is the person inside the
/// window: the detector was trained on 64×128 windows with the person centred and about 16 pixels of
/// margin on every side (Dalal & Triggs), so the window less that margin (`marginX`, `marginY`) has its
/// bottom at the feet, where the rules judge an object.
///
/// Each pyramid level's blocks are computed once (`HOGFeatureMap`); the SVM then scores every window as a
/// correlation of its weights with the block planes. One thread per call, as the daemon runs its detectors.
///
/// Thread safety: `detect` is serialised by a lock (one set of level buffers per instance).
public final class HOGPeopleDetector: Detector, @unchecked Sendable {
    // @unchecked: the feature map and the level tables are touched only under `lock`; the rest is immutable.
    public struct Parameters: Sendable, Equatable {
        /// Size ratio of successive pyramid levels (> 1).
        public var scaleStep: Double = 1.05
        /// The region is searched at this multiple of its source size first (the smallest window is
        /// 128 / upscale source pixels tall, the person in it three quarters of that).
        public var upscale: Float = 2
        /// Least SVM margin of a window.
        public var hitThreshold: Float = 0
        /// A group of overlapping windows is a person when it holds more than this many windows.
        public var groupThreshold: Int = 2
        /// Windows whose sides differ by at most this fraction of their mean size are grouped.
        public var groupEps: Double = 0.2
        /// Least reported score (after grouping).
        public var scoreThreshold: Float = 0
        /// Most pyramid levels.
        public var maxLevels: Int = 64
        /// Fraction of the window's width (height) cut from its left and right (top and bottom) for the
        /// reported box; 0 reports OpenCV's windows.
        public var marginX: Float = 16 / 64, marginY: Float = 16 / 128

        public init(scaleStep: Double = 1.05, upscale: Float = 2, hitThreshold: Float = 0, groupThreshold: Int = 2,
                    groupEps: Double = 0.2, scoreThreshold: Float = 0, maxLevels: Int = 64,
                    marginX: Float = 16 / 64, marginY: Float = 16 / 128) {
            precondition(scaleStep > 1 && upscale > 0 && maxLevels >= 1 && (0..<0.5).contains(marginX)
                         && (0..<0.5).contains(marginY))
            self.scaleStep = scaleStep; self.upscale = upscale; self.hitThreshold = hitThreshold
            self.groupThreshold = groupThreshold; self.groupEps = groupEps; self.scoreThreshold = scoreThreshold
            self.maxLevels = maxLevels; self.marginX = marginX; self.marginY = marginY
        }
    }

    public static let windowWidth = 64, windowHeight = 128
    /// Blocks across and down one window.
    static let windowBlocks = (x: 7, y: 15)
    /// SVM weights plus the bias.
    public static let coefficientCount = 3781

    public let labels: [String]
    public var inputSize: (width: Int, height: Int) { (HOGPeopleDetector.windowWidth, HOGPeopleDetector.windowHeight) }
    public let parameters: Parameters
    /// The weights reordered for the correlation: `[block y][in-block index][block x]`.
    private let weights: [Float]
    private let bias: Float
    private let map = HOGFeatureMap()
    private var sampling = HOGLevelSampling()
    private let lock = NSLock()

    /// `svm`: 3781 values in OpenCV's order (block x, block y, cell x, cell y, bin; then the bias).
    public init(svm: [Float], parameters: Parameters = Parameters(), label: String = "person") throws {
        guard svm.count == HOGPeopleDetector.coefficientCount, svm.allSatisfy(\.isFinite) else {
            throw DetectorError(model: "hog", reason: "expected \(HOGPeopleDetector.coefficientCount) finite SVM coefficients, got \(svm.count)")
        }
        let (bx, by, n) = (HOGPeopleDetector.windowBlocks.x, HOGPeopleDetector.windowBlocks.y, HOGFeatureMap.blockLength)
        var w = [Float](repeating: 0, count: bx * by * n)
        for x in 0..<bx {
            for y in 0..<by {
                for k in 0..<n { w[(y * n + k) * bx + x] = svm[(x * by + y) * n + k] }
            }
        }
        weights = w
        bias = svm[svm.count - 1]
        self.parameters = parameters
        labels = [label]
    }

    /// Reads the coefficients from a file of 3781 little-endian float32 values (`svm.f32`).
    public convenience init(contentsOf url: URL, parameters: Parameters = Parameters(), label: String = "person") throws {
        guard let data = try? Data(contentsOf: url) else {
            throw DetectorError(model: url.path, reason: "cannot read")
        }
        guard data.count == HOGPeopleDetector.coefficientCount * 4 else {
            throw DetectorError(model: url.path, reason: "expected \(HOGPeopleDetector.coefficientCount) float32 values (\(HOGPeopleDetector.coefficientCount * 4) bytes), found \(data.count) bytes")
        }
        let svm = data.withUnsafeBytes { raw in
            (0..<HOGPeopleDetector.coefficientCount).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
            }
        }
        do { try self.init(svm: svm, parameters: parameters, label: label) } catch let e as DetectorError {
            throw DetectorError(model: url.path, reason: e.reason)
        }
    }

    public func detect(_ frame: PixelBuffer, region: Box?, sourceWidth: Int, sourceHeight: Int) throws -> [Detection] {
        guard let search = try HOGSearch(frame: frame, region: region, sourceWidth: sourceWidth,
                                      sourceHeight: sourceHeight, upscale: parameters.upscale) else { return [] }
        let groups = HOGGrouping.group(windows(frame, search: search), threshold: parameters.groupThreshold,
                                       eps: parameters.groupEps)
        var out: [Detection] = []
        for g in groups {
            // The person inside the window, then OpenCV's clipObjects: inside the searched image, or dropped.
            let mx = Float(g.width) * parameters.marginX, my = Float(g.height) * parameters.marginY
            let x1 = max(0, Float(g.x) + mx), y1 = max(0, Float(g.y) + my)
            let x2 = min(Float(search.width), Float(g.x + g.width) - mx)
            let y2 = min(Float(search.height), Float(g.y + g.height) - my)
            guard x2 > x1, y2 > y1 else { continue }
            let score = Float(1 / (1 + exp(-Double(g.score))))
            guard score >= parameters.scoreThreshold else { continue }
            let box = Box(x1: search.origin.x + x1 * search.toSource.x, y1: search.origin.y + y1 * search.toSource.y,
                          x2: search.origin.x + x2 * search.toSource.x, y2: search.origin.y + y2 * search.toSource.y)
            out.append(Detection(box: box, score: score, classIndex: 0, label: labels[0]))
        }
        return out.sorted { $0.score > $1.score }
    }

    /// Every window scoring at least `hitThreshold`, before grouping, in the searched image's pixels
    /// (the region at `upscale`): OpenCV's `detectMultiScale` candidates.
    public func windows(_ frame: PixelBuffer, region: Box?, sourceWidth: Int, sourceHeight: Int) throws -> [HOGWindow] {
        guard let search = try HOGSearch(frame: frame, region: region, sourceWidth: sourceWidth,
                                      sourceHeight: sourceHeight, upscale: parameters.upscale) else { return [] }
        return windows(frame, search: search)
    }

    private func windows(_ frame: PixelBuffer, search: HOGSearch) -> [HOGWindow] {
        lock.lock()
        defer { lock.unlock() }
        var found: [HOGWindow] = []
        var scale = 1.0
        for _ in 0..<parameters.maxLevels {
            let w = Int((Double(search.width) / scale).rounded(.toNearestOrEven))
            let h = Int((Double(search.height) / scale).rounded(.toNearestOrEven))
            guard w >= HOGPeopleDetector.windowWidth, h >= HOGPeopleDetector.windowHeight else { break }
            sampling.fill(map, width: w, height: h, from: frame, region: search.bufferRegion)
            map.compute()
            let size = (Int((64 * scale).rounded(.toNearestOrEven)), Int((128 * scale).rounded(.toNearestOrEven)))
            scoreWindows(map) { wx, wy, s in
                found.append(HOGWindow(x: Int((Double(wx * 8) * scale).rounded(.toNearestOrEven)),
                                       y: Int((Double(wy * 8) * scale).rounded(.toNearestOrEven)),
                                       width: size.0, height: size.1, score: s))
            }
            scale *= parameters.scaleStep
        }
        return found
    }

    /// The SVM on every window of `map` (8-pixel stride): score = bias + Σ weights · block features, as a
    /// correlation of the weight planes with the feature planes, one window row at a time.
    private func scoreWindows(_ map: HOGFeatureMap, _ hit: (Int, Int, Float) -> Void) {
        let (bx, by, n) = (HOGPeopleDetector.windowBlocks.x, HOGPeopleDetector.windowBlocks.y, HOGFeatureMap.blockLength)
        let across = map.blocksX - bx + 1, down = map.blocksY - by + 1
        guard across > 0, down > 0 else { return }
        var acc = [Float](repeating: 0, count: (across + 15) & ~15)
        let stride = map.planeStride, f = map.features.pointer, threshold = parameters.hitThreshold
        weights.withUnsafeBufferPointer { w in
            acc.withUnsafeMutableBufferPointer { a in
                let out = a.baseAddress!
                for wy in 0..<down {
                    out.update(repeating: bias, count: a.count)
                    for y in 0..<by {
                        let rows = f + (wy + y) * n * stride
                        for k in 0..<n {
                            let plane = rows + k * stride, wk = w.baseAddress! + (y * n + k) * bx
                            for x in 0..<bx { hogAxpy(across, wk[x], plane + x, out) }
                        }
                    }
                    for wx in 0..<across where out[wx] >= threshold { hit(wx, wy, out[wx]) }
                }
            }
        }
    }
}

/// One scored window (or a group of them) in the searched image's pixels.
public struct HOGWindow: Sendable, Equatable {
    public var x: Int, y: Int, width: Int, height: Int
    /// The SVM margin (a group: its best window's).
    public var score: Float
    public init(x: Int, y: Int, width: Int, height: Int, score: Float) {
        self.x = x; self.y = y; self.width = width; self.height = height; self.score = score
    }
}

/// Where one detector call looks: the region in source and buffer pixels and the searched image's size.
///
/// Thread safety: an immutable value.
struct HOGSearch {
    /// The searched image: the region at `upscale`.
    var width: Int, height: Int
    /// The region's top-left corner in source pixels, and source pixels per searched-image pixel.
    var origin: (x: Float, y: Float), toSource: (x: Float, y: Float)
    /// The region in the frame buffer's pixels.
    var bufferRegion: Box

    /// nil when the region is empty or smaller than one window at `upscale`.
    init?(frame: PixelBuffer, region: Box?, sourceWidth: Int, sourceHeight: Int, upscale: Float) throws {
        guard frame.format == .rgb24 else {
            throw DetectorError(model: "hog_people", reason: "needs an RGB24 frame")
        }
        guard sourceWidth > 0, sourceHeight > 0 else { return nil }
        let r = (region ?? Box(x1: 0, y1: 0, x2: Float(sourceWidth), y2: Float(sourceHeight)))
            .clipped(width: Float(sourceWidth), height: Float(sourceHeight))
        guard r.width.isFinite, r.height.isFinite else { return nil }
        width = Int((r.width * upscale).rounded()); height = Int((r.height * upscale).rounded())
        guard width >= HOGPeopleDetector.windowWidth, height >= HOGPeopleDetector.windowHeight else { return nil }
        origin = (r.x1, r.y1)
        toSource = (r.width / Float(width), r.height / Float(height))
        bufferRegion = r.scaled(x: Float(frame.width) / Float(sourceWidth), y: Float(frame.height) / Float(sourceHeight))
    }
}

/// Samples a pyramid level from the frame buffer into a `HOGFeatureMap`'s gamma planes: bilinear with
/// pixel centres aligned (OpenCV's INTER_LINEAR), clamped at the buffer's edges, rounded to 8 bits, then √.
/// Each output row interpolates its two source rows first (a vectorised pass over the bytes it needs), then
/// along x.
///
/// Thread safety: not thread-safe; owned by one detector, used under its lock.
struct HOGLevelSampling {
    private var x0 = [Int32](), x1 = [Int32](), ax = [Float](), rowBuffer = [Float]()

    mutating func fill(_ map: HOGFeatureMap, width w: Int, height h: Int, from frame: PixelBuffer, region: Box) {
        map.prepare(width: w, height: h)
        let sx = region.width / Float(w), sy = region.height / Float(h)
        if x0.count < w { x0 = [Int32](repeating: 0, count: w); x1 = x0; ax = [Float](repeating: 0, count: w) }
        for x in 0..<w {
            let (i, j, a) = HOGLevelSampling.tap(region.x1 + (Float(x) + 0.5) * sx - 0.5, limit: frame.width)
            x0[x] = Int32(i * 3); x1[x] = Int32(j * 3); ax[x] = a
        }
        let first = Int(x0[0]), span = Int(x1[w - 1]) + 3 - first  // the bytes of a source row the level reads
        if rowBuffer.count < span { rowBuffer = [Float](repeating: 0, count: span) }
        let r = map.planeRow(0, 0), planeSize = map.height * map.rowStride, stride = map.rowStride  // R; G, B a plane on
        x0.withUnsafeBufferPointer { x0 in
            x1.withUnsafeBufferPointer { x1 in
                ax.withUnsafeBufferPointer { ax in
                    rowBuffer.withUnsafeMutableBufferPointer { rowBuffer in
                        let row = rowBuffer.baseAddress! - first
                        for y in 0..<h {
                            let (i, j, ay) = HOGLevelSampling.tap(region.y1 + (Float(y) + 0.5) * sy - 0.5, limit: frame.height)
                            let top = frame.data + i * frame.stride, bottom = frame.data + j * frame.stride
                            for k in first..<(first + span) {
                                let t = Float(top[k])
                                row[k] = t + ay * (Float(bottom[k]) - t)
                            }
                            let out = r + y * stride
                            for x in 0..<w {
                                let p = Int(x0[x]), q = Int(x1[x]), a = ax[x]
                                for c in 0..<3 {
                                    let v = row[p + c] + a * (row[q + c] - row[p + c])
                                    // Rounded to 8 bits through the mantissa (1.5·2²³), then OpenCV's gamma √.
                                    out[c * planeSize + x] = ((v + 12_582_912) - 12_582_912).squareRoot()
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The two source pixels and the weight of the second for sample position `f` (clamped to 0…limit−1).
    @inline(__always)
    static func tap(_ f: Float, limit: Int) -> (Int, Int, Float) {
        let c = min(max(f, 0), Float(limit - 1))
        let i = Int(c)
        return (i, min(i + 1, limit - 1), c - Float(i))
    }
}
