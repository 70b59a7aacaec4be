import Testing
@testable import Service

/// The daemon's periodic duties on virtual time: `Supervisor.tick` is given the time and the counters, so these
/// run in microseconds and say exactly when each duty comes due.
@Suite struct SupervisorTests {
    static let second: UInt64 = 1_000_000_000
    static let start: UInt64 = 1_000 * second

    /// Ticks every 100 ms from `start` for `seconds`, with the counts `counts(t)` at each tick (t in ticks).
    func run(_ s: inout Supervisor, seconds: Int, counts: (Int) -> [String: (decoded: Int, analyzed: Int)],
             problems: @escaping (Int) -> [String] = { _ in [] }) -> [(tick: Int, actions: Supervisor.Actions)] {
        (1...(seconds * 10)).map { t in
            (t, s.tick(now: Self.start + UInt64(t) * Self.second / 10, counts: counts(t), problems: { problems(t) }))
        }
    }

    @Test func ratesOnceASecondFromTheCountersThemselves() {
        var s = Supervisor(now: Self.start, watchdogInterval: nil)
        // 25 decoded and 5 analysed frames a second: 2.5 and 0.5 per tick.
        let ticks = run(&s, seconds: 3) { t in ["cam": (decoded: t * 5 / 2, analyzed: t / 2)] }
        let rated = ticks.filter { $0.actions.rates != nil }
        #expect(rated.map(\.tick) == [10, 20, 30])
        // The first second has no earlier count to compare with; the next ones are exact.
        #expect(rated[1].actions.rates?["cam"] == Supervisor.Rates(decoded: 25, analyzed: 5))
        #expect(rated[2].actions.rates?["cam"] == Supervisor.Rates(decoded: 25, analyzed: 5))
    }

    @Test func statusEveryTwoSecondsAndALogLineAMinute() {
        var s = Supervisor(now: Self.start, watchdogInterval: nil)
        let ticks = run(&s, seconds: 130) { _ in [:] }
        #expect(ticks.filter(\.actions.sendStatus).map(\.tick).prefix(3) == [1, 21, 41])
        #expect(ticks.filter(\.actions.logStatus).map(\.tick) == [600, 1200])
        #expect(!ticks.contains { $0.actions.pingWatchdog }, "no watchdog configured")
    }

    /// WATCHDOG_USEC 2 s: a ping every second while healthy; a stuck stage holds the ping back (systemd restarts
    /// the daemon) and is reported once per outage; pings resume when it recovers.
    @Test func watchdogPingsWhileHealthyAndWithholdsWhileAStageIsStuck() {
        var s = Supervisor(now: Self.start, watchdogInterval: 2)
        let stuck = 31...60  // ticks 3.1 s … 6 s
        let ticks = run(&s, seconds: 9, counts: { _ in [:] }) { t in stuck.contains(t) ? ["cam: ingest stuck for 12 s"] : [] }
        #expect(ticks.filter(\.actions.pingWatchdog).map(\.tick) == [1, 11, 21, 61, 71, 81])
        let withheld = ticks.filter { $0.actions.withheld != nil }
        #expect(withheld.map(\.tick) == [31])
        #expect(withheld.first?.actions.withheld == ["cam: ingest stuck for 12 s"])
    }
}
