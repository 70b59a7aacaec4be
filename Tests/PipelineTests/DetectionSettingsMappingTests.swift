import Analysis
import Config
import Pipeline
import Testing
import VigilCore

/// The config's `detect:` as the detection stage sees it (`DetectionSettings(_:)`, the one mapping): filters by
/// label, size and score, and the object masks, judged on the box's bottom centre.
@Suite struct DetectionSettingsMappingTests {
    @Test func labelFiltersFromTheConfigDecideWhatIsReported() throws {
        let c = try ConfigLoader.parse("""
        detect:
          model: blazeface_short_128
          min_score: 0.6
          every_n_frames: 3
          labels: [person, face]
          filters:
            person: {min_score: 0.7, min_area: 0.01, max_ratio: 1.0}
            face: {min_area: 400}
        """)
        let d = DetectionSettings(c.detect)
        #expect(d.models == ["blazeface_short_128"] && d.minScore == 0.6 && d.everyNFrames == 3)
        // 0.01 of 640×480 = 3072 px²
        #expect(d.accepts(label: "person", score: 0.8, width: 40, height: 80, frameWidth: 640, frameHeight: 480))
        #expect(!d.accepts(label: "person", score: 0.8, width: 20, height: 40, frameWidth: 640, frameHeight: 480))
        #expect(!d.accepts(label: "person", score: 0.8, width: 90, height: 80, frameWidth: 640, frameHeight: 480))
        #expect(!d.accepts(label: "person", score: 0.65, width: 40, height: 80, frameWidth: 640, frameHeight: 480))
        #expect(d.accepts(label: "face", score: 0.5, width: 20, height: 20, frameWidth: 640, frameHeight: 480))
        #expect(!d.accepts(label: "face", score: 0.9, width: 19, height: 20, frameWidth: 640, frameHeight: 480))
        #expect(!d.accepts(label: "car", score: 0.9, width: 100, height: 100, frameWidth: 640, frameHeight: 480))
    }

    @Test func objectMasksFromTheConfigDropObjectsByTheirFeet() throws {
        let c = try ConfigLoader.parse("""
        cameras:
          - name: front
            url: /x.mp4
            detect:
              mask:
                - [[0, 600], [1280, 600], [1280, 720], [0, 720]]
              filters:
                person: {min_score: 0.5, mask: [[[900, 0], [1280, 0], [1280, 300]]]}
        """)
        let d = DetectionSettings(try #require(c.cameras.first).detect)
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
