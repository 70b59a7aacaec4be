import Testing
import Synchronization
@testable import Ring
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("SPSCRing basics")
struct SPSCRingBasicTests {
    @Test("capacity rounds up to a power of two", arguments: [RingPolicy.block, .dropOldest])
    func capacityRounding(policy: RingPolicy) {
        let cases = [(1, 1), (2, 2), (3, 4), (4, 4), (5, 8), (1000, 1024), (1024, 1024), (1025, 2048)]
        for (requested, expected) in cases {
            #expect(SPSCRing<Int>(capacity: requested, policy: policy).capacity == expected)
        }
    }

    @Test("head and tail live on separate cache lines")
    func controlLayout() {
        let ring = SPSCRing<Int>(capacity: 8, policy: .block)
        let base = UInt(bitPattern: ring.control.base)
        func line(_ p: UnsafeMutableRawPointer) -> UInt { UInt(bitPattern: p) / 64 }
        #expect(base % 128 == 0)
        let producerWords = [UnsafeMutableRawPointer(ring.control.tail), UnsafeMutableRawPointer(ring.control.cachedHead),
                             UnsafeMutableRawPointer(ring.control.dropped)]
        let consumerWords = [UnsafeMutableRawPointer(ring.control.head), UnsafeMutableRawPointer(ring.control.cachedTail)]
        let sharedWords = [UnsafeMutableRawPointer(ring.control.closed),
                           UnsafeMutableRawPointer(ring.control.consumerSleeping),
                           UnsafeMutableRawPointer(ring.control.producerSleeping)]
        let p = Set(producerWords.map(line)), c = Set(consumerWords.map(line)), s = Set(sharedWords.map(line))
        #expect(p.isDisjoint(with: c) && p.isDisjoint(with: s) && c.isDisjoint(with: s))
        // 128 bytes apart: not even on an adjacent-line prefetch pair.
        let distance = UInt(bitPattern: UnsafeMutableRawPointer(ring.control.head))
            - UInt(bitPattern: UnsafeMutableRawPointer(ring.control.tail))
        #expect(distance >= 128)
    }

    @Test("FIFO order across many wraparounds", arguments: [RingPolicy.block, .dropOldest])
    func wraparound(policy: RingPolicy) {
        let ring = SPSCRing<Int>(capacity: 4, policy: policy)
        var next = 0, expected = 0
        for round in 0..<1000 {
            let burst = round % 5  // 0...4 elements, never more than the capacity
            for _ in 0..<burst {
                #expect(ring.tryPush(next).isStored)
                next += 1
            }
            #expect(ring.count == burst)
            for _ in 0..<burst {
                #expect(ring.tryPop() == expected)
                expected += 1
            }
            #expect(ring.tryPop() == nil)
        }
        #expect(ring.dropped == 0)
    }

    @Test("block: tryPush on a full ring hands the element back")
    func blockFull() {
        let ring = SPSCRing<Int>(capacity: 2, policy: .block)
        #expect(ring.tryPush(1).isStored)
        #expect(ring.tryPush(2).isStored)
        guard case .full(let back) = ring.tryPush(3) else { Issue.record("expected .full"); return }
        #expect(back == 3)
        #expect(ring.count == 2)
        #expect(ring.pop() == 1)
        #expect(ring.tryPush(3).isStored)
        #expect(ring.pop() == 2)
        #expect(ring.pop() == 3)
        #expect(ring.tryPop() == nil)
    }

    @Test("dropOldest: a full push returns the oldest element and counts it")
    func dropOldestHandsBack() {
        let counter = LiveCounter()
        do {
            let ring = SPSCRing<Token>(capacity: 4, policy: .dropOldest)
            var displaced: [Int] = []
            for i in 0..<10 {
                switch ring.push(Token(i, counter)) {
                case .pushed: break
                case .pushedDroppingOldest(let old): displaced.append(old.value)
                default: Issue.record("unexpected push result")
                }
            }
            #expect(displaced == [0, 1, 2, 3, 4, 5])
            #expect(ring.dropped == 6)
            #expect(ring.count == 4)
            #expect(ring.tryPop()?.value == 6)
            ring.push(Token(10, counter))
            #expect(ring.dropped == 6)
            var rest: [Int] = []
            while let t = ring.tryPop() { rest.append(t.value) }
            #expect(rest == [7, 8, 9, 10])
            ring.push(Token(11, counter))  // left in the ring: released by deinit
        }
        #expect(counter.value == 0)
    }

    @Test("elements left in a ring are released with it", arguments: [RingPolicy.block, .dropOldest])
    func deinitReleases(policy: RingPolicy) {
        let counter = LiveCounter()
        do {
            let ring = SPSCRing<Token>(capacity: 8, policy: policy)
            for i in 0..<13 { _ = ring.tryPush(Token(i, counter)) }
            _ = ring.tryPop()
            #expect(counter.value == 7)
        }
        #expect(counter.value == 0)
    }

    @Test("close: drain what is left, then nil; push after close hands the element back",
          arguments: [RingPolicy.block, .dropOldest])
    func closeDrains(policy: RingPolicy) {
        let ring = SPSCRing<Int>(capacity: 8, policy: policy)
        for i in 0..<3 { ring.push(i) }
        #expect(!ring.isClosed)
        ring.close()
        ring.close()  // idempotent
        #expect(ring.isClosed)
        guard case .closed(let back) = ring.push(99) else { Issue.record("expected .closed"); return }
        #expect(back == 99)
        #expect(ring.pop() == 0)
        #expect(ring.pop() == 1)
        #expect(ring.pop() == 2)
        #expect(ring.pop() == nil)
        #expect(ring.pop() == nil)
        #expect(ring.tryPop() == nil)
    }

    #if DEBUG
    @Test("debug builds trap a second producer thread")
    func secondProducerTraps() async {
        await #expect(processExitsWith: .failure) {
            let ring = SPSCRing<Int>(capacity: 4, policy: .block)
            ring.push(1)
            runOnThreads([{ ring.push(2) }])
        }
    }

    @Test("debug builds trap a second consumer thread")
    func secondConsumerTraps() async {
        await #expect(processExitsWith: .failure) {
            let ring = SPSCRing<Int>(capacity: 4, policy: .dropOldest)
            ring.push(1)
            ring.push(2)
            _ = ring.pop()
            runOnThreads([{ _ = ring.pop() }])
        }
    }
    #endif
}
