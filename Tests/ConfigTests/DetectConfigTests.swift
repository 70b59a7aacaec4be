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
        #expect(c.detect.labels == ["person", "face"] && c.detect.filters["face"]?.minArea == 400)
        #expect(c.detect.filters["person"]?.minScore == 0.7 && c.detect.filters["person"]?.maxRatio == 1.0)
    }

    @Test func rejectsBadFilters() {
        #expect(throws: (any Error).self) { try ConfigLoader.parse("detect:\n  filters:\n    person: {min_score: 2}\n") }
        #expect(throws: (any Error).self) { try ConfigLoader.parse("detect:\n  filters:\n    person: {min_area: 5, max_area: 2}\n") }
        #expect(throws: (any Error).self) { try ConfigLoader.parse("detect:\n  filters:\n    person: {min_size: 5}\n") }
        #expect(throws: (any Error).self) { try ConfigLoader.parse("detect:\n  every_n_frames: 0\n") }
    }
}

@Suite struct DefaultDetectorsTests {
    /// A config that names no detector runs the default set; `models: []` means motion only; a camera's own
    /// `detect:` without models inherits the top level's choice.
    @Test func noModelMeansTheDefaultSetAndAnEmptyListMotionOnly() throws {
        #expect(DetectConfig().modelNames == DetectConfig.defaultModels)
        #expect(DetectConfig.defaultModels == ["blazeface_full_192", "blazepose_detector_224", "hog_people"])
        #expect(try ConfigLoader.parse("detect:\n  fps: 2\n").detect.modelNames == DetectConfig.defaultModels)
        #expect(try ConfigLoader.parse("detect:\n  models: []\n").detect.modelNames == [])
        let c = try ConfigLoader.parse("""
        detect:
          models: []
        cameras:
          - name: a
            url: a.mp4
            detect: {fps: 3}
          - name: b
            url: b.mp4
            detect: {models: [blazeface_short_128]}   # the top level's form
        """)
        #expect(c.camera(named: "a")?.detect.modelNames == [])
        #expect(c.camera(named: "b")?.detect.modelNames == ["blazeface_short_128"])
        #expect(try ConfigLoader.parse("cameras:\n  - name: a\n    url: a.mp4\n").camera(named: "a")?.detect.modelNames
            == DetectConfig.defaultModels)
    }

    /// Commands that open no camera load a config whose camera URLs name unset variables; the URL keeps the
    /// `${NAME}`. Commands that open cameras still refuse it.
    @Test func unsetURLVariablesOnlyMatterToCommandsThatOpenCameras() throws {
        let text = "cameras:\n  - name: a\n    url: rtsp://u:${NOPE_PEOPLE}@h/s\n"
        let c = try ConfigLoader.parse(text, environment: [:], opensCameras: false)
        #expect(c.cameras[0].url == "rtsp://u:${NOPE_PEOPLE}@h/s")
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(text, environment: [:]) }
        let set = try ConfigLoader.parse(text, environment: ["NOPE_PEOPLE": "pw"], opensCameras: false)
        #expect(set.cameras[0].url == "rtsp://u:pw@h/s")
        // Other mistakes in a URL are errors either way.
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse("cameras:\n  - name: a\n    url: x${A\n", environment: [:], opensCameras: false)
        }
    }
}

@Suite struct DetectGatingConfigTests {
    @Test func defaultsAndEveryKey() throws {
        let d = DetectConfig()
        #expect(d.motionGating && d.fullFrameSeconds == 5 && d.maxRegions == 4 && d.regionPadding == 0.25
                && d.minRegionSize == 0.25 && d.fullFrameCoverage == 0.5 && d.maxInFlight == 0 && d.trackedEveryNFrames == 1)
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
          tracked_every_n_frames: 3
        """)
        #expect(c.detect.modelNames == ["blazeface_short_128", "blazepose_detector_224"] && c.detect.model == nil)
        #expect(!c.detect.motionGating && c.detect.fullFrameSeconds == 2.5 && c.detect.maxRegions == 8)
        #expect(c.detect.regionPadding == 0.5 && c.detect.minRegionSize == 0.1 && c.detect.fullFrameCoverage == 0.7)
        #expect(c.detect.maxInFlight == 3 && c.detect.trackedEveryNFrames == 3)
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
        ("detect:\n  tracked_every_n_frames: 0\n", "tracked_every_n_frames"),
        ("detect:\n  tracked_every_n_frames: 101\n", "tracked_every_n_frames"),
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
