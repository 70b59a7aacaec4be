import Testing
import VigilCore
@testable import Tracking

/// Updates for frames searched only in part: tracks outside the searched rectangles are carried forward
/// (neither aged nor moved), tracks inside miss and end as usual, and a carried track is still matched.
@Suite struct ObservedAreaTests {
    let face = Box(x1: 100, y1: 100, x2: 200, y2: 200)
    let elsewhere = [Box(x1: 600, y1: 300, x2: 800, y2: 500)]

    func check<T: Tracker>(_ tracker: inout T) {
        let d = [Detection(box: face, score: 0.9, label: "face")]
        _ = tracker.update(d, at: 0)
        #expect(tracker.update(d, at: 0.2).map(\.state) == [.confirmed])
        // 50 updates without the face, the detector looking elsewhere: still the one confirmed track
        for k in 0..<50 {
            let out = tracker.update([], at: 0.4 + 0.2 * Double(k), observed: elsewhere)
            #expect(out.count == 1 && out[0].id == 1 && out[0].state == .confirmed && out[0].misses == 0)
            #expect(out[0].box.iou(face) > 0.99)
        }
        // seen again: the same track
        #expect(tracker.update(d, at: 11, observed: [Box(x1: 0, y1: 0, x2: 300, y2: 300)]).map(\.id) == [1])
        // looked for where it is and not found: it misses and ends (max age 2)
        var states: [TrackState] = []
        for k in 0..<3 { states += tracker.update([], at: 11.2 + 0.2 * Double(k), observed: [face]).map(\.state) }
        #expect(states == [.lost, .lost, .ended])
    }

    @Test func byteTracker() {
        var t = ByteTracker(configuration: .init(tMin: 2, maxAge: 2))
        check(&t)
    }

    @Test func iouTracker() {
        var t = IOUTracker(configuration: .init(tMin: 2, maxAge: 2))
        check(&t)
    }

    @Test func coverage() {
        #expect(ObservedArea.covers(nil, face))
        #expect(!ObservedArea.covers([], face))
        #expect(ObservedArea.covers([Box(x1: 105, y1: 0, x2: 300, y2: 300)], face))     // 95 % inside
        #expect(!ObservedArea.covers([Box(x1: 120, y1: 0, x2: 300, y2: 300)], face))    // 80 %
        #expect(!ObservedArea.covers(elsewhere, face))
    }
}
