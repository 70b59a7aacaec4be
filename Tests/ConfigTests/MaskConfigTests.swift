import Motion
import Testing
import VigilCore
@testable import Config

/// `motion.mask` (per camera, and the top-level default) and the object masks `detect.mask` and
/// `detect.filters.<label>.mask`: polygons in source pixels, strictly validated, errors with the line.
@Suite struct MaskConfigTests {
    func error(_ text: String) -> ConfigError? {
        do { _ = try ConfigLoader.parse(text, file: "m.yaml"); return nil } catch { return error as? ConfigError }
    }

    @Test func parsesMotionAndObjectMasks() throws {
        let c = try ConfigLoader.parse("""
        cameras:
          - name: front
            url: /x.mp4
            motion:
              mask: [[[0, 0], [200, 0], [200, 40], [0, 40]]]
            detect:
              mask:
                - [[0, 600], [1280, 600], [1280, 720], [0, 720]]
              filters:
                person: {min_score: 0.5, mask: [[[900, 0], [1280, 0], [1280, 300]]]}
        """)
        let cam = try #require(c.cameras.first)
        typealias P = PolygonMask.Point
        #expect(cam.motion.mask == PolygonMask([[P(0, 0), P(200, 0), P(200, 40), P(0, 40)]]))
        #expect(cam.detect.mask.polygons.count == 1)
        #expect(cam.detect.filters["person"]?.mask.polygons.first?.count == 3)
        #expect(c.motion.mask.isEmpty)  // the top level has none
    }

    @Test func topLevelMotionMaskReachesCamerasWithoutTheirOwn() throws {
        let c = try ConfigLoader.parse("""
        motion:
          mask: [[[0, 0], [10, 0], [10, 10]]]
        cameras:
          - {name: a, url: /a.mp4}
          - {name: b, url: /b.mp4, motion: {mask: [[[5, 5], [50, 5], [50, 50]]]}}
        """)
        #expect(c.cameras[0].motion.mask == c.motion.mask)
        #expect(c.cameras[1].motion.mask.polygons[0][0] == PolygonMask.Point(5, 5))
    }

    @Test func badMasksNameTheKeyAndLine() throws {
        let two = try #require(error("""
        cameras:
          - name: front
            url: /x.mp4
            motion:
              mask:
                - [[0, 0], [200, 0], [200, 40], [0, 40]]
                - [[0, 0], [10, 10]]
        """))
        #expect(two.keyPath == "cameras[0].motion.mask[1]")
        #expect(two.line == 7)
        #expect(two.message.contains("at least 3"))
        let flat = try #require(error("motion:\n  mask: [[[0, 0], [10, 10], [20, 20]]]\n"))
        #expect(flat.keyPath == "motion.mask[0]" && flat.message.contains("no area"))
        let shape = try #require(error("motion:\n  mask: [[0, 0], [200, 0], [200, 40]]\n"))  // one polygon, not a list of them
        #expect(shape.keyPath.hasPrefix("motion.mask"))
        #expect(shape.line == 2)
        let far = try #require(error("detect:\n  mask: [[[0, 0], [1e6, 0], [0, 10]]]\n"))
        #expect(far.message.contains("100000"))
        let label = try #require(error("detect:\n  filters:\n    person:\n      mask: [[[0, 0], [1, 1]]]\n"))
        #expect(label.keyPath == "detect.filters.person.mask[0]")
        #expect(label.line == 4)
        let many = "motion:\n  mask:\n" + String(repeating: "    - [[0, 0], [10, 0], [10, 10]]\n", count: 65)
        #expect(error(many)?.message.contains("at most 64") == true)
    }

    /// The documented example masks its camera's clock and still validates.
    @Test func documentedExampleHasAMotionMask() throws {
        let path = #filePath.replacingOccurrences(of: "Tests/ConfigTests/MaskConfigTests.swift", with: "config/vigil.yaml")
        let c = try ConfigLoader.load(path: path, environment: ["VIGIL_FRONT_PASSWORD": "x"])
        typealias P = PolygonMask.Point
        #expect(c.cameras[0].motion.mask == PolygonMask([[P(0, 0), P(200, 0), P(200, 40), P(0, 40)]]))
        #expect(c.cameras[0].detect.mask.isEmpty && c.detect.mask.isEmpty)
    }
}
