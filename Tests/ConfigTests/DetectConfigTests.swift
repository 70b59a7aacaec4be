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

@Suite struct DetectGatingConfigTests {
    @Test func defaultsAndEveryKey() throws {
        let d = DetectConfig()
        #expect(d.motionGating && d.fullFrameSeconds == 5 && d.maxRegions == 4 && d.regionPadding == 0.25
                && d.minRegionSize == 0.25 && d.fullFrameCoverage == 0.5 && d.maxInFlight == 0 && d.modelNames == [])
        let c = try ConfigLoader.parse("""
        detect:
          models: [blazeface_short_128, blazepose_detector_224]
          motion_gating: false
          full_frame_s: 2.5
          max_regions: 8
          region_padding: 0.5
          min_region_size: 0.1
          full_frame_coverage: 0.7
          max_in_flight: 3
        """)
        #expect(c.detect.modelNames == ["blazeface_short_128", "blazepose_detector_224"] && c.detect.model == nil)
        #expect(!c.detect.motionGating && c.detect.fullFrameSeconds == 2.5 && c.detect.maxRegions == 8)
        #expect(c.detect.regionPadding == 0.5 && c.detect.minRegionSize == 0.1 && c.detect.fullFrameCoverage == 0.7)
        #expect(c.detect.maxInFlight == 3)
        #expect(try ConfigLoader.parse("detect:\n  model: blazeface_short_128\n").detect.modelNames == ["blazeface_short_128"])
        // An empty list says "no detector" explicitly: motion only.
        #expect(try ConfigLoader.parse("detect:\n  models: []\n").detect.modelNames == [])
    }

    @Test(arguments: [
        ("detect:\n  model: a\n  models: [b]\n", "not both"),
        ("detect:\n  models: [a, b, c, d, e, f, g, h, i]\n", "0…8"),
        ("detect:\n  models: [a, a]\n", "twice"),
        ("detect:\n  models: a\n", "models"),
        ("detect:\n  model: \"\"\n", "empty"),
        ("detect:\n  full_frame_s: 0\n", "full_frame_s"),
        ("detect:\n  max_regions: 0\n", "max_regions"),
        ("detect:\n  max_regions: 65\n", "max_regions"),
        ("detect:\n  region_padding: -1\n", "region_padding"),
        ("detect:\n  min_region_size: 0\n", "min_region_size"),
        ("detect:\n  full_frame_coverage: 2\n", "full_frame_coverage"),
        ("detect:\n  max_in_flight: -1\n", "max_in_flight"),
        ("detect:\n  motion_gating: maybe\n", "motion_gating"),
        ("detect:\n  gating: true\n", "unknown key 'gating'"),
    ])
    func badValuesAreErrorsNamingTheKey(_ yaml: String, _ needle: String) {
        do {
            _ = try ConfigLoader.parse(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(needle), "\(error)")
        }
    }
}
