import Foundation
import Testing
import VigilCore
@testable import Detection

/// Reads a fixture of JSON lines (one object per line).
func jsonLines(_ path: String) throws -> [[String: Any]] {
    let text = try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
    return try text.split(separator: "\n").map {
        try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
}

func box(_ any: Any?) -> Box? {
    guard let v = any as? [Double], v.count == 4 else { return nil }
    return Box(x1: Float(v[0]), y1: Float(v[1]), x2: Float(v[2]), y2: Float(v[3]))
}

func maxDistance(_ a: Box, _ b: Box) -> Float {
    max(abs(a.x1 - b.x1), abs(a.y1 - b.y1), abs(a.x2 - b.x2), abs(a.y2 - b.y2))
}

@Suite struct BodyRegionTests {
    /// An upright body: the scale point straight above the mid-hip; side 2 × 1.25 × the distance.
    @Test func uprightSquareAroundTheMidHip() throws {
        let r = try #require(BodyRegion.blazePose.box(keypoints: [100, 200, 100, 120, 0, 0, 0, 0], width: 1000, height: 1000))
        #expect(r.box == Box(x1: 0, y1: 100, x2: 200, y2: 300))
        #expect(abs(r.rotationDegrees) < 1e-4)
    }

    /// Clipped to the frame; a body leaning right (scale point up and to the right) turns clockwise.
    @Test func clippedAndRotated() throws {
        let r = try #require(BodyRegion.blazePose.box(keypoints: [50, 90, 90, 50], width: 120, height: 100))
        // half side 1.25 × 56.57 = 70.7 around (50, 90): [-20.7, 19.3, 120.7, 160.7], clipped to 120×100
        #expect(r.box.x1 == 0 && abs(r.box.y1 - 19.29) < 0.01 && r.box.x2 == 120 && r.box.y2 == 100)
        #expect(abs(r.rotationDegrees - 45) < 1e-3)
        #expect(BodyRegion.blazePose.box(keypoints: [1, 2], width: 10, height: 10) == nil)
    }
}

/// The pose detector's person boxes on opencv-doc photos against scripts/pose_body_reference.py (MediaPipe's
/// published recipe with ONNX Runtime; its outputs are Tests/Fixtures/pose_body/*.jsonl).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil))
struct PersonBodyTests {
    @Test(arguments: ["basketball1.png", "person_multi_det.jpg", "messi5.jpg"])
    func matchesThePythonReference(_ file: String) throws {
        let name = String(file.split(separator: ".")[0])
        let expected = try jsonLines("Tests/Fixtures/pose_body/\(name).jsonl")
        let found = try RealImageTests().detect(file, "blazepose_detector_224")
        #expect(found.count == expected.count)
        for (d, e) in zip(found, expected) {
            let parts = try #require(d.parts)
            #expect(d.label == "person")
            #expect(abs(Double(d.score) - (e["score"] as! Double)) < 2e-3)
            #expect(maxDistance(d.box, try #require(box(e["box"]))) < 1.0, "\(d.box) vs \(e["box"]!)")
            #expect(maxDistance(try #require(parts.headBox), try #require(box(e["head_box"]))) < 1.0)
            let points = (e["keypoints"] as! [[Double]]).flatMap { $0.map(Float.init) }
            #expect(parts.keypoints.count == points.count)
            for (a, b) in zip(parts.keypoints, points) { #expect(abs(a - b) < 1.0) }
            #expect(abs(Double(parts.rotationDegrees ?? 999) - (e["rotation_deg"] as! Double)) < 0.5)
        }
    }

    /// basketball1.png: the player on the left stands with his feet at y ≈ 465 (by eye, 480 rows); his box now
    /// ends there instead of at his shoulders (the pose detector's own box ends at y ≈ 200).
    @Test func theBoxEndsAtTheFeet() throws {
        let d = try RealImageTests().detect("basketball1.png", "blazepose_detector_224")
        #expect(d.count == 1)
        guard let p = d.first else { return }
        #expect(abs(p.box.y2 - 465) < 20, "\(p.box)")
        #expect(p.box.y1 < 72 && (p.parts?.headBox?.y2 ?? 480) < 210)
    }
}
