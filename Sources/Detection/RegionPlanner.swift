import VigilCore

/// Decides where a motion-gated detector looks in one frame: the motion regions padded, merged when they
/// overlap (or are close: closer than twice the padding), grown to the model's input aspect and to a minimum
/// size (so a small region is not blown up past what the model was trained on), kept inside the frame, and at
/// most `maxRegions` of them; when they would cover most of the frame, one full-frame pass instead (one
/// inference instead of several, and nothing gained by zooming).
///
/// Pure and deterministic: the same motion boxes give the same plan.
///
/// Thread safety: a value type with pure functions; safe from any thread.
public struct RegionPlanner: Sendable, Equatable {
    public struct Parameters: Sendable, Equatable {
        /// Margin on every side of a motion box, as a fraction of its larger side.
        public var padding: Float = 0.25
        /// Smallest region side, as a fraction of the frame's shorter side.
        public var minSize: Float = 0.25
        /// Most regions per frame.
        public var maxRegions: Int = 4
        /// Regions covering at least this fraction of the frame become one full-frame pass.
        public var fullFrameCoverage: Float = 0.5
        /// Whether regions are grown to the model's aspect (a CNN's fixed input); false: each side is only grown to
        /// the minimum size (a sliding-window detector searches any shape, at a cost in proportion to its area).
        public var fitsAspect = true

        public init(padding: Float = 0.25, minSize: Float = 0.25, maxRegions: Int = 4, fullFrameCoverage: Float = 0.5) {
            precondition(maxRegions >= 1)
            self.padding = padding; self.minSize = minSize; self.maxRegions = maxRegions
            self.fullFrameCoverage = fullFrameCoverage
        }
    }

    /// Where to run the detector.
    public enum Plan: Sendable, Equatable {
        /// No motion: no inference.
        case nothing
        /// One pass over the whole frame.
        case fullFrame
        /// One pass per rectangle (source pixels, pairwise disjoint, ordered top to bottom, left to right).
        case regions([Box])
    }

    public var parameters: Parameters
    /// Frame size in source pixels.
    public var width: Int, height: Int
    /// The model input's width ÷ height.
    public var aspect: Float

    public init(width: Int, height: Int, aspect: Float, parameters: Parameters = Parameters()) {
        precondition(width > 0 && height > 0 && aspect > 0)
        self.width = width; self.height = height; self.aspect = aspect; self.parameters = parameters
    }

    /// The plan for one frame's motion boxes (source pixels).
    public func plan(_ motion: [Box]) -> Plan {
        let w = Float(width), h = Float(height)
        var boxes: [Box] = []
        boxes.reserveCapacity(motion.count)
        for m in motion {
            let b = m.clipped(width: w, height: h)
            guard b.width > 0, b.height > 0 else { continue }
            let p = parameters.padding * max(b.width, b.height)
            boxes.append(Box(x1: b.x1 - p, y1: b.y1 - p, x2: b.x2 + p, y2: b.y2 + p).clipped(width: w, height: h))
        }
        guard !boxes.isEmpty else { return .nothing }
        // Merge, shape, and again while shaping made two overlap: every round that does not end merges at
        // least one pair, so this ends within `motion.count` rounds.
        while true {
            RegionPlanner.mergeOverlapping(&boxes)
            while boxes.count > parameters.maxRegions { RegionPlanner.mergeCheapestPair(&boxes) }
            for i in boxes.indices { boxes[i] = shape(boxes[i]) }
            if !RegionPlanner.anyOverlap(boxes) { break }
        }
        var covered: Float = 0
        for b in boxes { covered += b.area }
        if covered >= parameters.fullFrameCoverage * w * h { return .fullFrame }
        boxes.sort { ($0.y1, $0.x1) < ($1.y1, $1.x1) }
        return .regions(boxes)
    }

    /// `b` grown (about its centre) to at least the minimum size and to the model's aspect, then shifted
    /// into the frame; a side longer than the frame's is cut to it (the letterbox pads that case).
    public func shape(_ b: Box) -> Box {
        let fw = Float(width), fh = Float(height)
        let minSide = parameters.minSize * min(fw, fh)
        var w = max(b.width, minSide), h = max(b.height, minSide)
        if !parameters.fitsAspect {
            w = max(w, minSide * aspect); h = max(h, minSide)  // at least one window of the model's aspect
        } else if w / h < aspect { w = h * aspect } else { h = w / aspect }
        w = min(w, fw); h = min(h, fh)
        let x1 = min(max(b.centerX - w / 2, 0), fw - w), y1 = min(max(b.centerY - h / 2, 0), fh - h)
        return Box(x1: x1, y1: y1, x2: x1 + w, y2: y1 + h)
    }

    /// Whether two boxes overlap or touch.
    public static func overlaps(_ a: Box, _ b: Box) -> Bool {
        min(a.x2, b.x2) >= max(a.x1, b.x1) && min(a.y2, b.y2) >= max(a.y1, b.y1)
    }

    static func anyOverlap(_ boxes: [Box]) -> Bool {
        for i in boxes.indices {
            for j in (i + 1)..<boxes.count where overlaps(boxes[i], boxes[j]) { return true }
        }
        return false
    }

    /// Replaces every pair of overlapping (or touching) boxes by their union, until none overlap.
    static func mergeOverlapping(_ boxes: inout [Box]) {
        var i = 0
        while i < boxes.count {
            var merged = false
            var j = i + 1
            while j < boxes.count {
                if overlaps(boxes[i], boxes[j]) {
                    boxes[i] = boxes[i].union(boxes[j])
                    boxes.remove(at: j)
                    merged = true
                } else {
                    j += 1
                }
            }
            if merged { continue }  // the grown box may now overlap earlier-skipped ones: test it again
            i += 1
        }
        // A box grown late may overlap one before it.
        if anyOverlap(boxes) { mergeOverlapping(&boxes) }
    }

    /// Merges the pair whose union adds the least area (ties: the first pair in order).
    static func mergeCheapestPair(_ boxes: inout [Box]) {
        var best = (i: 0, j: 1, cost: Float.infinity)
        for i in boxes.indices {
            for j in (i + 1)..<boxes.count {
                let cost = boxes[i].union(boxes[j]).area - boxes[i].area - boxes[j].area
                if cost < best.cost { best = (i, j, cost) }
            }
        }
        boxes[best.i] = boxes[best.i].union(boxes[best.j])
        boxes.remove(at: best.j)
    }
}
