import VigilCore
@testable import Rules

/// Drives a `RuleEngine` through synthetic frames (10 fps unless told), collecting every alert.
struct Scene {
    var engine: RuleEngine
    var fps: Double = 10
    /// `ts` of media time 0.
    var start: Double = 1_767_225_600  // 2026-01-01T00:00:00Z
    var frame = 0
    var alerts: [Alert] = []

    init(_ rules: RuleSet, fps: Double = 10, start: Double = 1_767_225_600) {
        engine = RuleEngine(rules: rules, camera: "cam")
        self.fps = fps
        self.start = start
    }

    var time: Double { Double(frame) / fps }

    mutating func step(_ tracks: [Track]) {
        let facts = FrameFacts(frame: frame, mediaTime: time, timestamp: start + time)
        alerts += engine.update(tracks, facts: facts)
        frame += 1
    }

    mutating func run(_ frames: Int, _ tracks: (Int) -> [Track]) {
        for i in 0..<frames { step(tracks(i)) }
    }

    /// `event@frame` with the rule's key fields, e.g. `zone_enter@12 #1 yard`.
    var summary: [String] {
        alerts.map { a in
            var s = "\(a.event)@\(a.frame)"
            if let id = a.trackID { s += " #\(id)" }
            if let z = a.zone { s += " \(z)" }
            if let l = a.line { s += " \(l)" }
            if let d = a.direction { s += " \(d)" }
            if let c = a.count { s += " n=\(c)" }
            return s
        }
    }
}

/// A confirmed track whose box has its bottom centre at (`x`, `y`).
func track(_ id: Int, x: Float, y: Float, label: String = "person", state: TrackState = .confirmed,
           stationary: Bool = false, score: Float = 0.9) -> Track {
    Track(id: id, state: state, box: Box(x1: x - 10, y1: y - 40, x2: x + 10, y2: y), score: score,
          medianScore: score, classIndex: 0, label: label, firstSeen: 0, lastSeen: 0, velocityX: 0, velocityY: 0,
          isStationary: stationary, hits: 1, misses: 0)
}

/// The zone x 100…200, y 100…200.
func squareZone(_ name: String = "yard", labels: Set<String> = [], inertia: Int = 3,
                loiter: Double? = nil, crowding: ZoneRule.Crowding? = nil, schedule: Schedule? = nil,
                cooldown: Double = 30) -> ZoneRule {
    ZoneRule(name: name, polygon: Polygon([Point(100, 100), Point(200, 100), Point(200, 200), Point(100, 200)])!,
             labels: labels, inertia: inertia, enter: RuleAction(severity: .info, cooldownSeconds: cooldown),
             loitering: loiter.map { .init(seconds: $0, action: RuleAction(severity: .warning, cooldownSeconds: cooldown)) },
             crowding: crowding, schedule: schedule)
}
