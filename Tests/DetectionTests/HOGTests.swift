import CHOGKernels
import Foundation
import Media
import TestSupport
import Testing
import VigilCore
@testable import Detection

/// The HOG people detector: its parts on cases small enough to check by hand, bad input, and (with
/// VIGIL_OPENCV_DATA) its boxes beside OpenCV's on real images (Tests/Fixtures/hog_opencv_boxes.json, made by
/// scripts/make_hog_fixture.py).
struct HOGTests {
    static func detector(_ p: HOGPeopleDetector.Parameters = .init()) throws -> HOGPeopleDetector {
        let url = DetectorLoader.resolve("hog_people", modelsDirectory: modelsDirectory)
        return try #require(try DetectorLoader.load(url) as? HOGPeopleDetector)
    }

    @Test func shippedNameLoadsTheHOGDetector() throws {
        let url = DetectorLoader.resolve("hog_people", modelsDirectory: modelsDirectory)
        #expect(url.lastPathComponent == "svm.f32")
        let d = try DetectorLoader.load(url, labels: ["pedestrian"], scoreThreshold: 0.6)
        let hog = try #require(d as? HOGPeopleDetector)
        #expect(hog.labels == ["pedestrian"] && hog.parameters.scoreThreshold == 0.6)
        #expect(d.inputSize == (64, 128))
    }

    /// Gradients on the bin centres and edges: 0° lies between bins 8 (170°) and 0 (10°), 90° is bin 4's
    /// centre, 45° is 3/4 of the way from bin 1 (30°) to bin 2 (50°); a gradient and its opposite fall alike.
    @Test func gradientSplitsBetweenTheTwoNearestBins() {
        let dx = SIMD8<Float>(1, 0, 1, -1, 1, 0, -1, 0), dy = SIMD8<Float>(0, 1, 1, 1, -1, 0, 0, -1)
        var w0 = SIMD8<Float>(), w1 = SIMD8<Float>(), h0 = SIMD8<Int32>(), h1 = SIMD8<Int32>()
        for k in 0..<8 {
            (w0[k], w1[k], h0[k], h1[k]) = HOGFeatureMap.binGradient(dx: dx[k], dy: dy[k],
                                                                     magnitude: (dx[k] * dx[k] + dy[k] * dy[k]).squareRoot())
        }
        let r2 = Float(2).squareRoot()
        // (bin, share) pairs per lane; a share on a bin edge may land on either neighbour with weight 0.
        let expected: [[Int: Float]] = [[8: 0.5, 0: 0.5], [4: 1], [1: 0.25 * r2, 2: 0.75 * r2], [6: 0.75 * r2, 7: 0.25 * r2],
                                        [6: 0.75 * r2, 7: 0.25 * r2], [:], [8: 0.5, 0: 0.5], [4: 1]]
        for (k, e) in expected.enumerated() {
            var histogram = [Float](repeating: 0, count: 9)
            histogram[Int(h0[k])] += w0[k]
            histogram[Int(h1[k])] += w1[k]
            #expect(h1[k] == (h0[k] + 1) % 9, "lane \(k)")
            for bin in 0..<9 { #expect(abs(histogram[bin] - (e[bin] ?? 0)) < 1e-3, "lane \(k) bin \(bin): \(histogram)") }
        }
    }

    @Test func fastAngleIsWithinAThousandthOfARadian() {
        var worst: Float = 0
        for i in 0..<720 {
            let t = Double(i) * .pi / 360, r = Float.random(in: 0.5...300)
            let got = HOGFeatureMap.unsignedAngle(dx: Float(cos(t)) * r, dy: Float(sin(t)) * r)
            let error = abs(got - Float(t.truncatingRemainder(dividingBy: .pi)))
            worst = max(worst, min(error, Float.pi - error))  // 0 and π are one direction
        }
        #expect(worst < 1e-3, "worst \(worst)")
    }

    /// Pixel column j of a block: Gaussian window exp(−(j−8)²/32) times the distance to the cell centres
    /// 3.5 and 11.5 in units of a cell.
    @Test func cellWeightsAreOpenCVs() {
        let t = HOGFeatureMap.cellWeights
        let g = { (j: Float) in Float(exp(Double(-(j - 8) * (j - 8) / 32))) }
        #expect(abs(t[0] - g(0) * 0.5625) < 1e-6 && t[1] == 0)
        #expect(abs(t[8] - g(4) * 0.9375) < 1e-6 && abs(t[9] - g(4) * 0.0625) < 1e-6)
        #expect(abs(t[16] - 0.4375) < 1e-6 && abs(t[17] - 0.5625) < 1e-6)
        #expect(t[30] == 0 && abs(t[31] - g(15) * 0.5625) < 1e-6)
    }

    @Test func l2HysNormalisesClipsAndRenormalises() {
        var one = [Float](repeating: 0, count: 36)
        one[5] = 1  // 1 / (1 + 3.6) = 0.217 → clipped to 0.2 → 0.2 / (0.2 + 0.001)
        HOGFeatureMap.l2Hys(&one)
        #expect(abs(one[5] - 0.2 / 0.201) < 1e-5)
        #expect(one.enumerated().allSatisfy { $0.offset == 5 || $0.element == 0 })
        var flat = [Float](repeating: 2, count: 36)  // 2 / (12 + 3.6) = 0.128, no clipping, then unit norm
        HOGFeatureMap.l2Hys(&flat)
        let before: Float = 6 * 2 / 15.6  // the norm after the first step
        let norm = flat.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - before / (before + 0.001)) < 1e-5 && abs(flat[0] - flat[35]) < 1e-7)
        var zero = [Float](repeating: 0, count: 36)
        HOGFeatureMap.l2Hys(&zero)
        #expect(zero.allSatisfy { $0 == 0 })
    }

    /// One 16×16 block with a faint vertical step (0.1 after gamma, so L2-Hys does not clip) between columns
    /// 7 and 8: only those two columns
    /// have a gradient (0°: bins 8 and 0, half each); the left cells hold g(7)·0.5625 + g(8)·0.4375 against
    /// g(7)·0.4375 + g(8)·0.5625 for the right (g: the Gaussian window, centred on pixel 8 as OpenCV's), and
    /// the top cells Σ g(i)·(weight of cell row 0 at row i) against the same for the bottom ones.
    @Test func blockOfAVerticalStepEdge() {
        let map = HOGFeatureMap()
        map.prepare(width: 16, height: 16)
        for c in 0..<3 {
            for y in 0..<16 {
                let r = map.planeRow(c, y)
                for x in 0..<16 { r[x] = x < 8 ? 0 : 0.1 }
            }
        }
        map.compute()
        #expect(map.blocksX == 1 && map.blocksY == 1)
        let v = (0..<36).map { map.features.pointer[$0 * map.planeStride] }
        let g7 = Float(exp(-1.0 / 32)), left = g7 * 0.5625 + 0.4375, right = g7 * 0.4375 + 0.5625
        for cell in 0..<4 {
            for bin in 0..<9 where bin != 0 && bin != 8 { #expect(v[cell * 9 + bin] == 0) }
            #expect(abs(v[cell * 9] - v[cell * 9 + 8]) < 1e-6)
        }
        let t = HOGFeatureMap.cellWeights
        let top = (0..<16).reduce(Float(0)) { $0 + t[$1 * 2] }, bottom = (0..<16).reduce(Float(0)) { $0 + t[$1 * 2 + 1] }
        #expect(abs(v[0] / v[9] - top / bottom) < 1e-4 && abs(v[18] / v[27] - top / bottom) < 1e-4)
        #expect(abs(v[0] / v[18] - left / right) < 1e-4)               // cell x 0 against cell x 1
        #expect(v[0] > 0)
    }

    /// A busy picture (every orientation bin, bin 8 included, at every pixel column of a cell) through each
    /// kernel body the CPU has (`vigil_hog_compute_with`: 0 baseline, 1 AVX2, 2 AVX-512, capped at the CPU's): the
    /// AVX2 and AVX-512 bodies give the same bits, the baseline (its histogram written without intrinsics, adding
    /// unfused) the same features to 1e-6. 47 blocks across: five groups of eight and a partial one.
    @Test func everyKernelBodyGivesTheSameFeatures() {
        let map = HOGFeatureMap()
        map.prepare(width: 384, height: 100)
        var rng = SplitMix(seed: 7)
        for c in 0..<3 {
            for y in 0..<100 {
                let r = map.planeRow(c, y)
                for x in 0..<384 { r[x] = Float(rng.next() % 256).squareRoot() }
            }
        }
        var features: [[Float]] = []
        for isa: Int32 in 0...2 {
            var m = map.kernelMap
            vigil_hog_compute_with(isa, &m)
            features.append((0..<(map.blocksY * HOGFeatureMap.blockLength)).flatMap { p in
                (0..<map.blocksX).map { map.features.pointer[p * map.planeStride + $0] }
            })
        }
        #expect(map.blocksX == 47 && features[0].contains { $0 > 0.1 })
        #expect(zip(features[1], features[2]).filter { $0 != $1 }.isEmpty, "AVX2 against AVX-512")
        let worst = zip(features[0], features[1]).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-6, "baseline against AVX2: \(worst)")
    }

    /// Sampling a level (`vigil_hog_sample_with`) gives the same gamma planes in every body, enlarging and shrinking,
    /// from a region inside the frame and one reaching its right and bottom edges (the taps clamped there); and a
    /// pixel of the plane is the bilinear sample, rounded, then √.
    @Test func everyKernelBodySamplesTheSameLevel() {
        let frame = PixelBuffer(width: 160, height: 120, format: .rgb24)
        var rng = SplitMix(seed: 3)
        for i in 0..<frame.byteCount { frame.data[i] = UInt8(truncatingIfNeeded: rng.next()) }
        let cases: [(w: Int, h: Int, region: (Float, Float, Float, Float))] = [
            (203, 150, (10.5, 7, 100, 75)), (77, 61, (0, 0, 160, 120)), (131, 97, (37, 21, 123, 99)),
        ]
        for (w, h, r) in cases {
            var planes: [[Float]] = []
            for isa: Int32 in 0...2 {
                let map = HOGFeatureMap()
                map.prepare(width: w, height: h)
                var x0 = [Int32](repeating: 0, count: w + 16), x1 = x0, ax = [Float](repeating: 0, count: w + 16)
                var row = [Float](repeating: 0, count: frame.width * 3 + 16)
                var m = map.kernelMap
                vigil_hog_sample_with(isa, &m, frame.data, Int32(frame.width), Int32(frame.height), frame.stride, r.0, r.1,
                                      r.2 / Float(w), r.3 / Float(h), &x0, &x1, &ax, &row)
                planes.append((0..<3).flatMap { c in (0..<h).flatMap { y in (0..<w).map { map.planeRow(c, y)[$0] } } })
            }
            for k in 1...2 { #expect(zip(planes[0], planes[k]).filter { $0 != $1 }.isEmpty, "\(w)×\(h), body \(k)") }
            // Pixel (5, 4) of the green plane by hand.
            let sx = r.2 / Float(w), sy = r.3 / Float(h)
            let fx = r.0 + 5.5 * sx - 0.5, fy = r.1 + 4.5 * sy - 0.5
            let i = Int(max(0, fx)), j = Int(max(0, fy)), a = max(0, fx) - Float(i), b = max(0, fy) - Float(j)
            let px = { (x: Int, y: Int) in Float(frame.data[y * frame.stride + x * 3 + 1]) }
            // down the two source columns first, then across, as the kernel
            let left = px(i, j) + b * (px(i, j + 1) - px(i, j)), right = px(i + 1, j) + b * (px(i + 1, j + 1) - px(i + 1, j))
            let expected = (left + a * (right - left)).rounded(.toNearestOrEven).squareRoot()
            #expect(abs(planes[0][w * h + 4 * w + 5] - expected) < 1e-5, "\(w)×\(h)")
        }
    }

    /// The SVM kernel (two window rows at a time, runs of 32 and of 8 windows) against a plain sum over each window
    /// of random features and weights: 45 windows across (one run of 32, two of 8) and 5 down (two pairs and a
    /// single row), every window reported with a threshold of −∞, in row order; the bodies give the same bits.
    @Test func windowScoresAreTheSumsOverTheirBlocks() throws {
        let map = HOGFeatureMap()
        map.prepare(width: 416, height: 160)
        let (bxs, bys, n) = (HOGPeopleDetector.windowBlocks.x, HOGPeopleDetector.windowBlocks.y, HOGFeatureMap.blockLength)
        let across = map.blocksX - bxs + 1, down = map.blocksY - bys + 1
        #expect(across == 45 && down == 5)
        var rng = SplitMix(seed: 11)
        let value = { (rng: inout SplitMix) in Float(rng.next() % 1000) / 1000 - 0.3 }
        for p in 0..<(map.blocksY * n) { for bx in 0..<map.blocksX { map.features.pointer[p * map.planeStride + bx] = value(&rng) } }
        let weights = (0..<(bxs * bys * n)).map { _ in value(&rng) }  // [block y][k][block x]
        let bias: Float = -0.5
        var expected: [Double] = []
        for wy in 0..<down {
            for wx in 0..<across {
                var s = Double(bias)
                for y in 0..<bys { for k in 0..<n { for x in 0..<bxs {
                    s += Double(weights[(y * n + k) * bxs + x]) * Double(map.features.pointer[((wy + y) * n + k) * map.planeStride + wx + x])
                } } }
                expected.append(s)
            }
        }
        var scores: [[Float]] = []
        for isa: Int32 in 0...2 {
            var acc = [Float](repeating: 0, count: 2 * ((across + 15) & ~15) + 16)
            var hx = [Int32](repeating: -1, count: across * down), hy = hx, hs = [Float](repeating: 0, count: across * down)
            var m = map.kernelMap
            let found = vigil_hog_score_with(isa, &m, weights, bias, -.greatestFiniteMagnitude, &acc, &hx, &hy, &hs)
            #expect(Int(found) == across * down)
            #expect(hx == (0..<down).flatMap { _ in (0..<across).map(Int32.init) })
            #expect(hy == (0..<down).flatMap { wy in [Int32](repeating: Int32(wy), count: across) })
            let worst = zip(hs, expected).map { abs(Double($0) - $1) }.max() ?? 1
            #expect(worst < 1e-3, "body \(isa): \(worst)")
            scores.append(hs)
        }
        for k in 1...2 { #expect(zip(scores[0], scores[k]).filter { $0 != $1 }.isEmpty, "body \(k)") }
        // A threshold: exactly the windows scoring at least it.
        var acc = [Float](repeating: 0, count: 2 * ((across + 15) & ~15) + 16)
        var hx = [Int32](repeating: -1, count: across * down), hy = hx, hs = [Float](repeating: 0, count: across * down)
        var m = map.kernelMap
        let threshold = scores[0].sorted()[scores[0].count / 2]
        let found = Int(vigil_hog_score(&m, weights, bias, threshold, &acc, &hx, &hy, &hs))
        #expect(found == scores[0].filter { $0 >= threshold }.count)
        #expect(zip(hx.prefix(found), hy.prefix(found)).allSatisfy { scores[0][Int($1) * across + Int($0)] >= threshold })
    }

    @Test func aFlatPictureHasNobody() throws {
        let frame = PixelBuffer(width: 100, height: 140, format: .rgb24)
        frame.data.update(repeating: 128, count: frame.byteCount)
        #expect(try Self.detector().detect(frame, sourceWidth: 100, sourceHeight: 140).isEmpty)
    }

    @Test func badInputGivesNothingOrAClearError() throws {
        let d = try Self.detector()
        let frame = PixelBuffer(width: 64, height: 48, format: .rgb24)
        #expect(try d.detect(frame, sourceWidth: 64, sourceHeight: 48).isEmpty)  // 128×96 at 2×: under 128 tall
        #expect(try d.detect(frame, region: Box(x1: 10, y1: 10, x2: 10, y2: 40), sourceWidth: 64, sourceHeight: 48).isEmpty)
        #expect(try d.detect(frame, region: Box(x1: 100, y1: 100, x2: 200, y2: 200), sourceWidth: 64, sourceHeight: 48).isEmpty)
        #expect(try d.detect(frame, region: Box(x1: .nan, y1: 0, x2: 30, y2: 30), sourceWidth: 64, sourceHeight: 48).isEmpty)
        #expect(try d.detect(frame, sourceWidth: 0, sourceHeight: 0).isEmpty)
        let grey = PixelBuffer(width: 200, height: 300, format: .gray8)
        #expect(throws: DetectorError.self) { try d.detect(grey, sourceWidth: 200, sourceHeight: 300) }
        #expect(throws: DetectorError.self) { try HOGPeopleDetector(svm: [Float](repeating: 0, count: 100)) }
        var nan = [Float](repeating: 0, count: HOGPeopleDetector.coefficientCount)
        nan[7] = .nan
        #expect(throws: DetectorError.self) { try HOGPeopleDetector(svm: nan) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-hog-\(getpid()).f32")
        try Data(repeating: 0, count: 40).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: DetectorError.self) { try DetectorLoader.load(file) }
    }

    /// A region search skips the levels whose window is shorter than `regionMinWindow` of the region's shorter
    /// side: every window it reports is at least that tall, and with 0 it reports the small ones as well; a whole
    /// frame is searched at every level.
    @Test func regionSearchesSkipWindowsFarSmallerThanTheRegion() throws {
        let frame = PixelBuffer(width: 160, height: 160, format: .rgb24)
        for y in 0..<160 {  // a busy picture: vertical bars of varying width, so that many windows score
            for x in 0..<160 { for c in 0..<3 { frame.data[y * frame.stride + x * 3 + c] = UInt8(((x / (3 + y / 40)) % 2) * 200 + c * 20) } }
        }
        var all = HOGPeopleDetector.Parameters(hitThreshold: -10, regionMinWindow: 0)
        all.groupThreshold = 0
        var skipping = all
        skipping.regionMinWindow = 0.6
        let region = Box(x1: 0, y1: 0, x2: 150, y2: 150)
        let svm = [Float](repeating: 0.001, count: HOGPeopleDetector.coefficientCount)
        let every = try HOGPeopleDetector(svm: svm, parameters: all).windows(frame, region: region, sourceWidth: 160, sourceHeight: 160)
        let some = try HOGPeopleDetector(svm: svm, parameters: skipping).windows(frame, region: region, sourceWidth: 160, sourceHeight: 160)
        let whole = try HOGPeopleDetector(svm: svm, parameters: skipping).windows(frame, region: nil, sourceWidth: 160, sourceHeight: 160)
        #expect(every.contains { $0.height == 128 } && whole.contains { $0.height == 128 })
        #expect(!some.isEmpty && some.allSatisfy { Float($0.height) >= 0.6 * 300 - 1 }, "\(some.map(\.height))")
        #expect(some.count < every.count)
    }

    @Test func groupingKeepsCrowdedWindowsAndDropsLoneOnes() {
        let crowd = (0..<4).map { HOGWindow(x: 100 + $0, y: 50, width: 64, height: 128, score: Float($0)) }
        let lone = [HOGWindow(x: 400, y: 50, width: 64, height: 128, score: 5), HOGWindow(x: 402, y: 52, width: 64, height: 128, score: 1)]
        let g = HOGGrouping.group(crowd + lone, threshold: 2, eps: 0.2)
        #expect(g == [HOGWindow(x: 102, y: 50, width: 64, height: 128, score: 3)])  // mean 101.5 rounds to even
    }
}

/// Vigil's boxes beside OpenCV's (Tests/Fixtures/hog_opencv_boxes.json) on opencv-doc's photo and clip.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil))
struct HOGRealImageTests {
    struct Case: Decodable { var file: String; var frame: Int; var region: [Float]; var boxes: [[Float]] }
    struct Fixture: Decodable { var cases: [Case] }

    @Test(arguments: 0..<3) func boxesAgreeWithOpenCV(_ index: Int) throws {
        let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/hog_opencv_boxes.json")
        let c = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)).cases[index]
        var p = HOGPeopleDetector.Parameters()
        p.marginX = 0; p.marginY = 0  // OpenCV's windows
        p.regionMinWindow = 0  // and every pyramid level of the region, as OpenCV searched it
        let detector = try HOGPeopleDetector(contentsOf: DetectorLoader.resolve("hog_people", modelsDirectory: modelsDirectory),
                                             parameters: p)
        var options = SourceOptions()
        options.analysisHeight = 1 << 20
        let data = URL(fileURLWithPath: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"]!)
        let source = try VideoSource(url: data.appendingPathComponent(c.file).path, options: options)
        let buffer = PixelBuffer(width: source.analysisWidth, height: source.analysisHeight, format: .rgb24)
        var found: [Detection]?
        while let f = try source.next(into: buffer, scaling: { _ in true }), f.index <= c.frame {
            guard f.index == c.frame else { continue }
            found = try detector.detect(buffer, region: Box(x1: c.region[0], y1: c.region[1], x2: c.region[2], y2: c.region[3]),
                                        sourceWidth: f.sourceWidth, sourceHeight: f.sourceHeight)
        }
        let ours = try #require(found)
        let theirs = c.boxes.map { Box(x1: $0[0], y1: $0[1], x2: $0[2], y2: $0[3]) }
        #expect(!theirs.isEmpty)
        // Every OpenCV box has one of ours at IoU ≥ 0.5 and the other way round, but for one box per case
        // (windows whose margin lies near 0 on one side and not the other).
        let matchedTheirs = theirs.filter { t in ours.contains { $0.box.iou(t) >= 0.5 } }.count
        let matchedOurs = ours.filter { o in theirs.contains { $0.iou(o.box) >= 0.5 } }.count
        #expect(matchedTheirs >= theirs.count - 1, "\(c.file) \(c.frame): OpenCV \(theirs), Vigil \(ours.map(\.box))")
        #expect(matchedOurs >= ours.count - 1, "\(c.file) \(c.frame): OpenCV \(theirs), Vigil \(ours.map(\.box))")
    }
}
