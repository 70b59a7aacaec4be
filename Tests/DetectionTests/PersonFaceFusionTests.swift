import Foundation
import Testing
import VigilCore
@testable import Detection

@Suite struct PersonFaceFusionTests {
    func person(_ b: Box, _ score: Float = 0.8, head: Box? = nil) -> Detection {
        Detection(box: b, score: score, label: "person", parts: head.map { DetectionParts(headBox: $0) })
    }
    func face(_ b: Box, _ score: Float = 0.9) -> Detection { Detection(box: b, score: score, label: "face") }

    @Test func aFaceInAPersonsBoxBecomesItsFace() {
        let p = person(Box(x1: 100, y1: 100, x2: 200, y2: 400)), f = face(Box(x1: 135, y1: 110, x2: 165, y2: 140), 0.93)
        let out = PersonFaceFusion.fuse([f, p])
        #expect(out.count == 1 && out[0].label == "person" && out[0].score == 0.8 && out[0].box == p.box)
        #expect(out[0].parts?.faceScore == 0.93 && out[0].parts?.faceBox == f.box)
        #expect(out[0].parts?.details.first?.0 == "face_score")
    }

    /// The pose detector's square body region and hog_people's tall body box of one walker: one person with the
    /// body box, the pose's head box and the better score, and then the face joins it. A body box whose top is
    /// far below the pose's head (someone else in front), and a second walker: stay people of their own.
    @Test func aPoseRegionAndABodyBoxOfOneHumanAreOnePerson() {
        let pose = person(Box(x1: 90, y1: 90, x2: 250, y2: 250), 0.7, head: Box(x1: 150, y1: 95, x2: 180, y2: 125))
        let body = person(Box(x1: 135, y1: 100, x2: 195, y2: 240), 0.75)
        let other = person(Box(x1: 300, y1: 100, x2: 360, y2: 240), 0.9)
        let f = face(Box(x1: 155, y1: 100, x2: 175, y2: 120), 0.8)
        let out = PersonFaceFusion.fuse([pose, other, body, f])
        #expect(out.count == 2 && out[0].box == other.box && out[1].box == body.box)
        #expect(out[1].score == 0.75 && out[1].parts?.headBox == pose.parts?.headBox && out[1].parts?.faceScore == 0.8)
        let lower = person(Box(x1: 135, y1: 170, x2: 195, y2: 250), 0.6)  // head box centre far above its top
        #expect(PersonFaceFusion.fuseBodies([pose, lower]) == [pose, lower])
        let strong = person(Box(x1: 90, y1: 90, x2: 250, y2: 250), 0.95, head: Box(x1: 150, y1: 95, x2: 180, y2: 125))
        let fused = PersonFaceFusion.fuseBodies([body, strong])
        #expect(fused.count == 1 && fused[0].box == body.box && fused[0].score == 0.95)
    }

    /// A face with no body around it, a face in the lower half of a box, a face mostly outside: faces stay.
    @Test func facesWithoutABodyStayFaces() {
        let p = person(Box(x1: 100, y1: 100, x2: 200, y2: 400))
        let far = face(Box(x1: 400, y1: 100, x2: 430, y2: 130))
        let low = face(Box(x1: 135, y1: 300, x2: 165, y2: 330))
        let out = face(Box(x1: 180, y1: 100, x2: 240, y2: 160))
        #expect(PersonFaceFusion.fuse([p, far, low, out]) == [p, far, low, out])
        #expect(PersonFaceFusion.fuse([far]) == [far])
        #expect(PersonFaceFusion.fuse([p]) == [p])
    }

    /// Two people side by side with overlapping boxes and two faces: each takes the face at its head, and a
    /// third face in the overlap stays a face (one face per person).
    @Test func eachPersonTakesOneFaceClosestToItsHead() {
        let a = person(Box(x1: 0, y1: 0, x2: 200, y2: 300), head: Box(x1: 60, y1: 10, x2: 120, y2: 70))
        let b = person(Box(x1: 100, y1: 0, x2: 300, y2: 300), head: Box(x1: 170, y1: 10, x2: 230, y2: 70))
        let fa = face(Box(x1: 75, y1: 20, x2: 105, y2: 50)), fb = face(Box(x1: 185, y1: 20, x2: 215, y2: 50))
        let extra = face(Box(x1: 130, y1: 60, x2: 160, y2: 90), 0.7)
        let out = PersonFaceFusion.fuse([fb, a, extra, b, fa])
        #expect(out.map(\.label) == ["person", "face", "person"])
        #expect(out[0].parts?.faceBox == fa.box && out[2].parts?.faceBox == fb.box && out[1] == extra)
    }
}

/// Faces and people on opencv-doc photos with the default detector set: one object per human.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil))
struct PersonFaceFusionImageTests {
    func both(_ file: String) throws -> [Detection] {
        let t = RealImageTests()
        return PersonFaceFusion.fuse(try t.detect(file, "blazeface_full_192") + t.detect(file, "blazepose_detector_224"))
    }

    /// messi5.jpg: the full-range face model finds the small face (0.83), the pose detector the player: one
    /// person carrying the face.
    @Test func messiIsOnePersonWithHisFace() throws {
        let d = try both("messi5.jpg")
        #expect(d.count == 1)
        #expect(d.first?.label == "person" && abs((d.first?.parts?.faceScore ?? 0) - 0.83) < 0.01)
        let f = try #require(d.first?.parts?.faceBox), h = try #require(d.first?.parts?.headBox)
        #expect(h.x1 < (f.x1 + f.x2) / 2 && (f.x1 + f.x2) / 2 < h.x2 && h.y1 < (f.y1 + f.y2) / 2 && (f.y1 + f.y2) / 2 < h.y2)
    }

    /// facereg.jpg: four faces close up and no body the pose detector finds: four faces stay faces.
    @Test func facesWithoutBodiesStayFaces() throws {
        let d = try both("facereg.jpg")
        #expect(d.count == 4 && d.allSatisfy { $0.label == "face" && $0.parts == nil })
    }
}
