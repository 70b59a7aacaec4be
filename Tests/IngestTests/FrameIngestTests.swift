import Foundation
import Ingest
import Media
import Ring
import Synchronization
import Testing
import TestSupport
import VigilCore

/// The one ingest path, on the generated boxes.mp4 (300 frames, 640×360).
struct FrameIngestTests {
    func source(_ analysisHeight: Int = 120) throws -> VideoSource {
        var o = SourceOptions()
        o.analysisHeight = analysisHeight
        o.threads = 1
        return try VideoSource(url: Fixtures.path("boxes.mp4"), options: o)
    }

    /// Replay's policy: every frame arrives, in order, with grey and RGB pictures of the right sizes, and the
    /// consumer's releases keep the producer going with only ring + 2 buffers per pool.
    @Test func blockingIngestDeliversEveryFrameInOrder() throws {
        var options = IngestOptions(camera: "boxes")
        options.ringCapacity = 4
        options.detectHeight = 180
        let ingest = FrameIngest(options)
        let src = try source()
        let producerDone = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        Thread {
            do { try ingest.readAll(src) } catch { failure.withLock { $0 = "\(error)" } }
            ingest.finish()
            producerDone.signal()
        }.start()
        var indices: [Int] = []
        var sizes = Set<String>()
        while let f = ingest.ring.pop() {
            indices.append(f.frame.index)
            sizes.insert("\(f.frame.gray.width)x\(f.frame.gray.height) \(f.frame.rgb.map { "\($0.width)x\($0.height)" } ?? "-") s\(f.session)")
            f.release()
        }
        producerDone.wait()
        #expect(failure.withLock { $0 } == nil)
        #expect(indices == Array(0..<300))
        #expect(sizes == ["212x120 320x180 s1"])
    }

    /// Live's policy: a full ring drops its oldest frame (whose buffers go back to the producer); once the
    /// consumer holds every buffer, a frame finds none and is dropped before scaling; released buffers are
    /// taken again.
    @Test func dropOldestIngestDropsWithoutLosingABuffer() throws {
        var options = IngestOptions(camera: "live")
        options.ringCapacity = 4
        options.policy = .dropOldest
        options.spareBuffers = 3  // 7 buffers per pool
        options.detectHeight = 180
        let ingest = FrameIngest(options)
        let src = try source()
        ingest.begin(src)
        var steps: [IngestStep] = []
        for _ in 0..<20 { steps.append(try ingest.step(src)) }
        #expect(steps == Array(repeating: .pushed, count: 4) + Array(repeating: .pushedDroppingOldest, count: 16))
        var held: [IngestFrame] = []
        while let f = ingest.ring.tryPop() { held.append(f) }
        #expect(held.map(\.frame.index) == [16, 17, 18, 19])  // the newest four
        steps = []
        for _ in 0..<4 { steps.append(try ingest.step(src)) }
        #expect(steps == [.pushed, .pushed, .pushed, .noBuffer])  // 4 held + 3 queued = every buffer
        for f in held { f.release() }
        #expect(try ingest.step(src) == .pushed)
        #expect(try ingest.step(src) == .pushedDroppingOldest)
        ingest.stop()
        #expect(try ingest.step(src) == .closed)
    }

    /// Decimation: frames the caller does not admit are decoded but neither scaled nor queued.
    @Test func unadmittedFramesAreSkipped() throws {
        let ingest = FrameIngest(IngestOptions(camera: "d"))
        let src = try source()
        ingest.begin(src)
        var steps: [IngestStep] = []
        var queued: [Int] = []
        for _ in 0..<6 {
            steps.append(try ingest.step(src, admit: { t in Int((t * 25).rounded()) % 3 == 0 }))
            while let f = ingest.ring.tryPop() { queued.append(f.frame.index); f.release() }
        }
        #expect(steps == [.pushed, .skipped, .skipped, .pushed, .skipped, .skipped])
        #expect(queued == [0, 3])
    }

    /// The consumer stopping early wakes a producer blocked on a full ring; the producer's read ends.
    @Test func stopWakesABlockedProducer() throws {
        var options = IngestOptions(camera: "stop")
        options.ringCapacity = 2
        let ingest = FrameIngest(options)
        let src = try source()
        let producerDone = DispatchSemaphore(value: 0)
        Thread {
            try? ingest.readAll(src)
            producerDone.signal()
        }.start()
        let first = try #require(ingest.ring.pop())
        first.release()
        #expect(waitUntil(timeout: 30) { ingest.ring.count == ingest.ring.capacity })  // the producer waits for room
        ingest.stop()
        #expect(producerDone.wait(timeout: .now() + 30) == .success)
        // A push that was in progress when the ring closed may have landed after the drain: at most that one.
        var late = 0
        while let f = ingest.ring.pop() { late += 1; f.release() }
        #expect(late <= 1)
    }

    /// A new session on a source of another size makes new pools; frames of the old ones still go home.
    @Test func aReconnectWithAnotherSizeGetsNewPools() throws {
        var options = IngestOptions(camera: "r")
        options.policy = .dropOldest
        let ingest = FrameIngest(options)
        let a = try source(120)
        ingest.begin(a)
        #expect(try ingest.step(a) == .pushed)
        let old = try #require(ingest.ring.pop())
        let b = try source(90)
        ingest.begin(b)
        #expect(try ingest.step(b) == .pushed)
        let new = try #require(ingest.ring.pop())
        #expect(old.session == 1 && new.session == 2)
        #expect(old.frame.gray.height == 120 && new.frame.gray.height == 90)
        old.release()
        new.release()
    }
}
