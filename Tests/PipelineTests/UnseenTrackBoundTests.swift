@testable import Analysis
import Config
import Detection
import Rules
import Testing
import Tracking
import VigilCore
@testable import Motion

/// `track.max_unseen_s` on a motion-gated camera (1280×720, 5 analysed frames per second, a full-frame pass every
/// 5 s of media time, the default trackers' `max_age` of 30 frames): a track no detection matched for that long
/// ends even where nothing searched for it, and a still object the detector sees only on some full-frame passes
/// keeps its one track (loitering and the stationary rule still fire). Time is the frames' media time.
@Suite struct UnseenTrackBoundTests {
    let rgb = PixelBuffer(width: 64, height: 36, format: .rgb24)
    /// Something moving far from the objects under test: every frame between full passes searches only there.
    let mover = Box(x1: 1100, y1: 50, x2: 1160, y2: 110)

    func motion(_ boxes: [Box]) -> MotionResult {
        MotionResult(regions: boxes.map { MotionRegion(box: $0, changedPixels: 100) }, changedFraction: 0.01,
                     lightingChange: false)
    }

    func stage(_ scene: SceneDetector, kind: TrackConfig.Kind, maxUnseen: Double = TrackConfig.defaultMaxUnseenSeconds)
        -> DetectionStage {
        var track = TrackConfig()
        track.kind = kind
        track.minHits = 2
        track.maxUnseenSeconds = maxUnseen
        return DetectionStage(detector: scene, camera: "cam", clock: .media(start: 0), detect: DetectionSettings(),
                              track: track)
    }

    func time(_ i: Int) -> Double { Double(i) / 5 }

    /// A false positive seen on the first full-frame pass and on the look-again that confirms it (frames 0, 1), never
    /// again: the full-frame passes at 5, 10 and 15 s each count a miss (it is `lost`), the frames between hold it
    /// (not searched there), and it ends at the first frame 15 s after it was last seen (t = 0.2 s → frame 76).
    /// Without the bound it would live on for `max_age` full-frame passes (150 s).
    @Test(arguments: [TrackConfig.Kind.byte, .iou])
    func aOneOffFalsePositiveEndsAfterTheBound(_ kind: TrackConfig.Kind) throws {
        let scene = SceneDetector(label: "person")
        let bollard = Box(x1: 700, y1: 400, x2: 740, y2: 520)
        let s = stage(scene, kind: kind)
        var exits: [Alert] = []
        var misses: [Int: Int] = [:]
        for i in 0..<100 {
            scene.show(i < 2 ? [bollard] : [])
            let step = try s.analyze(rgb: rgb, frame: i, mediaTime: time(i), sourceWidth: 1280, sourceHeight: 720,
                                     motion: motion([mover]))
            exits += step.exits
            if let t = step.tracks.first(where: { $0.id == 1 }) { misses[i] = t.misses }
            if (1..<76).contains(i) {
                #expect(step.tracks.map(\.id) == [1] && step.tracks[0].state != .ended, "frame \(i): \(step.tracks)")
            }
        }
        #expect(misses[24] == 0 && misses[25] == 1 && misses[50] == 2 && misses[75] == 3,
                "a full-frame pass that does not see it is a miss; held frames are not: \(misses.sorted { $0.key < $1.key })")
        #expect(exits.map(\.frame) == [76] && exits.map(\.trackID) == [1])
        #expect(exits.first.map { $0.mediaTime - 0.2 >= 15 } == true)

        // The same without the bound: still there at 100 frames (20 s), lost, three misses.
        var last: DetectionStage.Step = .init()
        let fp = SceneDetector(label: "person")
        let s2 = stage(fp, kind: kind, maxUnseen: .infinity)
        for i in 0..<100 {
            fp.show(i < 2 ? [bollard] : [])
            last = try s2.analyze(rgb: rgb, frame: i, mediaTime: time(i), sourceWidth: 1280, sourceHeight: 720,
                                  motion: motion([mover]))
            #expect(last.exits.isEmpty, "frame \(i)")
        }
        #expect(last.tracks.map(\.state) == [.lost] && last.tracks.first?.misses == 3)
    }

    /// A person standing still in a zone for 150 s where nothing moves (only the full-frame passes look at them),
    /// missed by the detector on two passes in a row (t = 40 and 45 s) and on one more (t = 90 s): one track and
    /// one `object_enter` from start to end, no `object_exit` before the input ends, loitering reported once, and
    /// the stationary rule (people not ignored here) reported once. With a bound shorter than two missed passes
    /// the same person would be split into several tracks.
    @Test(arguments: [TrackConfig.Kind.byte, .iou])
    func aStillPersonSeenOnlyByFullFramePassesKeepsOneTrack(_ kind: TrackConfig.Kind) throws {
        let person = Box(x1: 300, y1: 300, x2: 360, y2: 460)
        let zone = ZoneRule(name: "bench", polygon: Polygon([Point(200, 200), Point(500, 200), Point(500, 600),
                                                             Point(200, 600)])!,
                            loitering: .init(seconds: 60))
        func run(maxUnseen: Double) throws -> (alerts: [Alert], ids: Set<Int>) {
            let scene = SceneDetector(label: "person")
            let s = stage(scene, kind: kind, maxUnseen: maxUnseen)
            var rules = RuleEngine(rules: RuleSet(zones: [zone], stationary: StationaryRule(seconds: 30, ignoredLabels: [])),
                                   camera: "cam")
            var alerts: [Alert] = []
            var ids = Set<Int>()
            for i in 0..<750 {
                let missed = [40.0, 45, 90].contains(time(i))
                scene.show(missed ? [] : [person])
                let step = try s.analyze(rgb: rgb, frame: i, mediaTime: time(i), sourceWidth: 1280, sourceHeight: 720,
                                         motion: motion([mover]))
                alerts += step.alerts
                alerts += rules.update(step.tracks, facts: FrameFacts(frame: i, mediaTime: time(i), timestamp: time(i)))
                for t in step.tracks { ids.insert(t.id) }
            }
            return (alerts + s.finish(), ids)
        }
        let (alerts, ids) = try run(maxUnseen: TrackConfig.defaultMaxUnseenSeconds)
        #expect(ids == [1])
        let events = alerts.map(\.event)
        #expect(events.filter { $0 == "object_enter" }.count == 1 && events.filter { $0 == "object_exit" }.count == 1)
        #expect(alerts.first { $0.event == "object_exit" }?.frame == 749, "ends only with the input")
        #expect(events.filter { $0 == "zone_enter" }.count == 1)
        #expect(events.filter { $0 == "loitering" }.count == 1)
        #expect(events.filter { $0 == "stationary_object" }.count == 1, "\(events)")
        // the check that the bound matters here: 6 s (below two missed passes) splits the person
        let short = try run(maxUnseen: 6)
        #expect(short.ids.count >= 2, "\(short.ids)")
    }
}
