import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// Camera tamper from the grey analysis frame, a pure and deterministic step per frame:
/// - `covered`: the mean grey level falls below `darkLevel`, or the contrast below `flatLevel`, when the
///   running baseline of that figure is well above it (a scene that is always dark is not "covered");
/// - `defocused`: sharpness (mean absolute Laplacian) falls below `defocusRatio` × its running baseline, over the
///   whole frame and in at least six of the 3×3 tiles with learnt structure (each against its own baseline);
/// - `moved`: the edge map of block means (blocks of about 1/30 of the frame height) correlates with the learnt
///   background's worse than `movedMatch` (correlation ignores brightness and contrast, so lighting changes and
///   blur do not look like a move), over the whole frame and in at least `movedTiles` (⅔, six) of the 3×3 tiles,
///   each with structure in its learnt background: a turned camera changes every part of the view, a person
///   walking close past the lens (or standing in the learnt background and leaving) only some, and a view with
///   structure in a few tiles only cannot tell a move from an object leaving.
/// `defocused` and `moved` are judged only when the background has structure (`minTexture`).
///
/// A condition must hold for `minSeconds` to raise one `tamper` alert (at most one per kind per cooldown); the
/// baselines stop learning while any condition holds, and after a `moved` alert the new view becomes the
/// background. Nothing is reported during the first `learnSeconds`. A frame too small to judge (fewer than 2×2
/// blocks) disables the detector instead of failing.
///
/// When every condition has been gone for `minSeconds` (the episode is over and the detector re-armed), each
/// kind that raised a `tamper` alert in the episode gets one `tamper_cleared` (severity info, the same
/// `details.kind`, `duration_s` from the condition's start to the first frame without any condition), dated at
/// the frame that confirms it. `moved` has none: the new view is taken as the background at once (moving the
/// camera back is another `moved`). An episode whose `tamper` the cooldown held back is not cleared either.
/// `update` returns at most one alert per frame, a `tamper` before a `tamper_cleared`; a second kind cleared on
/// the same frame (covered, then defocused, in one episode) comes on the next frame.
///
/// Thread safety: a value owned by one camera's analysis stage, which calls `update` serially.
public struct TamperDetector: Sendable {
    public private(set) var parameters: TamperParameters
    public let camera: CameraID
    public let width: Int
    public let height: Int
    let block: Int
    let blocksX: Int
    let blocksY: Int
    private var blocks: [Float]
    private var edges: [Float]
    private var reference: [Float]
    private var baseMean = 0.0, baseContrast = 0.0, baseSharpness = 0.0
    /// Sharpness per 3×3 tile (this frame, and the running baseline), and which tiles have learnt structure.
    private var tileSharpness = TileSums.Tile(), baseTileSharpness = TileSums.Tile()
    private var structuredTiles: [Bool] = Array(repeating: false, count: 9)
    private var learnedFrames = 0
    private var learnStart: Double? = nil
    private var lastTime: Double? = nil
    private var since: [TamperKind: Double] = [:]
    private var active: Set<TamperKind> = []
    private var clearSince: Double? = nil
    private var lastAlert: [TamperKind: Double] = [:]
    /// Kinds whose `tamper` was written in the current episode, with the condition's start time.
    private var alerted: [TamperKind: Double] = [:]
    /// `tamper_cleared` alerts due but not yet returned (one alert per frame): kind, start, end of the condition.
    private var clearedDue: [(TamperKind, Double, Double)] = []
    /// The last frame's figures.
    public private(set) var measurement = TamperMeasurement()

    public init(width: Int, height: Int, camera: CameraID, parameters: TamperParameters = TamperParameters()) {
        self.width = width; self.height = height; self.camera = camera; self.parameters = parameters
        block = max(1, height / 30)
        let usable = width >= 3 && height >= 3 && width / block >= 2 && height / block >= 2
        blocksX = usable ? width / block : 0
        blocksY = usable ? height / block : 0
        blocks = Array(repeating: 0, count: blocksX * blocksY)
        let n = usable ? (blocksX - 1) * (blocksY - 1) : 0
        edges = Array(repeating: 0, count: n)
        reference = Array(repeating: 0, count: n)
    }

    /// Which conditions hold in the last frame (before the `minSeconds` wait).
    public private(set) var suspected: Set<TamperKind> = []

    /// New thresholds, severity and cooldown from the next frame (a reload); the baselines, the learnt
    /// background and an open episode are kept, so its `tamper_cleared` still comes.
    public mutating func apply(_ new: TamperParameters) { parameters = new }

    /// Measures `gray` (the analysis frame, `width`×`height`) and returns a `tamper` alert when a condition has
    /// held long enough.
    public mutating func update(_ gray: PixelBuffer, facts: FrameFacts) -> Alert? {
        guard blocksX >= 2, gray.width == width, gray.height == height, gray.format == .gray8 else { return nil }
        let t = facts.mediaTime
        let dt = lastTime.map { max(0, t - $0) } ?? 0
        lastTime = t
        measure(gray)
        let m = measurement
        let p = parameters
        if learnStart == nil { learnStart = t }
        let learning = t - learnStart! < p.learnSeconds

        // Conditions, judged against the baselines.
        var now: Set<TamperKind> = []
        if learnedFrames > 0 {
            if (m.mean < p.darkLevel && baseMean >= 2 * p.darkLevel)
                || (m.contrast < p.flatLevel && baseContrast >= 3 * p.flatLevel) {
                now.insert(.covered)
            } else if textured {
                if m.match < p.movedMatch && m.mismatchedTiles >= TamperDetector.movedTiles { now.insert(.moved) }
                else if m.sharpness < p.defocusRatio * baseSharpness && m.blurredTiles >= TamperDetector.movedTiles {
                    now.insert(.defocused)
                }
            }
        }
        suspected = now

        if learning || now.isEmpty {
            learn(weight: learning ? 1 / Double(learnedFrames + 1) : 1 - exp(-dt / max(p.baselineSeconds, 1e-3)))
        }
        if learning { return nil }

        for k in TamperKind.allCases where !now.contains(k) { since[k] = nil }
        if now.isEmpty {
            if !active.isEmpty {
                let c = clearSince ?? t
                clearSince = c
                if t - c >= p.minSeconds - 1e-9 {  // the tolerance: frame times are sums of 1/fps steps
                    active.removeAll(); clearSince = nil
                    for k in TamperKind.allCases { if let s = alerted[k] { clearedDue.append((k, s, c)) } }
                    alerted.removeAll()
                }
            }
            return nextCleared(facts)
        }
        clearSince = nil
        for k in TamperKind.allCases where now.contains(k) {
            let s = since[k] ?? t
            since[k] = s
            guard t - s >= p.minSeconds, !active.contains(k) else { continue }
            active.insert(k)
            if k == .moved {  // the new view is the background from now on
                reference = edges
                since[k] = nil
                active.remove(k)
            }
            if let last = lastAlert[k], t - last < p.action.cooldownSeconds { continue }
            lastAlert[k] = t
            if k != .moved { alerted[k] = s }
            var details: [(String, JSONValue)] = [("kind", .string(k.rawValue)),
                                                  ("since_s", .double(JSONValue.rounded(t - s, places: 3)))]
            switch k {
            case .covered:
                details += [("mean", .double(JSONValue.rounded(m.mean, places: 1))),
                            ("contrast", .double(JSONValue.rounded(m.contrast, places: 2)))]
            case .defocused:
                details += [("sharpness", .double(JSONValue.rounded(m.sharpness, places: 2))),
                            ("baseline", .double(JSONValue.rounded(baseSharpness, places: 2)))]
            case .moved:
                details += [("match", .double(JSONValue.rounded(m.match, places: 3)))]
            }
            return Alert(timestamp: facts.timestamp, mediaTime: t, frame: facts.frame, camera: camera,
                         event: "tamper", severity: p.action.severity, details: details)
        }
        return nextCleared(facts)
    }

    /// The oldest `tamper_cleared` due, dated at this frame.
    private mutating func nextCleared(_ facts: FrameFacts) -> Alert? {
        guard !clearedDue.isEmpty else { return nil }
        let (k, start, end) = clearedDue.removeFirst()
        return Alert(timestamp: facts.timestamp, mediaTime: facts.mediaTime, frame: facts.frame, camera: camera,
                     event: "tamper_cleared", severity: .info,
                     details: [("kind", .string(k.rawValue)),
                               ("duration_s", .double(JSONValue.rounded(end - start, places: 3)))])
    }

    /// Fraction of the 3×3 tiles that must have learnt structure and no longer match (`moved`) or have lost
    /// their sharpness (`defocused`).
    static let movedTiles = 2.0 / 3.0

    private var textured: Bool {
        var e: Float = 0
        for v in reference { e += v }
        return Double(e) / Double(max(1, reference.count)) >= parameters.minTexture
    }

    private mutating func learn(weight w: Double) {
        let m = measurement
        if learnedFrames == 0 {
            baseMean = m.mean; baseContrast = m.contrast; baseSharpness = m.sharpness
            baseTileSharpness = tileSharpness
            reference = edges
        } else {
            baseMean += w * (m.mean - baseMean)
            baseContrast += w * (m.contrast - baseContrast)
            baseSharpness += w * (m.sharpness - baseSharpness)
            for t in 0..<9 { baseTileSharpness[t] += w * (tileSharpness[t] - baseTileSharpness[t]) }
            let wf = Float(w)
            reference.withUnsafeMutableBufferPointer { r in
                edges.withUnsafeBufferPointer { e in
                    for i in r.indices { r[i] += wf * (e[i] - r[i]) }
                }
            }
        }
        learnedFrames += 1
    }

    /// This frame's measurement: brightness, contrast and sharpness (whole and per tile), then the edge map of
    /// the block averages against the learnt reference.
    private mutating func measure(_ gray: PixelBuffer) {
        var m = measureLevels(gray)
        averageBlocks(gray)
        let tile = compareEdges(into: &m)
        judgeTiles(tile, into: &m)
        measurement = m
    }

    /// Mean, contrast and Laplacian sharpness of the whole picture, and the sharpness of each 3×3 tile.
    private mutating func measureLevels(_ gray: PixelBuffer) -> TamperMeasurement {
        let w = width, h = height, stride = gray.stride, data = gray.data
        var sum = 0, sumSq = 0, lap = 0
        var tileLap = TileSums.Tile(), tilePixels = TileSums.Tile()
        for y in 0..<h {
            let row = data + y * stride
            for x in 0..<w {
                let v = Int(row[x])
                sum += v; sumSq += v * v
            }
            if y > 0 && y < h - 1 {
                let up = row - stride, down = row + stride
                let ty = 3 * y / h
                for c in 0..<3 {
                    // Columns of tile c (the Laplacian skips the first and the last column).
                    let x0 = c == 0 ? 1 : c * w / 3, x1 = c == 2 ? w - 1 : (c + 1) * w / 3
                    var part = 0
                    for x in x0..<x1 {
                        part += abs(4 * Int(row[x]) - Int(up[x]) - Int(down[x]) - Int(row[x - 1]) - Int(row[x + 1]))
                    }
                    lap += part
                    tileLap[ty * 3 + c] += Double(part)
                    tilePixels[ty * 3 + c] += Double(x1 - x0)
                }
            }
        }
        for t in 0..<9 { tileSharpness[t] = tilePixels[t] > 0 ? tileLap[t] / tilePixels[t] : 0 }
        let n = Double(w * h)
        var m = TamperMeasurement()
        m.mean = Double(sum) / n
        m.contrast = max(0, Double(sumSq) / n - m.mean * m.mean).squareRoot()
        m.sharpness = Double(lap) / Double((w - 2) * (h - 2))
        return m
    }

    /// The mean grey level of every block (`blocks`).
    private mutating func averageBlocks(_ gray: PixelBuffer) {
        let b = block, bx = blocksX, by = blocksY, stride = gray.stride, data = gray.data
        let inv = 1 / Float(b * b)
        blocks.withUnsafeMutableBufferPointer { out in
            for j in 0..<by {
                for i in 0..<bx {
                    var s = 0
                    for yy in 0..<b {
                        let row = data + (j * b + yy) * stride + i * b
                        for xx in 0..<b { s += Int(row[xx]) }
                    }
                    out[j * bx + i] = Float(s) * inv
                }
            }
        }
    }

    /// The edge map of the blocks (`edges`), its energy and its correlation with the reference (`m.match`);
    /// returns the same correlation sums per 3×3 tile.
    private mutating func compareEdges(into m: inout TamperMeasurement) -> TileSums {
        let bx = blocksX, by = blocksY
        var energy: Float = 0
        var dot: Double = 0, ee: Double = 0, rr: Double = 0, se: Double = 0, sr: Double = 0
        let count = (bx - 1) * (by - 1)
        // The same sums per 3×3 tile of the edge map (tile of edge cell i, j: 3i / (bx - 1), 3j / (by - 1)).
        var tile = TileSums()
        blocks.withUnsafeBufferPointer { bl in
            edges.withUnsafeMutableBufferPointer { e in
                reference.withUnsafeBufferPointer { r in
                    for j in 0..<(by - 1) {
                        for i in 0..<(bx - 1) {
                            let c = bl[j * bx + i]
                            let v = abs(bl[j * bx + i + 1] - c) + abs(bl[(j + 1) * bx + i] - c)
                            let k = j * (bx - 1) + i
                            e[k] = v
                            energy += v
                            let rv = Double(r[k]), ev = Double(v)
                            dot += ev * rv; ee += ev * ev; rr += rv * rv; se += ev; sr += rv
                            tile.add((3 * j / (by - 1)) * 3 + 3 * i / (bx - 1), e: ev, r: rv)
                        }
                    }
                }
            }
        }
        let cn = Double(count)
        m.edgeEnergy = Double(energy) / cn
        m.match = TileSums.correlation(dot: dot, ee: ee, rr: rr, se: se, sr: sr, n: cn)
        return tile
    }

    /// Which tiles have structure (`structuredTiles`), and the fractions of tiles that no longer match the
    /// reference and that lost their sharpness.
    private mutating func judgeTiles(_ tile: TileSums, into m: inout TamperMeasurement) {
        var mismatched = 0, blurred = 0
        for t in 0..<9 {
            structuredTiles[t] = tile.n[t] > 0 && tile.sr[t] / tile.n[t] >= parameters.minTexture
            guard structuredTiles[t] else { continue }
            let c = TileSums.correlation(dot: tile.dot[t], ee: tile.ee[t], rr: tile.rr[t], se: tile.se[t],
                                         sr: tile.sr[t], n: tile.n[t])
            if c < parameters.movedMatch { mismatched += 1 }
            if tileSharpness[t] < parameters.defocusRatio * baseTileSharpness[t] { blurred += 1 }
        }
        m.mismatchedTiles = Double(mismatched) / 9
        m.blurredTiles = Double(blurred) / 9
    }
}

/// Correlation sums of the edge map against the reference per 3×3 tile (fixed-size storage: no allocation per
/// frame).
struct TileSums {
    var dot = Tile(), ee = Tile(), rr = Tile(), se = Tile(), sr = Tile(), n = Tile()

    mutating func add(_ t: Int, e: Double, r: Double) {
        dot[t] += e * r; ee[t] += e * e; rr[t] += r * r; se[t] += e; sr[t] += r; n[t] += 1
    }

    /// Normalised correlation from the sums; 1 when both sides are flat, 0 when one is.
    static func correlation(dot: Double, ee: Double, rr: Double, se: Double, sr: Double, n: Double) -> Double {
        let cov = dot - se * sr / n, ve = ee - se * se / n, vr = rr - sr * sr / n
        return ve > 1e-9 && vr > 1e-9 ? cov / (ve * vr).squareRoot() : (ve <= 1e-9 && vr <= 1e-9 ? 1 : 0)
    }

    /// Nine doubles.
    struct Tile {
        var v: (Double, Double, Double, Double, Double, Double, Double, Double, Double) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        subscript(_ i: Int) -> Double {
            get { withUnsafeBytes(of: v) { $0.load(fromByteOffset: i * 8, as: Double.self) } }
            set { withUnsafeMutableBytes(of: &v) { $0.storeBytes(of: newValue, toByteOffset: i * 8, as: Double.self) } }
        }
    }
}
