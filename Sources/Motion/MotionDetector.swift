import VigilCore

/// One region that moved, in analysis pixels and in source pixels.
public struct MotionRegion: Sendable, Equatable {
    /// Bounding box in source pixels.
    public var box: Box
    /// Changed pixels inside the region (analysis resolution, before dilation).
    public var changedPixels: Int
}

/// What the detector saw in one frame.
public struct MotionResult: Sendable, Equatable {
    /// Regions, largest first (at most `maxRegions`).
    public var regions: [MotionRegion]
    /// Fraction of the analysis frame whose pixels changed.
    public var changedFraction: Double
    /// The whole picture changed at once (lights, IR switch): the background was re-learnt, no motion reported.
    public var lightingChange: Bool

    public var hasMotion: Bool { !regions.isEmpty }
}

/// Motion detection the way NVRs do it, on a small grey frame: box blur, running-average background,
/// per-pixel threshold, dilation, connected components (8-neighbour) with a minimum changed area, and
/// suppression of whole-frame changes.
///
/// All buffers are allocated once for the frame size; `process` allocates only the (small) result array.
///
/// Thread safety: not thread-safe; one analysis thread owns a detector (one per camera).
public final class MotionDetector {
    public let width: Int
    public let height: Int
    public var parameters: MotionParameters

    private let count: Int
    private let background: UnsafeMutableBufferPointer<Float>
    private let current: UnsafeMutableBufferPointer<Float>
    private let rowSums: UnsafeMutableBufferPointer<Float>
    private let mask: UnsafeMutableBufferPointer<UInt8>
    private let scratch: UnsafeMutableBufferPointer<UInt8>
    private let labels: UnsafeMutableBufferPointer<Int32>
    private let queue: UnsafeMutableBufferPointer<Int32>
    /// `parameters.mask` rasterised at the analysis size (1: ignored), for the source size it was made for.
    private let ignored: UnsafeMutableBufferPointer<UInt8>
    private var ignoredFor: (mask: PolygonMask, sourceWidth: Int, sourceHeight: Int)? = nil
    private var watchedPixels = 0
    private var components: [Component] = []
    private var initialised = false

    private struct Component {
        var minX: Int, minY: Int, maxX: Int, maxY: Int
        var changed: Int
    }

    public init(width: Int, height: Int, parameters: MotionParameters) {
        precondition(width > 2 && height > 2, "motion frame too small")
        self.width = width
        self.height = height
        self.parameters = parameters
        count = width * height
        background = .allocate(capacity: count)
        current = .allocate(capacity: count)
        rowSums = .allocate(capacity: count)
        mask = .allocate(capacity: count)
        scratch = .allocate(capacity: count)
        labels = .allocate(capacity: count)
        queue = .allocate(capacity: count)
        ignored = .allocate(capacity: count)
        components.reserveCapacity(256)
    }

    deinit {
        background.deallocate(); current.deallocate(); rowSums.deallocate(); mask.deallocate()
        scratch.deallocate(); labels.deallocate(); queue.deallocate(); ignored.deallocate()
    }

    /// Forget the background (e.g. after a reconnect); the next frame becomes the new background.
    public func reset() { initialised = false }

    /// Analyses one grey frame (`gray` must be `width`×`height`); boxes are scaled to `sourceWidth`×`sourceHeight`.
    public func process(_ gray: PixelBuffer, sourceWidth: Int, sourceHeight: Int) -> MotionResult {
        precondition(gray.width == width && gray.height == height && gray.format == .gray8,
                     "motion detector got a \(gray.width)x\(gray.height) frame, expects \(width)x\(height) gray")
        blur(gray)
        let masked = updateMask(sourceWidth: sourceWidth, sourceHeight: sourceHeight)
        if !initialised {
            for i in 0..<count { background[i] = current[i] }
            initialised = true
            return MotionResult(regions: [], changedFraction: 0, lightingChange: false)
        }
        // Difference against the background, then learn the frame into it.
        let thr = Float(parameters.threshold)
        let alpha = Float(parameters.backgroundAlpha)
        var changed = 0
        for i in 0..<count {
            let c = current[i]
            let d = c - background[i]
            let on: UInt8 = abs(d) > thr ? 1 : 0
            mask[i] = on
            changed &+= Int(on)
            background[i] += alpha * d
        }
        if masked {
            for i in 0..<count where ignored[i] != 0 { changed &-= Int(mask[i]); mask[i] = 0 }
        }
        // Of the pixels that are watched (not masked).
        let fraction = Double(changed) / Double(max(1, watchedPixels))
        if fraction >= parameters.lightingChange && parameters.lightingChange < 1 {
            for i in 0..<count { background[i] = current[i] }
            return MotionResult(regions: [], changedFraction: fraction, lightingChange: true)
        }
        if changed == 0 { return MotionResult(regions: [], changedFraction: 0, lightingChange: false) }
        // scratch keeps the raw mask (for area counting); mask gets dilated.
        for i in 0..<count { scratch[i] = mask[i] }
        for _ in 0..<parameters.dilate { dilate() }
        label()
        let minChanged = max(1, Int((parameters.minRegionArea * Double(count)).rounded(.up)))
        let sx = Float(sourceWidth) / Float(width), sy = Float(sourceHeight) / Float(height)
        var regions: [MotionRegion] = []
        for c in components where c.changed >= minChanged {
            let box = Box(x1: Float(c.minX) * sx, y1: Float(c.minY) * sy,
                          x2: Float(c.maxX + 1) * sx, y2: Float(c.maxY + 1) * sy)
            regions.append(MotionRegion(box: box, changedPixels: c.changed))
        }
        // Largest first; ties broken by position so the order is deterministic.
        regions.sort {
            $0.changedPixels != $1.changedPixels ? $0.changedPixels > $1.changedPixels
                : ($0.box.y1, $0.box.x1) < ($1.box.y1, $1.box.x1)
        }
        if regions.count > parameters.maxRegions { regions.removeLast(regions.count - parameters.maxRegions) }
        return MotionResult(regions: regions, changedFraction: fraction, lightingChange: false)
    }

    /// Rasterises `parameters.mask` when it or the source size changed; whether any pixel is masked.
    private func updateMask(sourceWidth: Int, sourceHeight: Int) -> Bool {
        let m = parameters.mask
        if let f = ignoredFor, f.mask == m, f.sourceWidth == sourceWidth, f.sourceHeight == sourceHeight {
            return watchedPixels < count
        }
        m.rasterise(width: width, height: height, sourceWidth: sourceWidth, sourceHeight: sourceHeight, into: ignored)
        ignoredFor = (m, sourceWidth, sourceHeight)
        watchedPixels = count - ignored.reduce(0) { $0 + Int($1) }
        return watchedPixels < count
    }

    /// Separable box blur of radius `blur` (clamped at the edges) from `gray` into `current`.
    private func blur(_ gray: PixelBuffer) {
        let r = parameters.blur
        let w = width, h = height
        if r == 0 {
            for y in 0..<h {
                let row = gray.data + y * gray.stride
                for x in 0..<w { current[y * w + x] = Float(row[x]) }
            }
            return
        }
        // Horizontal sliding sums into rowSums.
        for y in 0..<h {
            let row = gray.data + y * gray.stride
            var sum: Float = 0
            for k in -r...r { sum += Float(row[min(max(k, 0), w - 1)]) }
            for x in 0..<w {
                rowSums[y * w + x] = sum
                sum += Float(row[min(x + r + 1, w - 1)]) - Float(row[max(x - r, 0)])
            }
        }
        // Vertical sliding sums into current.
        let norm = 1 / Float((2 * r + 1) * (2 * r + 1))
        for x in 0..<w {
            var sum: Float = 0
            for k in -r...r { sum += rowSums[min(max(k, 0), h - 1) * w + x] }
            for y in 0..<h {
                current[y * w + x] = sum * norm
                sum += rowSums[min(y + r + 1, h - 1) * w + x] - rowSums[max(y - r, 0) * w + x]
            }
        }
    }

    /// One 3×3 dilation of `mask` (separable max), using `labels` as temporary storage.
    private func dilate() {
        let w = width, h = height
        let tmp = UnsafeMutableRawPointer(labels.baseAddress!).assumingMemoryBound(to: UInt8.self)
        for y in 0..<h {
            let o = y * w
            for x in 0..<w {
                var v = mask[o + x]
                if x > 0 { v |= mask[o + x - 1] }
                if x < w - 1 { v |= mask[o + x + 1] }
                tmp[o + x] = v
            }
        }
        for y in 0..<h {
            let o = y * w
            for x in 0..<w {
                var v = tmp[o + x]
                if y > 0 { v |= tmp[o - w + x] }
                if y < h - 1 { v |= tmp[o + w + x] }
                mask[o + x] = v
            }
        }
    }

    /// 8-connected components of `mask` by breadth-first flood fill; counts raw changed pixels (`scratch`).
    private func label() {
        let w = width, h = height
        for i in 0..<count { labels[i] = 0 }
        components.removeAll(keepingCapacity: true)
        var next: Int32 = 1
        for start in 0..<count where mask[start] != 0 && labels[start] == 0 {
            var c = Component(minX: start % w, minY: start / w, maxX: start % w, maxY: start / w, changed: 0)
            var head = 0, tail = 0
            queue[tail] = Int32(start); tail += 1
            labels[start] = next
            while head < tail {
                let p = Int(queue[head]); head += 1
                let px = p % w, py = p / w
                c.minX = min(c.minX, px); c.maxX = max(c.maxX, px)
                c.minY = min(c.minY, py); c.maxY = max(c.maxY, py)
                c.changed &+= Int(scratch[p])
                for dy in -1...1 {
                    let ny = py + dy
                    if ny < 0 || ny >= h { continue }
                    for dx in -1...1 {
                        let nx = px + dx
                        if nx < 0 || nx >= w || (dx == 0 && dy == 0) { continue }
                        let q = ny * w + nx
                        if mask[q] != 0 && labels[q] == 0 {
                            labels[q] = next
                            queue[tail] = Int32(q); tail += 1
                        }
                    }
                }
            }
            components.append(c)
            next &+= 1
        }
    }
}
