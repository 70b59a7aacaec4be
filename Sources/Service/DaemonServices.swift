import Foundation
import Logging
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One part of `vigil run` in its `ServiceGroup` (swift-service-lifecycle): the alert log, the HTTP API, MQTT,
/// the cameras. `run` calls `start` (skipped when the group is already shutting down: a stop signal arrived during
/// start-up), waits for the group's graceful shutdown (SIGTERM/SIGINT) or its cancellation (another part failed),
/// then calls `stop`. The group shuts its parts down one at a time in reverse order, so the daemon lists them as
/// [alert log, HTTP API, MQTT, cameras]: the cameras stop reading and drain their analysis first, then each sink
/// delivers what it holds, the JSON-lines log is flushed last.
///
/// Thread safety: immutable; `start` and `stop` block (model loading, thread joins), so each runs on a thread of
/// its own, never on the concurrency pool.
public struct DaemonPart: Service, CustomStringConvertible {
    public let description: String
    private let start: @Sendable () throws -> Void
    private let stop: @Sendable () -> Void

    public init(_ name: String, start: @escaping @Sendable () throws -> Void = {},
                stop: @escaping @Sendable () -> Void) {
        description = name
        self.start = start
        self.stop = stop
    }

    public func run() async throws {
        if !Task.isShuttingDownGracefully {
            do {
                try await onOwnThread("vigil-start", start)
            } catch {
                try await onOwnThread("vigil-stop", stop)
                throw error
            }
        }
        // Returns on graceful shutdown, throws CancellationError on cancellation: either way, this part stops.
        try? await gracefulShutdown()
        try await onOwnThread("vigil-stop", stop)
    }
}

/// Runs `body` on a new thread and resumes with its result.
func onOwnThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
        let t = Thread { c.resume(with: Result { try body() }) }
        t.name = name
        t.start()
    }
}

extension ServiceGroup {
    /// Runs the group from synchronous code (a command's `run`): blocks the calling thread until every part
    /// has stopped; rethrows the first error a part threw.
    public nonisolated func runBlocking() throws {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await run(); outcome.withLock { $0 = .success(()) } } catch { outcome.withLock { $0 = .failure(error) } }
            done.signal()
        }
        done.wait()
        try outcome.withLock { $0! }.get()
    }
}

/// The signals of `vigil run`, taken from the first moment of the process by one thread in `sigwait`: SIGTERM and
/// SIGINT become the service group's graceful shutdown (`forward(to:)`), SIGHUP a reload (`onReload`), SIGPIPE is
/// ignored (a scraper hanging up must not kill the daemon).
///
/// Why not dispatch signal sources (nor the group's own `gracefulShutdownSignals`, which are such sources): a
/// source is armed asynchronously after `resume`, so a SIGTERM in the first moments met the `SIG_IGN` set before
/// and was lost. Here the three signals are blocked first, in the calling thread and so in every thread started
/// afterwards, then taken by `sigwait`: one that arrives at any time after `init` stays pending until it is taken,
/// whatever signal mask the parent (systemd, a test runner) started us with. A stop that comes while the config
/// loads or the cameras start is kept and acted on as soon as the group exists — systemd would otherwise wait for
/// its stop timeout and SIGKILL.
///
/// Thread safety: the signals are handled one at a time on the signal thread; `requested`, `group` and `reload`
/// are behind a mutex. Lives as long as the process (the signal thread holds it).
public final class StopSignals: Sendable {
    private struct State {
        var requested = false
        var group: ServiceGroup?
        var reload: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())
    private let logger: Logger

    /// Call first, before any thread is started: blocks SIGTERM, SIGINT and SIGHUP and starts the signal thread.
    public init(logger: Logger) {
        self.logger = logger
        signal(SIGPIPE, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let handled = set
        let t = Thread { [self] in take(handled) }
        t.name = "vigil-signals"
        t.start()
    }

    /// True once SIGTERM or SIGINT arrived.
    public var stopRequested: Bool { state.withLock { $0.requested } }

    /// From now on a stop signal (and one that already came) triggers `group`'s graceful shutdown.
    public func forward(to group: ServiceGroup) {
        let requested = state.withLock { s in s.group = group; return s.requested }
        if requested { Task { await group.triggerGracefulShutdown() } }
    }

    /// From now on SIGHUP calls `reload`, on the signal thread (so never at the same time as another reload).
    /// Before, SIGHUP is logged and ignored (nothing runs yet that could reload).
    public func onReload(_ reload: @escaping @Sendable () -> Void) { state.withLock { $0.reload = reload } }

    private func take(_ signals: sigset_t) {
        var set = signals
        while true {
            var s: Int32 = 0
            guard sigwait(&set, &s) == 0 else { continue }
            if s == SIGHUP {
                if let reload = state.withLock({ $0.reload }) { reload() } else { logger.notice("SIGHUP ignored: still starting") }
                continue
            }
            logger.info("signal \(s == SIGTERM ? "SIGTERM" : "SIGINT"): stopping")
            let group = state.withLock { st in st.requested = true; return st.group }
            if let group { Task { await group.triggerGracefulShutdown() } }
        }
    }
}
