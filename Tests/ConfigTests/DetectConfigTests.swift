import Testing
@testable import Config

@Suite struct DetectConfigTests {
    @Test func parsesModelLabelsAndFilters() throws {
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
        #expect(c.detect.model == "blazeface_short_128" && c.detect.minScore == 0.6 && c.detect.everyNFrames == 3)
        // 0.01 of 640×480 = 3072 px²
        #expect(c.detect.accepts(label: "person", score: 0.8, width: 40, height: 80, frameWidth: 640, frameHeight: 480))
        #expect(!c.detect.accepts(label: "person", score: 0.8, width: 20, height: 40, frameWidth: 640, frameHeight: 480))
        #expect(!c.detect.accepts(label: "person", score: 0.8, width: 90, height: 80, frameWidth: 640, frameHeight: 480))
        #expect(!c.detect.accepts(label: "person", score: 0.65, width: 40, height: 80, frameWidth: 640, frameHeight: 480))
        #expect(c.detect.accepts(label: "face", score: 0.5, width: 20, height: 20, frameWidth: 640, frameHeight: 480))
        #expect(!c.detect.accepts(label: "face", score: 0.9, width: 19, height: 20, frameWidth: 640, frameHeight: 480))
        #expect(!c.detect.accepts(label: "car", score: 0.9, width: 100, height: 100, frameWidth: 640, frameHeight: 480))
    }

    @Test func rejectsBadFilters() {
        #expect(throws: (any Error).self) { try ConfigLoader.parse("detect:\n  filters:\n    person: {min_score: 2}\n") }
        #expect(throws: (any Error).self) { try ConfigLoader.parse("detect:\n  filters:\n    person: {min_area: 5, max_area: 2}\n") }
        #expect(throws: (any Error).self) { try ConfigLoader.parse("detect:\n  filters:\n    person: {min_size: 5}\n") }
        #expect(throws: (any Error).self) { try ConfigLoader.parse("detect:\n  every_n_frames: 0\n") }
    }
}
