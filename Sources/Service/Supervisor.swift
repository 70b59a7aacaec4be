/// The daemon's periodic duties, decided one tick at a time from the time and the cameras' counters, with no
/// clock or thread of its own (the daemon's supervisor thread ticks it every 100 ms on its injected clock; tests
/// tick it on virtual time):
/// - each camera's decoded and analysed frames per second, once a second;
/// - systemd's `STATUS=` every 2 s;
/// - `WATCHDOG=1` every half watchdog interval while every stage makes progress; while one does not, the
///   ping is withheld (systemd then restarts the daemon) and the problems are logged once per outage;
/// - a status log line a minute.
///
/// Thread safety: a plain value, owned by the supervisor thread.
struct Supervisor {
    /// What one tick asks the daemon to do.
    struct Actions: Equatable {
        /// New per-camera rates (decoded, analysed frames per second), by camera name.
        var rates: [String: Rates]? = nil
        var sendStatus = false
        var pingWatchdog = false
        /// The problems that hold the watchdog ping back, when they are new (logged once per outage).
        var withheld: [String]? = nil
        var logStatus = false
    }

    struct Rates: Equatable {
        var decoded: Double
        var analyzed: Double
    }

    static let rateEvery: UInt64 = 1_000_000_000
    static let statusEvery: UInt64 = 2_000_000_000
    static let logEvery: UInt64 = 60_000_000_000

    private let pingEvery: UInt64?
    private var lastRates: UInt64
    private var lastStatus: UInt64 = 0
    private var lastPing: UInt64 = 0
    private var lastLog: UInt64
    private var lastCounts: [String: (decoded: Int, analyzed: Int)] = [:]
    private var unhealthyReported = false

    /// `watchdogInterval`: systemd's `WATCHDOG_USEC` in seconds (nil: no watchdog).
    init(now: UInt64, watchdogInterval: Double?) {
        lastRates = now
        lastLog = now
        pingEvery = watchdogInterval.map { UInt64($0 / 2 * 1e9) }
    }

    /// One tick at `now` (monotonic nanoseconds) with each running camera's decoded and analysed frame counts;
    /// `problems` (asked only when a ping is due) lists the stages that stopped making progress.
    mutating func tick(now: UInt64, counts: [String: (decoded: Int, analyzed: Int)],
                       problems: () -> [String]) -> Actions {
        var actions = Actions()
        if now - lastRates >= Self.rateEvery {
            let dt = Double(now - lastRates) / 1e9
            var rates: [String: Rates] = [:]
            for (name, c) in counts {
                let previous = lastCounts[name] ?? c
                rates[name] = Rates(decoded: Double(c.decoded - previous.decoded) / dt,
                                    analyzed: Double(c.analyzed - previous.analyzed) / dt)
            }
            lastCounts = counts
            actions.rates = rates
            lastRates = now
        }
        if now - lastStatus >= Self.statusEvery {
            actions.sendStatus = true
            lastStatus = now
        }
        if let pingEvery, now - lastPing >= pingEvery {
            let found = problems()
            if found.isEmpty {
                actions.pingWatchdog = true
                lastPing = now
                unhealthyReported = false
            } else if !unhealthyReported {
                actions.withheld = found
                unhealthyReported = true
            }
        }
        if now - lastLog >= Self.logEvery {
            actions.logStatus = true
            lastLog = now
        }
        return actions
    }
}
