@testable import Analysis
import Config
import Detection
import Testing
import VigilCore
@testable import Motion
@testable import Pipeline

/// Motion-gated detection on a scripted scene (1280×720, 5 analysed frames per second): where the stage looks
/// (full-frame cadence, regions, no motion, coverage fallback, gating off), and what it does to tracks of
/// still and moving objects.
@Suite struct DetectionStageGatingTests {
    let rgb = PixelBuffer(width: 64, height: 36, format: .rgb24)

    func motion(_ boxes: [Box]) -> MotionResult {
        MotionResult(regions: boxes.map { MotionRegion(box: $0, changedPixels: 100) }, changedFraction: 0.01,
                     lightingChange: false)
    }

    func stage(_ scene: SceneDetector, detect: DetectionSettings = DetectionSettings(), kind: TrackConfig.Kind = .byte,
               maxAge: Int = 2) -> DetectionStage {
        var track = TrackConfig()
        track.kind = kind
        track.minHits = 2
        track.maxAge = maxAge
        return DetectionStage(detector: scene, camera: "cam", clock: .media(start: 0), detect: detect, track: track)
    }

    func analyze(_ s: DetectionStage, _ i: Int, motion: MotionResult?) throws -> DetectionStage.Step {
        try s.analyze(rgb: rgb, frame: i, mediaTime: Double(i) / 5, sourceWidth: 1280, sourceHeight: 720, motion: motion)
    }

    let mover = Box(x1: 900, y1: 400, x2: 960, y2: 460)

    @Test func fullFrameEveryFullFrameSecondsRegionsBetween() throws {
        let scene = SceneDetector()
        let s = stage(scene)
        var passes: [DetectionStage.Pass] = []
        for i in 0..<30 {
            passes.append(try analyze(s, i, motion: motion([mover])).pass)
        }
        let region = Box(x1: 840, y1: 340, x2: 1020, y2: 520)   // 60×60 padded by 15, grown to 180×180
        #expect(passes[0] == .fullFrame)
        #expect(passes[1..<25].allSatisfy { $0 == .regions([region]) })
        #expect(passes[25] == .fullFrame)                       // t = 5 s
        #expect(passes[26...].allSatisfy { $0 == .regions([region]) })
        #expect(scene.searched.withLock { $0 } == [nil] + Array(repeating: region, count: 24) + [nil] + Array(repeating: region, count: 4))
        #expect(s.stats.fullFramePasses == 2 && s.stats.regionPasses == 28 && s.stats.regionsSearched == 28)
    }

    @Test func noMotionNoInferenceCoverageFallsBackToOneFullFrame() throws {
        let scene = SceneDetector()
        let s = stage(scene)
        #expect(try analyze(s, 0, motion: motion([])).pass == .fullFrame)
        var step = DetectionStage.Step()
        for i in 1..<10 { step = try analyze(s, i, motion: motion([])) }
        #expect(step.pass == .noMotion && step.stepped && !step.searched)
        #expect(scene.searched.withLock { $0.count } == 1)
        #expect(s.stats.noMotionFrames == 9)
        #expect(try analyze(s, 10, motion: motion([Box(x1: 100, y1: 100, x2: 1000, y2: 600)])).pass == .fullFrame)
        #expect(scene.searched.withLock { $0.count } == 2)
    }

    @Test func gatingOffOrMotionOffIsEveryNthFullFrame() throws {
        var off = DetectionSettings()
        off.motionGating = false
        off.everyNFrames = 2
        for (config, m) in [(off, motion([mover])), (DetectionSettings(), nil)] {
            let scene = SceneDetector()
            let s = stage(scene, detect: config)
            for i in 0..<10 { _ = try analyze(s, i, motion: m) }
            let calls = scene.searched.withLock { $0 }
            #expect(calls.allSatisfy { $0 == nil })
            #expect(calls.count == 10 / config.everyNFrames)
        }
    }

    /// A still face, far from the only thing that moves: one track from its confirmation to the end, never
    /// lost (max_age 2 is far shorter than the 25 frames between two full-frame passes), no exit/enter churn.
    @Test(arguments: [TrackConfig.Kind.byte, .iou])
    func aStillObjectKeepsItsTrackBetweenFullFramePasses(_ kind: TrackConfig.Kind) throws {
        let scene = SceneDetector()
        scene.show([Box(x1: 100, y1: 100, x2: 220, y2: 220)])
        let s = stage(scene, kind: kind)
        var alerts: [Alert] = []
        for i in 0..<75 {
            let step = try analyze(s, i, motion: i % 10 < 5 ? motion([mover]) : motion([]))
            alerts += step.alerts
            if i >= 1 {
                #expect(step.tracks.map(\.id) == [1] && step.tracks.first?.state == .confirmed, "frame \(i): \(step.tracks)")
            }
        }
        alerts += s.finish()
        #expect(alerts.map(\.event) == ["object_enter", "object_exit"])
        #expect(alerts.map(\.frame) == [1, 74])          // seen at 0, looked at again at 1 (a new object)
        #expect(s.stats.fullFramePasses == 3)            // t = 0, 5, 10 s
        // the face was searched for only on the full-frame passes and the one look-again at frame 1
        let looked = scene.searched.withLock { $0 }.filter { r in r == nil || r!.x1 <= 100 && r!.x2 >= 220 }
        #expect(looked.count == 4)
    }

    /// A face that starts moving: found in the regions that move, one track through it, and when it stops
    /// again it is held still (no churn) until the end.
    @Test(arguments: [TrackConfig.Kind.byte, .iou])
    func aMovingObjectIsTrackedThroughTheRegions(_ kind: TrackConfig.Kind) throws {
        let scene = SceneDetector()
        let s = stage(scene, kind: kind)
        var alerts: [Alert] = []
        for i in 0..<60 {
            let x = Float(100 + 12 * min(max(i - 10, 0), 30))   // still, moves right over frames 10…40, still
            let face = Box(x1: x, y1: 200, x2: x + 120, y2: 320)
            scene.show([face])
            let moving = i > 10 && i <= 40
            let step = try analyze(s, i, motion: motion(moving ? [face] : []))
            alerts += step.alerts
            if i >= 1 { #expect(step.tracks.map(\.id) == [1], "frame \(i): \(step.tracks)") }
            if moving { #expect(step.tracks.first?.state == .confirmed && step.tracks.first!.box.iou(face) > 0.5, "frame \(i)") }
        }
        alerts += s.finish()
        #expect(alerts.map(\.event) == ["object_enter", "object_exit"])
        // tracked through the regions (with tracked_every_n_frames above 1, some of them held by its track:
        // `.tracked`, no inference), not by full-frame passes
        #expect(s.stats.regionPasses >= 15 && s.stats.regionPasses + s.stats.trackedFrames >= 29)
        #expect(s.stats.fullFramePasses < 20)
    }

    /// The same scene, gated and every frame: the same tracks (ids and events).
    @Test func gatedAndEveryFrameAgree() throws {
        var every = DetectionSettings()
        every.motionGating = false
        func run(_ config: DetectionSettings) throws -> [String] {
            let scene = SceneDetector()
            let s = stage(scene, detect: config)
            var out: [Alert] = []
            for i in 0..<50 {
                let x = Float(100 + 10 * min(i, 20))
                let face = Box(x1: x, y1: 200, x2: x + 120, y2: 320)
                scene.show([face, Box(x1: 1000, y1: 500, x2: 1100, y2: 600)])
                out += try analyze(s, i, motion: motion(i < 20 ? [face] : [])).alerts
            }
            return (out + s.finish()).map { "\($0.event) \($0.trackID ?? 0)" }
        }
        #expect(try run(DetectionSettings()) == run(every))
        #expect(try run(DetectionSettings()).count == 4)
    }

    @Test func detectionsOfSeveralJobsAreMergedByLabel() {
        let a = Detection(box: Box(x1: 0, y1: 0, x2: 100, y2: 100), score: 0.8, label: "face")
        let b = Detection(box: Box(x1: 5, y1: 0, x2: 105, y2: 100), score: 0.9, label: "face")      // same face, other region
        let c = Detection(box: Box(x1: 0, y1: 0, x2: 100, y2: 100), score: 0.7, label: "person")    // other model, kept
        let d = Detection(box: Box(x1: 300, y1: 0, x2: 400, y2: 100), score: 0.8, label: "face")
        #expect(DetectionStage.mergeAcrossJobs([a, b, c, d]) == [b, d, c])
        #expect(DetectionStage.mergeAcrossJobs([d, c]) == [d, c])
    }

    @Test func observedAreaReachesPastTheFrameBorder() {
        let r = DetectionStage.reachingOut(Box(x1: 0, y1: 100, x2: 300, y2: 720), width: 1280, height: 720)
        #expect(r == Box(x1: -1280, y1: 100, x2: 300, y2: 2000))
    }
}

extension DetectionStageGatingTests {
    @Test func detectionsCutByAnInnerRegionSideAreDropped() {
        let r = Box(x1: 100, y1: 100, x2: 400, y2: 400)
        #expect(DetectionStage.isCut(Box(x1: 100, y1: 150, x2: 200, y2: 250), by: r, width: 1280, height: 720))
        #expect(DetectionStage.isCut(Box(x1: 300, y1: 150, x2: 400, y2: 250), by: r, width: 1280, height: 720))
        #expect(!DetectionStage.isCut(Box(x1: 150, y1: 150, x2: 250, y2: 250), by: r, width: 1280, height: 720))
        // a side on the frame's border does not cut
        let corner = Box(x1: 0, y1: 0, x2: 300, y2: 300)
        #expect(!DetectionStage.isCut(Box(x1: 0, y1: 0, x2: 100, y2: 100), by: corner, width: 1280, height: 720))
    }

    /// A face half inside a region searched for something else: its cut detection is dropped (no second
    /// track) and its track, not wholly inside the region, is carried forward.
    @Test func aPartlySearchedStillObjectIsNeitherDuplicatedNorAged() throws {
        let scene = SceneDetector()
        let face = Box(x1: 100, y1: 100, x2: 220, y2: 220)
        scene.show([face])
        let s = stage(scene)
        var alerts: [Alert] = []
        for i in 0..<20 {
            // motion just right of the face: its region covers the face's right part only
            let step = try analyze(s, i, motion: i >= 2 ? motion([Box(x1: 250, y1: 130, x2: 270, y2: 150)]) : motion([]))
            alerts += step.alerts
            if i >= 1 {
                #expect(step.tracks.map(\.id) == [1] && step.tracks[0].state == .confirmed, "frame \(i)")
                #expect(step.tracks.first.map { $0.box.iou(face) > 0.9 } == true, "frame \(i): \(step.tracks)")  // not the cut box
            }
        }
        #expect((alerts + s.finish()).map(\.event) == ["object_enter", "object_exit"])
    }
}

/// A detector whose cost grows with the searched area (`hog_people`) beside a CNN: on a frame the planner turns
/// into a full-frame pass because the regions would cover most of it, the CNN searches the whole frame and the
/// area-cost model only the motion regions (tight: not widened to an aspect or to the whole frame); the periodic
/// full-frame pass searches the whole frame with both.
@Suite struct AreaSearchTests {
    let rgb = PixelBuffer(width: 64, height: 36, format: .rgb24)
    // Two movers far apart whose padded CNN regions (grown to the square input, at least 180 px) cover half the frame.
    let movers = [Box(x1: 100, y1: 100, x2: 400, y2: 600), Box(x1: 800, y1: 100, x2: 1100, y2: 600)]

    /// `trackedEvery`: `detect.tracked_every_n_frames`; 1 here (every coverage frame a CNN whole-frame pass, as
    /// these tests were written for), the default 2 in `TrackedMotionTests.theCNNsSearchACoverageFrameWholeEveryNthFrame`.
    func run(_ frames: Int, stillPerson: Bool, trackedEvery: Int = 1, moving: (Int) -> [Box] = { _ in [] })
        throws -> (cnn: SceneDetector, area: SceneDetector, stage: DetectionStage, steps: [DetectionStage.Step]) {
        let cnn = SceneDetector(label: "face"), area = SceneDetector(label: "person", byArea: true)
        let bank = DetectorBank(names: ["cnn", "area"], instances: [[cnn], [area]], pool: InferencePool(maxInFlight: 1))
        var track = TrackConfig()
        track.minHits = 2
        track.maxAge = 2
        var detect = DetectionSettings()
        detect.trackedEveryNFrames = trackedEvery
        let s = DetectionStage(detectors: bank, camera: "cam", clock: .media(start: 0), detect: detect, track: track)
        // A still person between the movers, seen by the area model wherever it looks.
        if stillPerson { area.show([Box(x1: 560, y1: 620, x2: 600, y2: 700)]) }
        var steps: [DetectionStage.Step] = []
        for i in 0..<frames {
            let motion = MotionResult(regions: (movers + moving(i)).map { MotionRegion(box: $0, changedPixels: 100) },
                                      changedFraction: 0.2, lightingChange: false)
            steps.append(try s.analyze(rgb: rgb, frame: i, mediaTime: Double(i) / 5, sourceWidth: 1280,
                                       sourceHeight: 720, motion: motion))
        }
        return (cnn, area, s, steps)
    }

    @Test func theAreaModelSearchesTheMotionRegionsOnCoverageFullFrames() throws {
        let (cnn, area, s, steps) = try run(30, stillPerson: false)
        #expect(steps.allSatisfy { $0.pass == .fullFrame })
        // the CNN: the whole frame every time
        #expect(cnn.searched.withLock { $0 } == Array(repeating: nil, count: 30))
        let searched = area.searched.withLock { $0 }
        // the area model: the whole frame on the first frame and at t = 5 s (frame 25), else the two padded movers
        // (300×500 padded by 125: 550×750, cut to the frame), not grown further, one job each
        let regions: [Box?] = [Box(x1: 0, y1: 0, x2: 525, y2: 720), Box(x1: 675, y1: 0, x2: 1225, y2: 720)]
        // A frame's two region jobs run on the pool and may reach the detector in either order: compare each
        // frame's jobs as a set (ordered by x1), frame by frame.
        #expect(searched.count == 2 * 30 - 2)
        var next = searched[...]
        for i in 0..<30 {
            let expected: [Box?] = i == 0 || i == 25 ? [nil] : regions
            let jobs = next.prefix(expected.count).sorted { ($0?.x1 ?? -1) < ($1?.x1 ?? -1) }
            next = next.dropFirst(expected.count)
            #expect(jobs == expected, "frame \(i)")
        }
        #expect(s.areaSearch == regions.compactMap { $0 })
    }

    /// The still person found by the whole-frame pass lies outside the regions searched by area in between: its
    /// track is held (not aged and ended), one object_enter, no exit before the end.
    @Test func aStillPersonFoundOnTheWholeFramePassIsHeldBetween() throws {
        let (_, area, s, steps) = try run(30, stillPerson: true)
        #expect(area.searched.withLock { $0 }.filter { $0 == nil }.count == 2)
        let events = steps.flatMap(\.alerts).filter { $0.label == "person" }.map(\.event)
        #expect(events == ["object_enter"])
        #expect(s.finish().filter { $0.label == "person" }.count == 1)
    }
}

/// `detect.tracked_every_n_frames`: motion inside the boxes of confirmed tracks matched within the last N − 1
/// analysed frames is searched on every Nth analysed frame only (the tracks held in between); other motion at once.
@Suite struct TrackedMotionTests {
    let rgb = PixelBuffer(width: 64, height: 36, format: .rgb24)

    func stage(_ scene: SceneDetector, every n: Int) -> DetectionStage {
        var detect = DetectionSettings()
        detect.trackedEveryNFrames = n
        var track = TrackConfig()
        track.minHits = 2
        track.maxAge = 2
        return DetectionStage(detector: scene, camera: "cam", clock: .media(start: 0), detect: detect, track: track)
    }

    func motion(_ boxes: [Box]) -> MotionResult {
        MotionResult(regions: boxes.map { MotionRegion(box: $0, changedPixels: 100) }, changedFraction: 0.01,
                     lightingChange: false)
    }

    /// A face walking right by 6 px per analysed frame (5 fps, 1280×720).
    static func face(_ i: Int) -> Box {
        let x = Float(100 + 6 * i)
        return Box(x1: x, y1: 200, x2: x + 120, y2: 320)
    }

    func run(_ s: DetectionStage, _ scene: SceneDetector, frames: Range<Int>, extra: (Int) -> [Box] = { _ in [] },
             visible: (Int) -> Bool = { _ in true }) throws -> [DetectionStage.Step] {
        var steps: [DetectionStage.Step] = []
        for i in frames {
            scene.show(visible(i) ? [TrackedMotionTests.face(i)] : [])
            steps.append(try s.analyze(rgb: rgb, frame: i, mediaTime: Double(i) / 5, sourceWidth: 1280, sourceHeight: 720,
                                       motion: motion([TrackedMotionTests.face(i)] + extra(i))))
        }
        return steps
    }

    /// Once the face's track is confirmed and matched, its motion is searched every other analysed frame; the
    /// frames between are `.tracked` (no inference) and the track is held there: one track, no churn. With N = 1
    /// every frame searches it (as before the key).
    @Test func aTrackedMoverIsSearchedEveryNthFrame() throws {
        let scene = SceneDetector()
        let s = stage(scene, every: 2)
        let steps = try run(s, scene, frames: 0..<24)   // full-frame passes at 0 and at 5 s (frame 25): none between
        let tracked = steps.indices.filter { steps[$0].pass == .tracked }
        // 0: full frame (tentative), 1: looked at again (confirmed, matched), then held and searched in turn
        #expect(tracked == Array(stride(from: 2, to: 24, by: 2)), "\(steps.map(\.pass))")
        #expect(steps[3...].indices.filter { steps[$0].searched } == Array(stride(from: 3, to: 24, by: 2)))
        #expect(scene.searched.withLock { $0.count } == 2 + 11)
        #expect(s.stats.trackedFrames == 11)
        for i in 1..<24 {
            #expect(steps[i].tracks.map(\.id) == [1] && steps[i].tracks[0].state == .confirmed, "frame \(i)")
        }
        #expect(steps.flatMap(\.alerts).map(\.event) == ["object_enter"])
        // as before the key: every frame searched
        let every = SceneDetector()
        let all = try run(stage(every, every: 1), every, frames: 0..<24)
        #expect(all.allSatisfy { $0.searched } && every.searched.withLock { $0.count } == 24)
    }

    /// New motion away from the track, on a frame the track is held: searched at once (only it).
    @Test func newMotionIsSearchedAtOnce() throws {
        let scene = SceneDetector()
        let s = stage(scene, every: 2)
        let other = Box(x1: 900, y1: 400, x2: 960, y2: 460)
        let steps = try run(s, scene, frames: 0..<8, extra: { $0 >= 4 ? [other] : [] })
        #expect(steps[2].pass == .tracked)
        // frame 4: the face's track is held (matched at 3) but the new mover's region is searched
        let region = Box(x1: 840, y1: 340, x2: 1020, y2: 520)   // 60×60 padded by 15, grown to 180×180
        #expect(steps[4].pass == .regions([region]), "\(steps[4].pass)")
        #expect(steps[5].searched)
    }

    /// A track searched for and not found (its motion goes on) is searched on every frame from then on: nothing
    /// holds it back until it is found again or ends.
    @Test func aTrackNotFoundIsSearchedEveryFrame() throws {
        let scene = SceneDetector()
        let s = stage(scene, every: 2)
        let steps = try run(s, scene, frames: 0..<14, visible: { $0 < 8 })
        #expect(steps[6].pass == .tracked && steps[7].searched)   // matched at 7: 8 would be held…
        #expect(steps[8].pass == .tracked)
        #expect(steps[9...].allSatisfy { $0.searched }, "\(steps.map(\.pass))")  // … 9 misses it: due on every frame
    }

    @Test func coveredFractionIsTheUnionsShare() {
        let b = Box(x1: 0, y1: 0, x2: 100, y2: 100)
        let left = Box(x1: -10, y1: -10, x2: 60, y2: 110), right = Box(x1: 50, y1: -10, x2: 110, y2: 110)
        #expect(DetectionStage.coveredFraction(b, by: [left]) == 0.6)
        #expect(DetectionStage.coveredFraction(b, by: [left, right]) == 1)      // the overlap counted once
        #expect(DetectionStage.coveredFraction(b, by: [Box(x1: 0, y1: 0, x2: 50, y2: 50), Box(x1: 25, y1: 25, x2: 75, y2: 75)]) == 0.4375)
        #expect(DetectionStage.coveredFraction(b, by: [Box(x1: 200, y1: 0, x2: 300, y2: 100)]) == 0)
    }
}

extension TrackedMotionTests {
    /// Two movers whose regions would cover half the frame (AreaSearchTests' scene), nobody found: the CNN's
    /// whole-frame pass runs on every other analysed frame, the area model searches the movers' regions on every
    /// frame; new motion where nothing moved before brings the CNN's whole-frame pass at once.
    @Test func theCNNsSearchACoverageFrameWholeEveryNthFrame() throws {
        let newcomer = Box(x1: 1150, y1: 600, x2: 1200, y2: 680)
        let (cnn, area, s, steps) = try AreaSearchTests().run(12, stillPerson: false, trackedEvery: 2,
                                                               moving: { $0 == 7 ? [newcomer] : [] })
        let whole = steps.indices.filter { steps[$0].pass == .fullFrame }
        #expect(whole == [0, 2, 4, 6, 7, 9, 11], "\(steps.map(\.pass))")   // 7: the newcomer
        #expect(cnn.searched.withLock { $0 }.count == whole.count)
        let regions: [Box] = [Box(x1: 0, y1: 0, x2: 525, y2: 720), Box(x1: 675, y1: 0, x2: 1225, y2: 720)]
        for i in [1, 3, 5, 8, 10] { #expect(steps[i].pass == .regions(regions), "frame \(i)") }
        // the area model: the whole frame once (frame 0), then its two regions on every frame (frame 7: the
        // newcomer's region merged into the right one)
        #expect(area.searched.withLock { $0 }.count == 1 + 2 * 11)
        #expect(s.stats.trackedFrames == 0)
    }
}
