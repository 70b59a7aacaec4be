import Testing
import Synchronization
@testable import Ring
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a consumer saw.
struct Received: Sendable {
    var count = 0
    var sum = 0
    /// Every value was exactly the previous one + 1 (`.block`) or larger than the previous one (`.dropOldest`).
    var ordered = true
    var last = -1
}

/// What a `.dropOldest` producer got back.
struct Displaced: Sendable {
    var count = 0
    var sum = 0
    var ordered = true
    var unexpected = 0
}

/// Two real threads, one producer and one consumer, on one ring; the producer closes the ring at the end.
/// `.block`: mixes `push`/`tryPush` and `pop`/`tryPop`; the consumer checks the exact sequence 0, 1, 2, …
func runBlockStress<E: Sendable>(items: Int, capacity: Int, asymmetricFence: Bool = AsymmetricFence.isAvailable,
                                 make: @escaping @Sendable (Int) -> E,
                                 value: @escaping @Sendable (E) -> Int) -> Received {
    let ring = SPSCRing<E>(capacity: capacity, policy: .block, asymmetricFence: asymmetricFence)
    let result = Results(Received())
    runOnThreads([
        {
            for i in 0..<items {
                if i & 1 == 0 {
                    _ = ring.push(make(i))
                } else {
                    var pending = make(i)
                    while true {
                        switch ring.tryPush(pending) {
                        case .pushed: break
                        case .full(let back): pending = back; sched_yield(); continue
                        default: preconditionFailure("unexpected push result")
                        }
                        break
                    }
                }
            }
            ring.close()
        },
        {
            var r = Received()
            var useTry = false
            while true {
                let element: E?
                if useTry {
                    var e = ring.tryPop()
                    while e == nil && !ring.isClosed { sched_yield(); e = ring.tryPop() }
                    element = e ?? ring.pop()  // after close: drain the rest, then nil
                } else {
                    element = ring.pop()
                }
                guard let element else { break }
                let v = value(element)
                if v != r.last + 1 { r.ordered = false }
                r.last = v
                r.count += 1
                r.sum &+= v
                useTry = (v / 7) & 1 == 1  // switch style in runs
            }
            result.set(r)
        },
    ])
    return result.value
}

/// `.dropOldest`: the consumer checks that what it gets increases; the producer collects what was dropped.
func runDropStress<E: Sendable>(items: Int, capacity: Int, consumerPauseEvery: Int,
                                make: @escaping @Sendable (Int) -> E,
                                value: @escaping @Sendable (E) -> Int) -> (Received, Displaced, dropped: Int) {
    let ring = SPSCRing<E>(capacity: capacity, policy: .dropOldest)
    let received = Results(Received())
    let displaced = Results(Displaced())
    runOnThreads([
        {
            var d = Displaced()
            var last = -1
            for i in 0..<items {
                switch ring.push(make(i)) {
                case .pushed: break
                case .pushedDroppingOldest(let old):
                    let v = value(old)
                    if v <= last { d.ordered = false }
                    last = v
                    d.count += 1
                    d.sum &+= v
                default: d.unexpected += 1
                }
            }
            ring.close()
            displaced.set(d)
        },
        {
            var r = Received()
            while let element = ring.pop() {
                let v = value(element)
                if v <= r.last { r.ordered = false }
                r.last = v
                r.count += 1
                r.sum &+= v
                if r.count % consumerPauseEvery == 0 { sched_yield() }  // let the ring fill up: drops
            }
            received.set(r)
        },
    ])
    return (received.value, displaced.value, ring.dropped)
}

@Suite("SPSCRing under contention", .serialized, .timeLimit(.minutes(1)))
struct SPSCRingStressTests {
    @Test("block: 2 M Ints, FIFO, no loss, no duplicate")
    func blockInts() {
        let n = 2_000_000
        let r = runBlockStress(items: n, capacity: 64, make: { $0 }, value: { $0 })
        #expect(r.count == n)
        #expect(r.ordered)
        #expect(r.sum == n * (n - 1) / 2)
    }

    @Test("block: 500 k class elements, capacity 4, refcounts intact")
    func blockTokens() {
        let n = 500_000
        let counter = LiveCounter()
        let r = runBlockStress(items: n, capacity: 4, make: { Token($0, counter) }, value: { $0.value })
        #expect(r.count == n)
        #expect(r.ordered)
        #expect(r.sum == n * (n - 1) / 2)
        #expect(counter.value == 0)
    }

    @Test("dropOldest: 2 M Ints, received + dropped == sent, received increasing")
    func dropInts() {
        let n = 2_000_000
        let (r, d, dropped) = runDropStress(items: n, capacity: 16, consumerPauseEvery: 512,
                                            make: { $0 }, value: { $0 })
        #expect(r.count + dropped == n)
        #expect(d.count == dropped)
        #expect(d.unexpected == 0)
        #expect(r.ordered && d.ordered)
        #expect(r.sum &+ d.sum == n * (n - 1) / 2)  // every value exactly once, received or handed back
        #expect(r.last == n - 1)  // the newest is never dropped
        #expect(dropped > 0)
    }

    @Test("dropOldest: 500 k class elements, capacity 2, refcounts intact")
    func dropTokens() {
        let n = 500_000
        let counter = LiveCounter()
        let (r, d, dropped) = runDropStress(items: n, capacity: 2, consumerPauseEvery: 256,
                                            make: { Token($0, counter) }, value: { $0.value })
        #expect(r.count + dropped == n)
        #expect(d.count == dropped)
        #expect(d.unexpected == 0)
        #expect(r.ordered && d.ordered)
        #expect(r.sum &+ d.sum == n * (n - 1) / 2)
        #expect(r.last == n - 1)
        #expect(counter.value == 0)
    }

    /// The wake-up protocols to exercise: seq_cst always, membarrier where the kernel has it.
    static let fences: [Bool] = AsymmetricFence.isAvailable ? [true, false] : [false]

    @Test("block, seq_cst wake-up protocol: 500 k class elements, capacity 4")
    func blockTokensSeqCst() {
        let n = 500_000
        let counter = LiveCounter()
        let r = runBlockStress(items: n, capacity: 4, asymmetricFence: false,
                               make: { Token($0, counter) }, value: { $0.value })
        #expect(r.count == n)
        #expect(r.ordered)
        #expect(r.sum == n * (n - 1) / 2)
        #expect(counter.value == 0)
    }

    @Test("block: capacity-1 ping-pong, every pop waits, some sleep (lost-wakeup stress)", arguments: fences)
    func pingPong(asymmetricFence: Bool) {
        let rounds = 20_000
        let requests = SPSCRing<Int>(capacity: 1, policy: .block, asymmetricFence: asymmetricFence)
        let replies = SPSCRing<Int>(capacity: 1, policy: .block, asymmetricFence: asymmetricFence)
        let mismatches = Results(0)
        runOnThreads(deadline: 30, [
            {
                var bad = 0
                for i in 0..<rounds {
                    if i % 500 == 250 { sleepMilliseconds(1) }  // the echo thread sleeps in pop
                    requests.push(i)
                    if replies.pop() != i { bad += 1 }
                }
                requests.close()
                mismatches.set(bad)
            },
            {
                while let x = requests.pop() {
                    if x % 500 == 0 { sleepMilliseconds(1) }  // the main thread sleeps in pop
                    replies.push(x)
                }
                replies.close()
            },
        ])
        #expect(mismatches.value == 0)
    }

    @Test("both sides park and are woken: bursts with pauses",
          arguments: [RingPolicy.block, .dropOldest], fences)
    func parkAndWake(policy: RingPolicy, asymmetricFence: Bool) {
        // Producer pauses (the consumer sleeps on empty); for .block the consumer pauses too (the producer
        // sleeps on full). A lost wakeup hangs here until the watchdog fires.
        let ring = SPSCRing<Int>(capacity: 4, policy: policy, asymmetricFence: asymmetricFence)
        let received = Results(Received())
        let bursts = 60, burst = 50
        runOnThreads(deadline: 30, [
            {
                for b in 0..<bursts {
                    for i in 0..<burst { ring.push(b * burst + i) }
                    if b % 2 == 0 { sleepMilliseconds(2) }
                }
                ring.close()
            },
            {
                var r = Received()
                while let v = ring.pop() {
                    if v <= r.last { r.ordered = false }
                    r.last = v
                    r.count += 1
                    if policy == .block && r.count % 97 == 0 { sleepMilliseconds(2) }
                }
                received.set(r)
            },
        ])
        let r = received.value
        #expect(r.ordered)
        #expect(r.count + ring.dropped == bursts * burst)
        if policy == .block { #expect(r.count == bursts * burst) }
    }

    @Test("close wakes a consumer waiting on an empty ring", arguments: [RingPolicy.block, .dropOldest])
    func closeWakesConsumer(policy: RingPolicy) {
        let ring = SPSCRing<Int>(capacity: 4, policy: policy)
        let got = Results<[Int?]>([])
        runOnThreads([
            {
                var seen: [Int?] = []
                seen.append(ring.pop())
                seen.append(ring.pop())  // waits here, well past the spin phase
                got.set(seen)
            },
            {
                ring.push(7)
                sleepMilliseconds(50)
                ring.close()
            },
        ])
        #expect(got.value == [7, nil])
    }

    @Test("close wakes a producer waiting on a full ring (block)")
    func closeWakesProducer() {
        let ring = SPSCRing<Int>(capacity: 2, policy: .block)
        let outcome = Results<Int?>(nil)
        runOnThreads([
            {
                ring.push(1)
                ring.push(2)
                if case .closed(let back) = ring.push(3) { outcome.set(back) }  // waits until close
            },
            {
                sleepMilliseconds(50)
                ring.close()
            },
        ])
        #expect(outcome.value == 3)
        #expect(ring.pop() == 1)
        #expect(ring.pop() == 2)
        #expect(ring.pop() == nil)
    }
}
