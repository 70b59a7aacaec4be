import VigilCore

/// What one analysed frame shows on its annotated picture, in source pixels: the motion regions, the
/// detections, the tracks with their trails, the zones and lines (with whether each is occupied or was just
/// crossed), the masks, and text lines (the frame's header and its events).
///
/// Thread safety: a plain value.
public struct AnnotationScene: Sendable {
    public struct Zone: Sendable {
        public var name: String
        public var polygon: PolygonMask
        /// Objects in the zone now; drawn filled while above 0.
        public var occupancy: Int
        public init(name: String, polygon: PolygonMask, occupancy: Int) {
            self.name = name; self.polygon = polygon; self.occupancy = occupancy
        }
    }

    public struct Line: Sendable {
        public var name: String
        public var from: PolygonMask.Point
        public var to: PolygonMask.Point
        /// Drawn highlighted (just crossed).
        public var crossed: Bool
        /// Crossings so far, left to right and right to left.
        public var counts: (Int, Int)
        public init(name: String, from: PolygonMask.Point, to: PolygonMask.Point, crossed: Bool, counts: (Int, Int)) {
            self.name = name; self.from = from; self.to = to; self.crossed = crossed; self.counts = counts
        }
    }

    public struct Object: Sendable {
        public var id: Int
        public var box: Box
        public var caption: String
        /// Earlier bottom centres, oldest first (source pixels).
        public var trail: [PolygonMask.Point]
        /// Drawn dimmer (a lost track, where the tracker predicts it).
        public var lost: Bool
        public init(id: Int, box: Box, caption: String, trail: [PolygonMask.Point], lost: Bool) {
            self.id = id; self.box = box; self.caption = caption; self.trail = trail; self.lost = lost
        }
    }

    public var sourceWidth: Int
    public var sourceHeight: Int
    public var motion: [Box] = []
    /// Detections (`face 0.87`): thin boxes with their label and score.
    public var detections: [(box: Box, caption: String)] = []
    public var objects: [Object] = []
    public var zones: [Zone] = []
    public var lines: [Line] = []
    /// Where motion is ignored and where objects are dropped: hatched faintly.
    public var masks: [PolygonMask] = []
    /// Text in the top-left corner, one entry a line (header first, then events).
    public var text: [String] = []

    public init(sourceWidth: Int, sourceHeight: Int) { self.sourceWidth = sourceWidth; self.sourceHeight = sourceHeight }
}

/// Draws an `AnnotationScene` onto the picture analysed (RGB24, any size with the source's aspect), in layers:
/// masks, zones, lines, motion regions, detections, tracks and trails, then the text.
///
/// Thread safety: stateless.
public enum AnnotationRenderer {
    static let motionColor: Canvas.Color = (255, 214, 0)
    static let zoneColor: Canvas.Color = (40, 200, 80)
    static let occupiedColor: Canvas.Color = (255, 60, 40)
    static let lineColor: Canvas.Color = (0, 200, 255)
    static let crossedColor: Canvas.Color = (255, 40, 200)
    static let detectionColor: Canvas.Color = (230, 230, 230)
    /// Track colours, by id.
    static let palette: [Canvas.Color] = [(255, 99, 71), (65, 105, 225), (50, 205, 50), (255, 165, 0),
                                          (186, 85, 211), (0, 206, 209), (255, 20, 147), (154, 205, 50)]

    public static func draw(_ scene: AnnotationScene, on picture: PixelBuffer) {
        let canvas = Canvas(picture)
        let sx = Float(picture.width) / Float(max(1, scene.sourceWidth))
        let sy = Float(picture.height) / Float(max(1, scene.sourceHeight))
        func box(_ b: Box) -> Box { Box(x1: b.x1 * sx, y1: b.y1 * sy, x2: b.x2 * sx, y2: b.y2 * sy) }
        let scale = max(1, Int((Float(picture.height) / 300).rounded()))
        let thick = max(2, picture.height / 240)
        for m in scene.masks {
            canvas.fill(m, sourceWidth: scene.sourceWidth, sourceHeight: scene.sourceHeight, (0, 0, 0), alpha: 0.35)
        }
        drawZones(scene, canvas, sx: sx, sy: sy, scale: scale)
        drawLines(scene, canvas, sx: sx, sy: sy, scale: scale, thick: thick)
        for m in scene.motion { canvas.rectangle(box(m), motionColor, thickness: 1) }
        for d in scene.detections {
            let b = box(d.box)
            canvas.rectangle(b, detectionColor, thickness: 1)
            let (_, th) = Canvas.textSize(d.caption, scale: 1)
            canvas.text(d.caption, x: Int(b.x1), y: Int(b.y2) + 1 > picture.height - th - 2 ? Int(b.y1) : Int(b.y2) + 1,
                        scale: 1, color: (0, 0, 0), background: detectionColor, alpha: 0.8)
        }
        for o in scene.objects {
            let color = palette[(o.id - 1 + palette.count * 1000) % palette.count]
            let pts = (o.trail + [PolygonMask.Point(Double(o.box.centerX), Double(o.box.y2))])
                .map { (Float($0.x) * sx, Float($0.y) * sy) }
            for (a, b) in zip(pts, pts.dropFirst()) { canvas.line(a.0, a.1, b.0, b.1, color, thickness: thick) }
            let b = box(o.box)
            canvas.rectangle(b, o.lost ? (120, 120, 120) : color, thickness: o.lost ? 1 : thick)
            let (_, th) = Canvas.textSize(o.caption, scale: scale)
            let top = Int(b.y1) - th - 2 * scale >= 0 ? Int(b.y1) - th - 2 * scale : Int(b.y1)
            canvas.text(o.caption, x: Int(b.x1), y: top, scale: scale, background: color, alpha: 0.85)
        }
        var y = 2
        for line in scene.text {
            canvas.text(line, x: 2, y: y, scale: scale, background: (0, 0, 0), alpha: 0.55)
            y += (BitmapFont.height + 3) * scale
        }
    }

    static func drawZones(_ scene: AnnotationScene, _ canvas: Canvas, sx: Float, sy: Float, scale: Int) {
        for z in scene.zones {
            let color = z.occupancy > 0 ? occupiedColor : zoneColor
            canvas.fill(z.polygon, sourceWidth: scene.sourceWidth, sourceHeight: scene.sourceHeight, color,
                        alpha: z.occupancy > 0 ? 0.28 : 0.10)
            for poly in z.polygon.polygons {
                for (i, p) in poly.enumerated() {
                    let q = poly[(i + 1) % poly.count]
                    canvas.line(Float(p.x) * sx, Float(p.y) * sy, Float(q.x) * sx, Float(q.y) * sy, color, thickness: 2)
                }
                if let first = poly.first {
                    let label = z.occupancy > 0 ? "\(z.name) \(z.occupancy)" : z.name
                    canvas.text(label, x: Int(Float(first.x) * sx) + 3, y: Int(Float(first.y) * sy) + 3, scale: scale,
                                background: color, alpha: 0.8)
                }
            }
        }
    }

    static func drawLines(_ scene: AnnotationScene, _ canvas: Canvas, sx: Float, sy: Float, scale: Int, thick: Int) {
        for l in scene.lines {
            let color = l.crossed ? crossedColor : lineColor
            let ax = Float(l.from.x) * sx, ay = Float(l.from.y) * sy, bx = Float(l.to.x) * sx, by = Float(l.to.y) * sy
            canvas.line(ax, ay, bx, by, color, thickness: l.crossed ? 2 * thick + 1 : thick)
            let label = "\(l.name) >\(l.counts.0) <\(l.counts.1)"
            let (tw, th) = Canvas.textSize(label, scale: scale)
            let x = min(max(0, Int((ax + bx) / 2) - tw / 2), canvas.width - tw - 2 * scale)
            let y = min(max(0, Int((ay + by) / 2) + thick + 2), canvas.height - th - 2 * scale)
            canvas.text(label, x: x, y: y, scale: scale, color: (0, 0, 0), background: color, alpha: 0.85)
        }
    }
}
