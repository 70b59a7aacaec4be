import Pipeline
import Service
import VigilCore
import Testing

@Suite struct BackoffTests {
    @Test func doublesUpToTheCapWithoutJitter() {
        var b = Backoff(initial: 1, maximum: 30, jitter: 0)
        let delays = (0..<8).map { _ in b.nextDelay(random: 0.5) }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30, 30])
    }

    @Test func jitterOnlyShortensWithinItsFraction() {
        var b = Backoff(initial: 2, maximum: 8, jitter: 0.25)
        let first = b.nextDelay(random: 0)
        let second = b.nextDelay(random: 0.999_999)
        #expect(first == 2)
        #expect(second > 3 - 1e-5 && second <= 4)  // 4 × (1 − 0.25 × r)
        b.reset()
        #expect(b.attempt == 0)
        let afterReset = b.nextDelay(random: 1)
        #expect(afterReset == 1.5)
    }

    @Test func manyAttemptsStayCapped() {
        var b = Backoff(initial: 0.1, maximum: 5, jitter: 0.2)
        for _ in 0..<200 {
            let d = b.nextDelay(random: .random(in: 0..<1))
            #expect(d <= 5)
        }
    }
}
