import VigilCore

/// One object per human: after the frame's detections are merged (NMS over regions and models), a face that
/// lies in a person's box is that person's face, not a second object. The face's box and score go to the
/// person's `parts` (`face_box`, `face_score` in the alert's details) and the face leaves the list; a face with
/// no person around it stays a `face` object, and a person keeps its own box, label and score.
///
/// A face can belong to a person when at least `minInside` of the face's area lies in the person's box and the
/// face's centre lies in the box's upper half (a person's head is at the top of its box, standing, walking or
/// sitting). Each face goes to one person and each person takes one face: pairs are taken closest first, by the
/// distance from the face's centre to where the person's head is (the centre of the pose detector's head box
/// when there is one, else a point an eighth of the box's height below its top edge), over the person's box
/// width; ties keep input order. The result keeps the input order, attached faces removed.
///
/// Before the faces, two person detections of one human become one (`fuseBodies`): the pose detector's body
/// region (a square built from keypoints, `parts.headBox` set) and a body box of a detector that sees whole bodies
/// (`hog_people`, a YOLO model: no head box) overlap too little for the IoU merge before (a square around a tall
/// box). The body box is kept (its bottom is at the feet) with the pose's parts and the better score.
///
/// Thread safety: pure functions on values; safe from any thread.
public enum PersonFaceFusion {
    public static let minInside: Float = 0.5

    public static func fuse(_ detections: [Detection], person: String = "person", face: String = "face") -> [Detection] {
        let detections = fuseBodies(detections, person: person)
        let people = detections.indices.filter { detections[$0].label == person }
        let faces = detections.indices.filter { detections[$0].label == face }
        guard !people.isEmpty, !faces.isEmpty else { return detections }
        var pairs: [(cost: Float, person: Int, face: Int)] = []
        for p in people {
            for f in faces {
                if let cost = cost(face: detections[f].box, person: detections[p]) { pairs.append((cost, p, f)) }
            }
        }
        pairs.sort { ($0.cost, $0.person, $0.face) < ($1.cost, $1.person, $1.face) }
        var out = detections
        var taken = Set<Int>()
        var attached = Set<Int>()
        for pair in pairs where !taken.contains(pair.person) && !attached.contains(pair.face) {
            taken.insert(pair.person); attached.insert(pair.face)
            var parts = out[pair.person].parts ?? DetectionParts()
            parts.faceBox = detections[pair.face].box
            parts.faceScore = detections[pair.face].score
            out[pair.person].parts = parts
        }
        return out.indices.filter { !attached.contains($0) }.map { out[$0] }
    }

    /// A pose person and a whole-body person are one human when the pose's head box centre lies across the body
    /// box and near its top (from a tenth of its height above to a third below its top edge) and at least
    /// `minInside` of the body box lies in the pose's region. Pairs are taken closest first (head centre to a point
    /// a tenth of the body's height below its top, over the body's height; ties: input order), one to one; the
    /// result keeps the input order, the pose person folded into its body.
    public static func fuseBodies(_ detections: [Detection], person: String = "person") -> [Detection] {
        let posed = detections.indices.filter { detections[$0].label == person && detections[$0].parts?.headBox != nil }
        let bodies = detections.indices.filter { detections[$0].label == person && detections[$0].parts?.headBox == nil }
        guard !posed.isEmpty, !bodies.isEmpty else { return detections }
        var pairs: [(cost: Float, pose: Int, body: Int)] = []
        for p in posed {
            for b in bodies {
                if let cost = bodyCost(pose: detections[p], body: detections[b].box) { pairs.append((cost, p, b)) }
            }
        }
        pairs.sort { ($0.cost, $0.pose, $0.body) < ($1.cost, $1.pose, $1.body) }
        var out = detections
        var folded = Set<Int>(), filled = Set<Int>()
        for pair in pairs where !folded.contains(pair.pose) && !filled.contains(pair.body) {
            folded.insert(pair.pose); filled.insert(pair.body)
            out[pair.body].parts = detections[pair.pose].parts
            out[pair.body].score = max(detections[pair.body].score, detections[pair.pose].score)
        }
        return out.indices.filter { !folded.contains($0) }.map { out[$0] }
    }

    static func bodyCost(pose: Detection, body b: Box) -> Float? {
        guard let h = pose.parts?.headBox, b.width > 0, b.height > 0 else { return nil }
        let hx = (h.x1 + h.x2) / 2, hy = (h.y1 + h.y2) / 2
        guard hx >= b.x1, hx <= b.x2, hy >= b.y1 - b.height / 10, hy <= b.y1 + b.height / 3 else { return nil }
        let r = pose.box
        let iw = min(r.x2, b.x2) - max(r.x1, b.x1), ih = min(r.y2, b.y2) - max(r.y1, b.y1)
        guard iw > 0, ih > 0, iw * ih >= minInside * b.area else { return nil }
        let tx = (b.x1 + b.x2) / 2, ty = b.y1 + b.height / 10
        return ((hx - tx) * (hx - tx) + (hy - ty) * (hy - ty)).squareRoot() / b.height
    }

    /// The pair's distance (see the type's comment), nil when the face cannot be this person's.
    static func cost(face: Box, person: Detection) -> Float? {
        let b = person.box
        guard face.area > 0, b.width > 0, b.height > 0 else { return nil }
        let iw = min(face.x2, b.x2) - max(face.x1, b.x1), ih = min(face.y2, b.y2) - max(face.y1, b.y1)
        guard iw > 0, ih > 0, iw * ih >= minInside * face.area else { return nil }
        let fx = (face.x1 + face.x2) / 2, fy = (face.y1 + face.y2) / 2
        guard fx >= b.x1, fx <= b.x2, fy >= b.y1, fy <= b.y1 + b.height / 2 else { return nil }
        let hx: Float, hy: Float
        if let h = person.parts?.headBox {
            hx = (h.x1 + h.x2) / 2; hy = (h.y1 + h.y2) / 2
        } else {
            hx = (b.x1 + b.x2) / 2; hy = b.y1 + b.height / 8
        }
        return ((fx - hx) * (fx - hx) + (fy - hy) * (fy - hy)).squareRoot() / b.width
    }
}
