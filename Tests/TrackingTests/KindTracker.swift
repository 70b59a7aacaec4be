import Tracking
import VigilCore

/// One tracker of either kind, for tests that run the same scene through both.
struct KindTracker {
    var iou = IOUTracker(configuration: .init(tMin: 2))
    var byte = ByteTracker()
    let kind: TrackerKind
    init(_ kind: TrackerKind) { self.kind = kind }
    mutating func update(_ d: [Detection], at time: Double) -> [Track] {
        kind == .iou ? iou.update(d, at: time) : byte.update(d, at: time)
    }
}
