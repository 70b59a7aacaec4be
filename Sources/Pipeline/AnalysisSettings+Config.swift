import Analysis
import Config
import Rules
import VigilCore

// The one place the config's sections map onto the analysis chain's own settings types (motion and tamper
// decode straight into theirs, `MotionParameters` and `TamperParameters`; `track:` into `TrackerSettings`).

extension AnalysisSettings {
    /// The settings of `camera` (its sections already carry its overrides on top of the top-level ones) under
    /// the shared `rules:` and `snapshots:` sections.
    public init(camera c: CameraConfig, rules: RulesConfig = .init(), snapshots: SnapshotsConfig = .init()) {
        self.init(motion: c.motion, tamper: c.tamper, detect: DetectionSettings(c.detect),
                  rules: RuleSet(camera: c, rules: rules), snapshots: SnapshotSettings(snapshots))
    }

    /// The settings of camera `name` in `config`; for a name the config does not list (a replay of any file),
    /// the top-level sections and no zones or lines.
    public init(camera name: String, config: VigilConfig) {
        if let cam = config.camera(named: name) {
            self.init(camera: cam, rules: config.rules, snapshots: config.snapshots)
        } else {
            self.init(motion: config.motion, tamper: config.tamper, detect: DetectionSettings(config.detect),
                      rules: RuleSet(clock: LocalClock(identifier: config.rules.timeZone) ?? .utc),
                      snapshots: SnapshotSettings(config.snapshots))
        }
    }
}

extension DetectionSettings {
    /// `detect:` as the detection stage sees it (the analysis rate `fps` and the shared pool's `max_in_flight`
    /// are the camera's and the daemon's business).
    public init(_ c: DetectConfig) {
        self.init()
        models = c.modelNames
        labelNames = c.labelNames
        minScore = c.minScore
        motionGating = c.motionGating
        fullFrameSeconds = c.fullFrameSeconds
        maxRegions = c.maxRegions
        regionPadding = c.regionPadding
        minRegionSize = c.minRegionSize
        fullFrameCoverage = c.fullFrameCoverage
        everyNFrames = c.everyNFrames
        trackedEveryNFrames = c.trackedEveryNFrames
        labels = c.labels
        filters = c.filters
        mask = c.mask
    }
}

extension SnapshotSettings {
    /// `snapshots:` (`dir` given or not is the replay's business: see `ReplayCommand.snapshotSettings`).
    public init(_ c: SnapshotsConfig) {
        self.init(enabled: c.enabled, directory: c.directory, retainCount: c.retainCount, retainDays: c.retainDays,
                  quality: c.quality)
    }
}

extension RuleSet {
    /// One camera's rules from its `zones:`, `lines:` and `stationary:` and the shared `rules:` section.
    /// The config was validated when it was loaded (schedules exist, polygons enclose area, time zone known).
    public init(camera c: CameraConfig, rules r: RulesConfig) {
        func schedule(_ name: String?) -> Schedule? {
            guard let name, let windows = r.schedules[name] else { return nil }
            return Schedule(name: name, windows: windows.compactMap { TimeWindow(parsing: $0) })
        }
        func severity(_ s: String) -> Severity { Severity(rawValue: s) ?? .info }
        func point(_ p: PointConfig) -> Point { Point(Float(p.x), Float(p.y)) }
        let zones: [ZoneRule] = c.zones.compactMap { z in
            guard let polygon = Polygon(z.polygon.map(point)) else { return nil }
            let cooldown = z.cooldownSeconds ?? r.cooldownSeconds
            return ZoneRule(
                name: z.name, polygon: polygon, labels: Set(z.labels), inertia: z.inertia,
                enter: z.report ? RuleAction(severity: severity(z.severity), cooldownSeconds: cooldown) : nil,
                loitering: z.loiterSeconds.map {
                    .init(seconds: $0, action: RuleAction(severity: severity(z.loiterSeverity), cooldownSeconds: cooldown))
                },
                crowding: z.crowding.map {
                    .init(maxCount: $0.maxCount, minSeconds: $0.minSeconds, label: $0.label,
                          action: RuleAction(severity: severity($0.severity), cooldownSeconds: cooldown))
                },
                schedule: schedule(z.schedule))
        }
        let lines: [LineRule] = c.lines.compactMap { l in
            guard let line = TripLine(from: point(l.from), to: point(l.to)) else { return nil }
            let directions: Set<CrossingDirection> = l.directions == "both"
                ? Set(CrossingDirection.allCases) : [CrossingDirection(rawValue: l.directions) ?? .leftToRight]
            return LineRule(name: l.name, line: line, labels: Set(l.labels), directions: directions,
                            action: RuleAction(severity: severity(l.severity),
                                               cooldownSeconds: l.cooldownSeconds ?? r.cooldownSeconds),
                            schedule: schedule(l.schedule))
        }
        let stationary = c.stationary.map {
            StationaryRule(seconds: $0.stationarySeconds, ignoredLabels: Set($0.ignoreLabels),
                           action: RuleAction(severity: severity($0.severity), cooldownSeconds: r.cooldownSeconds),
                           schedule: schedule($0.schedule))
        }
        self.init(zones: zones, lines: lines, stationary: stationary,
                  clock: LocalClock(identifier: r.timeZone) ?? .utc, hysteresis: Float(r.hysteresis))
    }
}
