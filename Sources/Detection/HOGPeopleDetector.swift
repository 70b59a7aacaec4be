import CHOGKernels
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
        /// In a region search (motion-gated), the pyramid levels whose window is shorter than this fraction of
        /// the region's shorter side are skipped: a region is a moving blob padded (by a quarter of its size on
        /// every side) and grown to the planner's minimum size, so a person who made it fills most of it, and
        /// the small windows (the costly levels: the largest images) could only find someone far smaller than
        /// the motion. Whole-frame searches use every level. 0: every level everywhere.
        public var regionMinWindow: Float = 0.4

        public init(scaleStep: Double = 1.05, upscale: Float = 2, hitThreshold: Float = 0, groupThreshold: Int = 2,
                    groupEps: Double = 0.2, scoreThreshold: Float = 0, maxLevels: Int = 64,
                    marginX: Float = 16 / 64, marginY: Float = 16 / 128, regionMinWindow: Float = 0.4) {
            precondition(scaleStep > 1 && upscale > 0 && maxLevels >= 1 && (0..<0.5).contains(marginX)
                         && (0..<0.5).contains(marginY) && (0...1).contains(regionMinWindow))
            self.scaleStep = scaleStep; self.upscale = upscale; self.hitThreshold = hitThreshold
            self.groupThreshold = groupThreshold; self.groupEps = groupEps; self.scoreThreshold = scoreThreshold
            self.maxLevels = maxLevels; self.marginX = marginX; self.marginY = marginY
            self.regionMinWindow = regionMinWindow
        }
    }

    public static let windowWidth = 64, windowHeight = 128
    /// Blocks across and down one window.
    static let windowBlocks = (x: 7, y: 15)
    /// SVM weights plus the bias.
    public static let coefficientCount = 3781
    /// The kernel body this CPU runs (`VIGIL_HOG_ISA` caps it): "AVX-512", "AVX2+FMA" or "baseline".
    public static var kernelBody: String { ["baseline", "AVX2+FMA", "AVX-512"][Int(vigil_hog_isa())] }
    /// The values `VIGIL_HOG_ISA` accepts (`vigil_hog_isa_cap_named`): `none` or `baseline`, `avx2` or `avxvnni` (the
    /// AVX2 body), `avx512` (the widest the CPU has, as when unset).
    public static let capNames = ["none", "baseline", "avx2", "avxvnni", "avx512"]
    /// Whether `value` is one of `capNames`, exactly.
    public static func isKnownCap(_ value: String) -> Bool { vigil_hog_isa_cap_named(value) >= 0 }

    public let labels: [String]
    public var inputSize: (width: Int, height: Int) { (HOGPeopleDetector.windowWidth, HOGPeopleDetector.windowHeight) }
    public let parameters: Parameters
    /// A sliding window over an image pyramid: the work grows with the searched area.
    public var searchCostsByArea: Bool { true }
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
        // The shortest window worth searching, in searched-image pixels (0 for a whole frame).
        let minWindow = search.isRegion ? Double(parameters.regionMinWindow) * Double(min(search.width, search.height)) : 0
        for _ in 0..<parameters.maxLevels {
            let w = Int((Double(search.width) / scale).rounded(.toNearestOrEven))
            let h = Int((Double(search.height) / scale).rounded(.toNearestOrEven))
            guard w >= HOGPeopleDetector.windowWidth, h >= HOGPeopleDetector.windowHeight else { break }
            if Double(HOGPeopleDetector.windowHeight) * scale < minWindow { scale *= parameters.scaleStep; continue }
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
    /// correlation of the weight planes with the feature planes, one window row at a time (`vigil_hog_score`).
    private func scoreWindows(_ map: HOGFeatureMap, _ hit: (Int, Int, Float) -> Void) {
        let across = map.blocksX - HOGPeopleDetector.windowBlocks.x + 1
        let down = map.blocksY - HOGPeopleDetector.windowBlocks.y + 1
        guard across > 0, down > 0 else { return }
        let n = sampling.reserveHits(across: across, down: down)
        var m = map.kernelMap
        weights.withUnsafeBufferPointer { w in
            let found = Int(vigil_hog_score(&m, w.baseAddress!, bias, parameters.hitThreshold, sampling.acc.pointer,
                                            sampling.hitsX.pointer, sampling.hitsY.pointer, sampling.hitScores.pointer))
            precondition(found <= n)
            for k in 0..<found {
                hit(Int(sampling.hitsX.pointer[k]), Int(sampling.hitsY.pointer[k]), sampling.hitScores.pointer[k])
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
    /// Whether a region (not the whole frame) is searched.
    var isRegion: Bool

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
        isRegion = region != nil && (r.width < Float(sourceWidth) || r.height < Float(sourceHeight))
        toSource = (r.width / Float(width), r.height / Float(height))
        bufferRegion = r.scaled(x: Float(frame.width) / Float(sourceWidth), y: Float(frame.height) / Float(sourceHeight))
    }
}

/// Samples a pyramid level from the frame buffer into a `HOGFeatureMap`'s gamma planes (`vigil_hog_sample`):
/// bilinear with pixel centres aligned (OpenCV's INTER_LINEAR), clamped at the buffer's edges, rounded to 8 bits,
/// then √; and holds the scratch of the window scoring.
///
/// Thread safety: not thread-safe; owned by one detector, used under its lock.
struct HOGLevelSampling: ~Copyable {
    private var x0 = Int32Buffer(), x1 = Int32Buffer(), ax = FloatBuffer(), rowBuffer = FloatBuffer()
    /// Scoring scratch: two window rows' scores, and the hits.
    private(set) var acc = FloatBuffer(), hitsX = Int32Buffer(), hitsY = Int32Buffer(), hitScores = FloatBuffer()

    mutating func fill(_ map: HOGFeatureMap, width w: Int, height h: Int, from frame: PixelBuffer, region: Box) {
        map.prepare(width: w, height: h)
        x0.reserve(w); x1.reserve(w); ax.reserve(w); rowBuffer.reserve(frame.width * 3)
        var m = map.kernelMap
        vigil_hog_sample(&m, frame.data, Int32(frame.width), Int32(frame.height), frame.stride, region.x1, region.y1,
                         region.width / Float(w), region.height / Float(h), x0.pointer, x1.pointer, ax.pointer,
                         rowBuffer.pointer)
    }

    /// Room for every window of a level; returns their count.
    mutating func reserveHits(across: Int, down: Int) -> Int {
        acc.reserve(2 * ((across + 15) & ~15))  // two window rows at a time
        hitsX.reserve(across * down); hitsY.reserve(across * down); hitScores.reserve(across * down)
        return across * down
    }
}
