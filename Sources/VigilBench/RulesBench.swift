import ArgumentParser
import Foundation
import Rules
import Sinks
import VigilCore

/// `vigil bench rules`: rule evaluation per frame with many tracks and zones (each zone with loitering and
/// crowding, plus lines and the stationary rule), beside the bare geometry the rules cannot avoid (one
/// point-in-polygon test per track and zone, one side test per track and line) timed on the same scene.
///
/// Thread safety: used from the command's thread only.
struct RulesBench: BenchSuite {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Rule evaluation per frame with many tracks and zones beside the bare geometry tests."
    )

    @OptionGroup var common: BenchOptions

    @Option(help: "Tracks per frame.")
    var tracks = 100

    @Option(help: "Zones (each with loitering and crowding).")
    var zones = 10

    @Option(help: "Lines.")
    var lines = 4

    @Option(help: "Frames.")
    var frames = 2000

    func validateSuite() throws {
        guard tracks > 0, zones > 0, lines > 0, frames > 0 else {
            throw ValidationError("--tracks, --zones, --lines and --frames need a positive count")
        }
    }

    func figures(_ progress: (String) -> Void) throws -> [BenchFigure] {
        // 1920x1080 scene: zones are hexagons on a grid, lines cross it, objects wander.
        var zoneRules: [ZoneRule] = []
        for z in 0..<zones {
            let cx = Float(200 + (z % 5) * 350), cy = Float(250 + (z / 5 % 3) * 300)
            let pts = (0..<6).map { k -> Point in
                let a = Float(k) * .pi / 3
                let px: Float = cx + 160 * cos(a)
                let py: Float = cy + 140 * sin(a)
                return Point(px, py)
            }
            zoneRules.append(ZoneRule(name: "z\(z)", polygon: Polygon(pts)!, labels: [], inertia: 3,
                                      loitering: .init(seconds: 5), crowding: .init(maxCount: 5, minSeconds: 2)))
        }
        var lineRules: [LineRule] = []
        for l in 0..<lines {
            let y0 = Float(100 + l * 200), y1 = Float(150 + l * 200)
            let line = TripLine(from: Point(0, y0), to: Point(1920, y1))!
            lineRules.append(LineRule(name: "l\(l)", line: line))
        }
        let set = RuleSet(zones: zoneRules, lines: lineRules, stationary: StationaryRule(seconds: 10))
        let scene: [[Track]] = (0..<frames).map { f in
            (0..<tracks).map { k in
                let t = Float(f) * 0.04
                let phase = Float(k)
                let sx: Float = sin(t * 0.3 + phase)
                let cy: Float = cos(t * 0.21 + phase * 1.7)
                let x: Float = 960 + 900 * sx
                let y: Float = 540 + 500 * cy
                return Track(id: k + 1, state: .confirmed, box: Box(x1: x - 20, y1: y - 60, x2: x + 20, y2: y),
                             score: 0.8, medianScore: 0.8, classIndex: 0, label: k % 3 == 0 ? "car" : "person",
                             firstSeen: 0, lastSeen: Double(t), velocityX: 0, velocityY: 0,
                             isStationary: k % 10 == 0, hits: f + 1, misses: 0)
            }
        }
        progress("scene: \(tracks) tracks, \(zones) zones (loitering + crowding each), \(lines) lines, \(frames) frames")
        var alerts = 0
        let engineTime = Self.best(of: 3) {
            var engine = RuleEngine(rules: set, camera: "bench")
            for (f, tracks) in scene.enumerated() {
                let t = Double(f) * 0.04
                alerts += engine.update(tracks, facts: FrameFacts(frame: f, mediaTime: t, timestamp: t)).count
            }
        }
        var hits = 0
        let bareTime = Self.best(of: 3) {
            for tracks in scene {
                for tr in tracks {
                    let p = Point(anchorOf: tr.box)
                    for z in zoneRules where z.polygon.contains(p) { hits += 1 }
                    for l in lineRules { hits &+= l.line.side(of: p) }
                }
            }
        }
        progress("\(alerts / 3) alerts per run; checksum \(hits)")
        let perFrame = engineTime / Double(frames) * 1e6, refPerFrame = bareTime / Double(frames) * 1e6
        return [BenchFigure(name: "rules \(tracks) tracks \(zones) zones", value: perFrame, unit: "us/frame",
                            reference: "bare point-in-polygon + line-side tests", referenceValue: refPerFrame,
                            higherIsBetter: false)]
    }

    static func best(of n: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<n {
            let t0 = MonotonicClock.seconds()
            body()
            best = min(best, MonotonicClock.seconds() - t0)
        }
        return best
    }
}
