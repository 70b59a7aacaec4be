import Testing
import Synchronization
import Ring
import VigilCore

/// Buffers currently held by someone, by identity: inserting one that is already held means it was handed out
/// twice.
final class Outstanding: Sendable {
    private let held = Results<Set<ObjectIdentifier>>([])
    private let violations = Atomic<Int>(0)
    func handOut(_ b: PixelBuffer) {
        let inserted = held.withLock { $0.insert(ObjectIdentifier(b)).inserted }
        if !inserted { violations.wrappingAdd(1, ordering: .relaxed) }
    }
    func giveBack(_ b: PixelBuffer) {
        let removed = held.withLock { $0.remove(ObjectIdentifier(b)) != nil }
        if !removed { violations.wrappingAdd(1, ordering: .relaxed) }
    }
    var violationCount: Int { violations.load(ordering: .relaxed) }
}

/// Stamps a buffer with a frame number in its first and last 8 bytes.
func stamp(_ b: PixelBuffer, _ n: Int) {
    UnsafeMutableRawPointer(b.data).storeBytes(of: n, as: Int.self)
    UnsafeMutableRawPointer(b.data + b.byteCount - 8).storeBytes(of: n, as: Int.self)
}

func readStamp(_ b: PixelBuffer) -> (Int, Int) {
    (UnsafeRawPointer(b.data).load(as: Int.self), UnsafeRawPointer(b.data + b.byteCount - 8).load(as: Int.self))
}

@Suite("BufferPool", .serialized, .timeLimit(.minutes(1)))
struct BufferPoolTests {
    @Test("hands out each buffer once, nil when all are out, then what comes back")
    func singleThreaded() {
        let pool = BufferPool(count: 3, width: 32, height: 8, format: .gray8)
        var taken: [PixelBuffer] = []
        while let b = pool.take() { taken.append(b) }
        #expect(taken.count == 3)
        #expect(Set(taken.map(ObjectIdentifier.init)).count == 3)
        #expect(taken.allSatisfy { $0.width == 32 && $0.height == 8 && $0.format == .gray8 })
        pool.recycle(taken[1])
        let again = pool.take()
        #expect(again === taken[1])
        #expect(pool.take() == nil)
        pool.reuse(taken[0])
        #expect(pool.take() === taken[0])
    }

    @Test("replay: blocking take, frames through a .block ring, never two holders of a buffer")
    func replayCycle() {
        let frames = 50_000
        let pool = BufferPool(count: 4, width: 64, height: 4, format: .gray8)
        let ring = SPSCRing<Frame>(capacity: 2, policy: .block)
        let outstanding = Outstanding()
        let result = Results(Received())
        let corrupt = Results(0)
        runOnThreads([
            {
                for i in 0..<frames {
                    guard let b = pool.takeWaiting() else { preconditionFailure("pool closed early") }
                    outstanding.handOut(b)
                    stamp(b, i)
                    ring.push(Frame(camera: CameraID("cam"), index: i, mediaTime: Double(i) / 25,
                                    sourceWidth: 64, sourceHeight: 4, gray: b))
                }
                ring.close()
            },
            {
                var r = Received()
                var bad = 0
                while let f = ring.pop() {
                    let (a, z) = readStamp(f.gray)
                    if a != f.index || z != f.index { bad += 1 }
                    if f.index != r.last + 1 { r.ordered = false }
                    r.last = f.index
                    r.count += 1
                    outstanding.giveBack(f.gray)
                    pool.recycle(f.gray)
                }
                result.set(r)
                corrupt.set(bad)
            },
        ])
        #expect(result.value.count == frames)
        #expect(result.value.ordered)
        #expect(corrupt.value == 0)
        #expect(outstanding.violationCount == 0)
    }

    @Test("live: non-blocking take, .dropOldest ring, dropped buffers reused by the producer")
    func liveCycle() {
        let frames = 50_000
        let pool = BufferPool(count: 6, width: 64, height: 4, format: .gray8)
        let ring = SPSCRing<Frame>(capacity: 4, policy: .dropOldest)
        let outstanding = Outstanding()
        let result = Results(Received())
        let corrupt = Results(0)
        let skipped = Results(0)
        runOnThreads([
            {
                var skips = 0
                for i in 0..<frames {
                    guard let b = pool.take() else { skips += 1; continue }  // all out: skip this frame
                    outstanding.handOut(b)
                    stamp(b, i)
                    let frame = Frame(camera: CameraID("cam"), index: i, mediaTime: Double(i) / 25,
                                      sourceWidth: 64, sourceHeight: 4, gray: b)
                    if case .pushedDroppingOldest(let old) = ring.push(frame) {
                        outstanding.giveBack(old.gray)
                        pool.reuse(old.gray)
                    }
                }
                ring.close()
                skipped.set(skips)
            },
            {
                var r = Received()
                var bad = 0
                while let f = ring.pop() {
                    let (a, z) = readStamp(f.gray)
                    if a != f.index || z != f.index { bad += 1 }
                    if f.index <= r.last { r.ordered = false }
                    r.last = f.index
                    r.count += 1
                    outstanding.giveBack(f.gray)
                    pool.recycle(f.gray)
                }
                result.set(r)
                corrupt.set(bad)
            },
        ])
        #expect(result.value.count + ring.dropped + skipped.value == frames)
        #expect(result.value.ordered)
        #expect(corrupt.value == 0)
        #expect(outstanding.violationCount == 0)
    }

    @Test("close wakes a producer waiting for a buffer")
    func closeWakesTaker() {
        let pool = BufferPool(count: 1, width: 8, height: 8, format: .rgb24)
        let outcome = Results<[Bool]>([])
        runOnThreads([
            {
                let first = pool.takeWaiting()
                let second = pool.takeWaiting()  // waits until close
                outcome.set([first != nil, second != nil])
            },
            {
                sleepMilliseconds(50)
                pool.close()
            },
        ])
        #expect(outcome.value == [true, false])
    }
}
