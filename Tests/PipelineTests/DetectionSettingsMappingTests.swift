import Analysis
import Config
import Pipeline
import Testing
import VigilCore

/// The config's `detect:` as the detection stage sees it (`DetectionSettings(_:)`, the one mapping): filters by
/// label, size and score, and the object masks, judged on the box's bottom centre.
@Suite struct DetectionSettingsMappingTests {
    @Test func labelFiltersFromTheConfigDecideWhatIsReported() {
        var c = DetectConfig()  // as `detect:` decodes it (ConfigTests): model, min_score, labels, filters
        c.model = "blazeface_short_128"
        c.minScore = 0.6
        c.everyNFrames = 3
        c.trackedEveryNFrames = 4
        c.labels = ["person", "face"]
        var person = LabelFilter(), face = LabelFilter()
        person.minScore = 0.7; person.minArea = 0.01; person.maxRatio = 1.0
        face.minArea = 400
        c.filters = ["person": person, "face": face]
        let d = DetectionSettings(c)
        #expect(d.models == ["blazeface_short_128"] && d.minScore == 0.6 && d.everyNFrames == 3)
        #expect(d.trackedEveryNFrames == 4)
        // 0.01 of 640×480 = 3072 px²
        #expect(d.accepts(label: "person", score: 0.8, width: 40, height: 80, frameWidth: 640, frameHeight: 480))
        #expect(!d.accepts(label: "person", score: 0.8, width: 20, height: 40, frameWidth: 640, frameHeight: 480))
        #expect(!d.accepts(label: "person", score: 0.8, width: 90, height: 80, frameWidth: 640, frameHeight: 480))
        #expect(!d.accepts(label: "person", score: 0.65, width: 40, height: 80, frameWidth: 640, frameHeight: 480))
        #expect(d.accepts(label: "face", score: 0.5, width: 20, height: 20, frameWidth: 640, frameHeight: 480))
        #expect(!d.accepts(label: "face", score: 0.9, width: 19, height: 20, frameWidth: 640, frameHeight: 480))
        #expect(!d.accepts(label: "car", score: 0.9, width: 100, height: 100, frameWidth: 640, frameHeight: 480))
    }

    @Test func objectMasksFromTheConfigDropObjectsByTheirFeet() {
        typealias P = PolygonMask.Point
        var c = DetectConfig()  // as a camera's `detect.mask` and `detect.filters.person.mask` decode (ConfigTests)
        c.mask = PolygonMask([[P(0, 600), P(1280, 600), P(1280, 720), P(0, 720)]])
        var person = LabelFilter()
        person.minScore = 0.5
        person.mask = PolygonMask([[P(900, 0), P(1280, 0), P(1280, 300)]])
        c.filters = ["person": person]
        let d = DetectionSettings(c)
        // Feet inside the lower band: dropped, whatever the label.
        #expect(!d.accepts(label: "car", score: 0.9, box: Box(x1: 100, y1: 500, x2: 300, y2: 650), frameWidth: 1280, frameHeight: 720))
        // The same box higher up: kept.
        #expect(d.accepts(label: "car", score: 0.9, box: Box(x1: 100, y1: 300, x2: 300, y2: 450), frameWidth: 1280, frameHeight: 720))
        // A box overlapping the band whose bottom centre is above it: kept (only the bottom centre counts).
        #expect(d.accepts(label: "car", score: 0.9, box: Box(x1: 100, y1: 300, x2: 300, y2: 590), frameWidth: 1280, frameHeight: 720))
        // The person mask applies to persons only: bottom centre (1200, 100) is in the triangle.
        #expect(!d.accepts(label: "person", score: 0.9, box: Box(x1: 1150, y1: 20, x2: 1250, y2: 100), frameWidth: 1280, frameHeight: 720))
        #expect(d.accepts(label: "face", score: 0.9, box: Box(x1: 1150, y1: 20, x2: 1250, y2: 100), frameWidth: 1280, frameHeight: 720))
    }
}
