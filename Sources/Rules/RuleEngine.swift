import VigilCore

/// The rules of one camera as a pure, deterministic step: each frame's tracks and frame facts in, alerts out.
/// The same sequence of inputs always gives the same alerts; no clocks, no I/O, no globals.
///
/// Per frame, in this order: for each confirmed track by id, its zones (`zone_enter`, `zone_exit`,
/// `loitering`, in config order), its lines (`line_cross`) and `stationary_object`; then tracks that are gone
/// (`ended`, or missing from the input: their open zone visits end with `zone_exit`); then `crowding` per zone.
/// Tentative tracks are ignored; lost tracks keep their state unchanged until they are matched again or end.
/// Zones and lines have a dead band (`RuleSet.hysteresis`): an anchor within it keeps its last side.
///
/// Thread safety: a value owned by one camera's rules stage, which calls `update` serially.
public struct RuleEngine: Sendable {
    public let rules: RuleSet
    public let camera: CameraID
    private var memory: [Int: TrackMemory] = [:]
    private var zoneStates: [ZoneState]
    private var counts: [LineCount]
    private var occupancy: [Int]
    private let hasCrowding: Bool
    private let needsClock: Bool
    private var step = 0
    private var stale: [Int] = []

    /// Crossings counted so far on one line (every crossing, also those an arm schedule or cooldown kept quiet).
    public struct LineCount: Hashable, Sendable {
        public var leftToRight = 0
        public var rightToLeft = 0
        public subscript(_ d: CrossingDirection) -> Int {
            get { d == .leftToRight ? leftToRight : rightToLeft }
            set { if d == .leftToRight { leftToRight = newValue } else { rightToLeft = newValue } }
        }
    }

    struct Membership {
        var inside = false
        /// Consecutive frames disagreeing with `inside`, and when that run began.
        var streak = 0
        var runStart = 0.0
        var enteredAt = 0.0
        /// The visit's `zone_enter` went out (so its `zone_exit` does too).
        var announced = false
        var loitered = false
        var lastEnterAlert = -Double.infinity
        var lastLoiterAlert = -Double.infinity
    }

    struct TrackMemory {
        var seenStep: Int
        var lastTime: Double
        var track: Track
        var zones: [Membership]
        /// Last side of each line the anchor was on (0: not yet known) and the anchor there.
        var lineSide: [Int8]
        var linePoint: [Point]
        var lineLastAlert: [Double]
        var stillSince: Double? = nil
        var stationaryReported = false
    }

    struct ZoneState {
        var overSince: Double? = nil
        var reported = false
        var lastAlert = -Double.infinity
    }

    public init(rules: RuleSet, camera: CameraID) {
        self.rules = rules
        self.camera = camera
        zoneStates = Array(repeating: ZoneState(), count: rules.zones.count)
        counts = Array(repeating: LineCount(), count: rules.lines.count)
        occupancy = Array(repeating: 0, count: rules.zones.count)
        hasCrowding = rules.zones.contains { $0.crowding != nil }
        needsClock = rules.zones.contains { $0.schedule != nil } || rules.lines.contains { $0.schedule != nil }
            || rules.stationary?.schedule != nil
    }

    /// Crossings per line, in config order.
    public var lineCounts: [LineCount] { counts }

    /// Objects currently in zone `index` (confirmed or lost tracks whose visit is open).
    public func occupancy(zone index: Int) -> Int {
        memory.values.reduce(0) { $0 + ($1.zones[index].inside ? 1 : 0) }
    }

    /// Advances the rules by one frame. `tracks` is the tracker's report for this frame (any order).
    public mutating func update(_ tracks: [Track], facts: FrameFacts) -> [Alert] {
        step += 1
        var out: [Alert] = []
        let secondsOfDay = needsClock ? rules.clock.secondsOfDay(at: facts.timestamp) : 0
        func armed(_ s: Schedule?) -> Bool { s?.isArmed(secondsOfDay: secondsOfDay) ?? true }

        let ordered = tracks.count > 1 && !isSortedByID(tracks) ? tracks.sorted { $0.id < $1.id } : tracks
        for track in ordered {
            switch track.state {
            case .tentative:
                continue
            case .ended:
                if let m = memory.removeValue(forKey: track.id) { end(m, facts: facts, into: &out) }
            case .lost:
                if memory[track.id] != nil { memory[track.id]!.seenStep = step }
            case .confirmed:
                if memory[track.id] == nil {
                    memory[track.id] = TrackMemory(
                        seenStep: step, lastTime: facts.mediaTime, track: track,
                        zones: Array(repeating: Membership(), count: rules.zones.count),
                        lineSide: Array(repeating: 0, count: rules.lines.count),
                        linePoint: Array(repeating: Point(0, 0), count: rules.lines.count),
                        lineLastAlert: Array(repeating: -.infinity, count: rules.lines.count))
                }
                // In place (no copy of the memory): `observe` is static so that it touches `memory`, `counts`
                // and `rules` as separate stored properties.
                RuleEngine.observe(&memory[track.id]!, track: track, step: step, rules: rules, counts: &counts,
                                   camera: camera, facts: facts, armed: armed, into: &out)
            }
        }
        // Tracks that vanished from the report without an `ended` entry end here.
        stale.removeAll(keepingCapacity: true)
        for (id, m) in memory where m.seenStep != step { stale.append(id) }
        if !stale.isEmpty {
            stale.sort()
            for id in stale { if let m = memory.removeValue(forKey: id) { end(m, facts: facts, into: &out) } }
        }
        if hasCrowding {
            for z in occupancy.indices { occupancy[z] = 0 }
            for m in memory.values {
                for z in rules.zones.indices where m.zones[z].inside {
                    if let c = rules.zones[z].crowding, c.label == nil || m.track.label == c.label { occupancy[z] += 1 }
                }
            }
            for z in rules.zones.indices where rules.zones[z].crowding != nil {
                crowding(zone: z, count: occupancy[z], facts: facts, armed: armed(rules.zones[z].schedule), into: &out)
            }
        }
        return out
    }

    private func isSortedByID(_ tracks: [Track]) -> Bool {
        for i in 1..<tracks.count where tracks[i - 1].id >= tracks[i].id { return false }
        return true
    }

    private static func observe(_ m: inout TrackMemory, track: Track, step: Int, rules: RuleSet,
                                counts: inout [LineCount], camera: CameraID, facts: FrameFacts,
                                armed: (Schedule?) -> Bool, into out: inout [Alert]) {
        m.seenStep = step
        m.lastTime = facts.mediaTime
        m.track = track
        func alert(_ event: String, _ severity: Severity, zone: String? = nil, line: String? = nil,
                   direction: String? = nil, count: Int? = nil, dwell: Double? = nil,
                   details: [(String, JSONValue)]? = nil) -> Alert {
            RuleEngine.alert(event, severity, facts, camera: camera, track: track, zone: zone, line: line,
                             direction: direction, count: count, dwell: dwell, details: details)
        }
        let t = facts.mediaTime
        let p = Point(anchorOf: track.box)
        let margin = rules.margin(for: track.box)
        rules.zones.withUnsafeBufferPointer { zones in
            for z in 0..<zones.count {
                var s = m.zones[z]
                let accepted = zones[z].labels.isEmpty || zones[z].labels.contains(track.label)
                var isIn = accepted && zones[z].polygon.contains(p)
                // inside the dead band around the outline: no change of side yet
                if accepted, isIn != s.inside, margin > 0, zones[z].polygon.distanceToOutline(p) < margin { isIn = s.inside }
                if isIn != s.inside {
                    if s.streak == 0 { s.runStart = t }
                    s.streak += 1
                    if s.streak >= zones[z].inertia {
                        s.streak = 0
                        s.inside = isIn
                        if isIn {
                            s.enteredAt = s.runStart
                            s.loitered = false
                            s.announced = false
                            if let a = zones[z].enter, armed(zones[z].schedule), t - s.lastEnterAlert >= a.cooldownSeconds {
                                s.announced = true
                                s.lastEnterAlert = t
                                out.append(alert("zone_enter", a.severity, zone: zones[z].name))
                            }
                        } else if s.announced, let a = zones[z].enter {
                            s.announced = false
                            out.append(alert("zone_exit", a.severity, zone: zones[z].name, dwell: s.runStart - s.enteredAt))
                        }
                    }
                } else if s.streak != 0 {
                    s.streak = 0
                }
                if s.inside, !s.loitered, let l = zones[z].loitering, t - s.enteredAt >= l.seconds, armed(zones[z].schedule) {
                    s.loitered = true
                    if t - s.lastLoiterAlert >= l.action.cooldownSeconds {
                        s.lastLoiterAlert = t
                        out.append(alert("loitering", l.action.severity, zone: zones[z].name, dwell: t - s.enteredAt,
                                         details: [("loiter_s", .double(l.seconds))]))
                    }
                }
                m.zones[z] = s
            }
        }
        for l in rules.lines.indices where rules.lines[l].labels.isEmpty || rules.lines[l].labels.contains(track.label) {
            let side = rules.lines[l].line.side(of: p, margin: margin)
            guard side != 0 else { continue }
            defer { m.lineSide[l] = Int8(side); m.linePoint[l] = p }
            guard m.lineSide[l] != 0, Int(m.lineSide[l]) != side,
                  let d = rules.lines[l].line.crossing(from: m.linePoint[l], to: p) else { continue }
            counts[l][d] += 1
            let rule = rules.lines[l]
            if rule.directions.contains(d), armed(rule.schedule), t - m.lineLastAlert[l] >= rule.action.cooldownSeconds {
                m.lineLastAlert[l] = t
                out.append(alert("line_cross", rule.action.severity, line: rule.name, direction: d.rawValue,
                                 count: counts[l][d],
                                 details: [("left_to_right", .int(counts[l].leftToRight)),
                                           ("right_to_left", .int(counts[l].rightToLeft))]))
            }
        }
        if let st = rules.stationary, !st.ignoredLabels.contains(track.label),
           let a = observeStationary(&m, st, track: track, at: t, armed: armed) {
            out.append(alert("stationary_object", st.action.severity, dwell: a))
        }
    }

    /// The stationary rule on one update of a track: how long it has been still when that first reaches the
    /// rule's seconds while armed (then it is reported, once per stay), else nil.
    private static func observeStationary(_ m: inout TrackMemory, _ st: StationaryRule, track: Track, at t: Double,
                                          armed: (Schedule?) -> Bool) -> Double? {
        guard track.isStationary else {
            m.stillSince = nil
            return nil
        }
        let since = m.stillSince ?? t
        m.stillSince = since
        guard !m.stationaryReported, t - since >= st.seconds, armed(st.schedule) else { return nil }
        m.stationaryReported = true
        return t - since
    }

    /// A track is gone: its announced zone visits end.
    private func end(_ m: TrackMemory, facts: FrameFacts, into out: inout [Alert]) {
        for (z, zone) in rules.zones.enumerated() where m.zones[z].inside && m.zones[z].announced {
            guard let a = zone.enter else { continue }
            out.append(RuleEngine.alert("zone_exit", a.severity, facts, camera: camera, track: m.track, zone: zone.name,
                                        dwell: m.lastTime - m.zones[z].enteredAt, details: [("reason", "track_ended")]))
        }
    }

    private mutating func crowding(zone z: Int, count: Int, facts: FrameFacts, armed: Bool, into out: inout [Alert]) {
        guard let c = rules.zones[z].crowding else { return }
        let t = facts.mediaTime
        var s = zoneStates[z]
        if count > c.maxCount {
            let since = s.overSince ?? t
            s.overSince = since
            if !s.reported, t - since >= c.minSeconds, armed {
                s.reported = true
                if t - s.lastAlert >= c.action.cooldownSeconds {
                    s.lastAlert = t
                    var ids: [Int] = []
                    for (id, m) in memory where m.zones[z].inside && (c.label == nil || m.track.label == c.label) {
                        ids.append(id)
                    }
                    ids.sort()
                    out.append(Alert(timestamp: facts.timestamp, mediaTime: t, frame: facts.frame, camera: camera,
                                     event: "crowding", severity: c.action.severity, label: c.label,
                                     zone: rules.zones[z].name, count: ids.count, dwellSeconds: t - since,
                                     details: [("max_count", .int(c.maxCount)),
                                               ("track_ids", .array(ids.map { .int($0) }))]))
                }
            }
        } else {
            s.overSince = nil
            s.reported = false
        }
        zoneStates[z] = s
    }

    private static func alert(_ event: String, _ severity: Severity, _ facts: FrameFacts, camera: CameraID, track: Track,
                       zone: String? = nil, line: String? = nil, direction: String? = nil, count: Int? = nil,
                       dwell: Double? = nil, details: [(String, JSONValue)]? = nil) -> Alert {
        Alert(timestamp: facts.timestamp, mediaTime: facts.mediaTime, frame: facts.frame, camera: camera,
              event: event, severity: severity, trackID: track.id, label: track.label, score: track.medianScore,
              box: track.box, zone: zone, line: line, direction: direction, count: count, dwellSeconds: dwell,
              details: details)
    }
}
