import Foundation
import Synchronization
import Testing
@testable import API

/// One JPEG per picture shared by every viewer: concurrent requests for one new picture encode it once; a new
/// picture, the annotated variant and a forgotten picture are encoded again; a failed encode is not kept.
@Suite struct SharedJPEGTests {
    final class Picture: Sendable {}
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    @Test func concurrentViewersOfOnePictureShareOneEncode() async {
        let share = SharedJPEG()
        let encodes = Counter()
        let first = Picture()
        let got = await withTaskGroup(of: [UInt8]?.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    share.jpeg(camera: "front", annotated: false, picture: first) {
                        encodes.value.wrappingAdd(1, ordering: .relaxed)
                        usleep(20_000)  // an encode long enough for the other viewers to arrive meanwhile
                        return [0xFF, 0xD8, 1, 0xFF, 0xD9]
                    }
                }
            }
            var all: [[UInt8]?] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(encodes.value.load(ordering: .relaxed) == 1)
        #expect(got.count == 8 && got.allSatisfy { $0 == [0xFF, 0xD8, 1, 0xFF, 0xD9] })

        // The same picture again: shared; annotated: its own encode; a new picture: a new encode.
        #expect(share.jpeg(camera: "front", annotated: false, picture: first) { Issue.record("encoded again"); return nil } == [0xFF, 0xD8, 1, 0xFF, 0xD9])
        #expect(share.jpeg(camera: "front", annotated: true, picture: first) { [2] } == [2])
        let second = Picture()
        #expect(share.jpeg(camera: "front", annotated: false, picture: second) { [3] } == [3])
        #expect(share.jpeg(camera: "back", annotated: false, picture: second) { [4] } == [4], "cameras are kept apart")
        let counts = share.counts()
        #expect(counts.map(\.camera) == ["back", "front"])
        #expect(counts.last?.encodes == 3 && counts.last?.served == 11)
        #expect(counts.first?.encodes == 1 && counts.first?.served == 1)
    }

    @Test func aFailedEncodeIsNotKeptAndAReloadForgetsThePictures() {
        let share = SharedJPEG()
        let p = Picture()
        #expect(share.jpeg(camera: "cam", annotated: false, picture: p) { nil } == nil)
        #expect(share.jpeg(camera: "cam", annotated: false, picture: p) { [7] } == [7], "a failure is retried")
        share.forgetPictures()
        #expect(share.jpeg(camera: "cam", annotated: false, picture: p) { [8] } == [8], "encoded afresh after a reload")
        let counts = share.counts()
        #expect(counts.count == 1 && counts.first?.encodes == 3 && counts.first?.served == 2)
    }
}
