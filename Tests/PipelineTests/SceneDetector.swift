import Detection
import Synchronization
import VigilCore

/// A detector over a scripted scene: it "sees" the scene's objects (set per frame by the test) that lie
/// inside the searched rectangle (at least 30 % of their box: a real detector finds half a face), clipped to it, and logs every rectangle it
/// was asked to search (nil: the whole frame).
///
/// Thread safety: the scene and the log are behind a mutex; `detect` may run on any pool thread.
final class SceneDetector: Detector, Sendable {
    let labels: [String]
    let inputSize = (width: 128, height: 128)
    let objects = Mutex<[Detection]>([])
    let searched = Mutex<[Box?]>([])
    /// As a sliding-window detector (`hog_people`): searched by area.
    let searchCostsByArea: Bool

    init(label: String = "face", byArea: Bool = false) { labels = [label]; searchCostsByArea = byArea }

    func show(_ boxes: [Box], score: Float = 0.9) {
        objects.withLock { $0 = boxes.map { Detection(box: $0, score: score, label: labels[0]) } }
    }

    func detect(_ frame: PixelBuffer, region: Box?, sourceWidth: Int, sourceHeight: Int) throws -> [Detection] {
        searched.withLock { $0.append(region) }
        let r = region ?? Box(x1: 0, y1: 0, x2: Float(sourceWidth), y2: Float(sourceHeight))
        return objects.withLock { all in
            all.compactMap { d in
                let i = Box(x1: max(d.box.x1, r.x1), y1: max(d.box.y1, r.y1), x2: min(d.box.x2, r.x2), y2: min(d.box.y2, r.y2))
                guard i.width > 0, i.height > 0, i.area >= 0.3 * d.box.area else { return nil }
                return Detection(box: i, score: d.score, label: d.label)
            }
        }
    }
}
