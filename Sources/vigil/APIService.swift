import API
import Config
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Pipeline
import Service
import Sinks

/// The HTTP side of `vigil run`: the event index (SQLite beside the alert log) kept up by an `EventIndexer`, the
/// API server on `api.listen`, and a `/metrics`-only listener on `metrics.listen` when set. Restarts what a
/// reload changed (addresses, token, alert log path).
///
/// Thread safety: `start`, `apply` and `stop` from one thread at a time (start, then the daemon's control thread
/// through `Daemon.onReload`, then the signal queue); they serialise on `lock`.
final class APIService: @unchecked Sendable {  // unchecked: mutable state is behind `lock`
    let backend: DaemonAPIBackend
    let logger: Logger
    private let lock = NSLock()
    private var hub = EventHub()
    private var index: EventIndex?
    private var indexer: EventIndexer?
    private var api: APIServer?
    private var metricsOnly: APIServer?
    private let wake = IndexWakeSink()
    /// The index wake-up's name among the hub's sinks (metrics label; `vigil run` closes it by name).
    static let sinkName = "api"

    init(daemon: Daemon, logger: Logger) {
        backend = DaemonAPIBackend(daemon: daemon)
        self.logger = logger
        daemon.addSink(wake, name: APIService.sinkName, subscription: SinkSubscription(capacity: 64))
    }

    /// The API's port, when it runs (tests read it from the log line instead).
    var apiPort: Int? { lock.withLock { api?.port } }

    /// Where the index of `config` lives: `api.index`, else beside the alert log; nil when there is no log file
    /// to index (alerts to standard output, or to a device such as /dev/full).
    static func indexPath(_ config: VigilConfig) -> String? {
        let log = config.alerts.path
        var st = stat()
        if log == "-" || (stat(log, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG) { return nil }
        if !config.api.index.isEmpty { return config.api.index }
        return log + ".index.sqlite"
    }

    /// Opens the index, starts the indexer and the listeners. Throws `APIServer.StartError` when an address
    /// cannot be bound, or the index cannot be opened.
    func start(_ config: VigilConfig) throws {
        try lock.withLock {
            try startIndex(config)
            try startServers(config)
        }
    }

    private func startIndex(_ config: VigilConfig) throws {
        hub = EventHub()
        guard let path = APIService.indexPath(config) else { return }
        let idx: EventIndex
        do { idx = try EventIndex(path: path) } catch {
            // Unreadable (not SQLite, damaged): set it aside and rebuild from the log, which is the record.
            logger.error("event index \(path): \(error); rebuilding it from the alert log")
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix + ".damaged") }
            try? FileManager.default.moveItem(atPath: path, toPath: path + ".damaged")
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            do { idx = try EventIndex(path: path) } catch {
                throw APIServer.StartError(description: "event index \(path): \(error)")
            }
        }
        let indexer = EventIndexer(logPath: config.alerts.path, index: idx, hub: hub, logger: logger)
        indexer.start()
        index = idx
        self.indexer = indexer
        wake.point(at: indexer)
    }

    private func startServers(_ config: VigilConfig) throws {
        // Clips are served from every recordings folder in use (the global one and cameras' own `record.dir`).
        let clipDirectories = Array(Set([config.record.directory] + config.cameras.map(\.record.directory))).sorted()
        if config.api.address != nil {
            let server = APIServer(options: APIOptions(config.api, snapshots: config.snapshots, clipDirectories: clipDirectories),
                                   backend: backend, index: index, hub: hub, logger: logger)
            try server.start()
            api = server
            logger.info("web page on http://\(server.options.host):\(server.port)/")
        }
        if let m = config.metrics.address {
            var o = APIOptions()
            o.host = m.host
            o.port = m.port
            o.metricsOnly = true
            let server = APIServer(options: o, backend: backend, index: nil, hub: EventHub(), logger: logger)
            try server.start()
            metricsOnly = server
            logger.info("metrics on http://\(m.host):\(server.port)/metrics")
        }
    }

    /// After a reload: restarts the listeners (and the indexer, for a new alert log) when their settings changed.
    func apply(old: VigilConfig, new: VigilConfig) {
        backend.refreshConfig()
        let logChanged = old.alerts.path != new.alerts.path || old.api.index != new.api.index
        guard logChanged || old.api != new.api || old.metrics != new.metrics || old.snapshots.directory != new.snapshots.directory
        else { return }
        lock.withLock {
            stopServers()
            if logChanged {
                wake.point(at: nil)
                indexer?.stop()
                indexer = nil
                index = nil
                do { try startIndex(new) } catch { logger.error("\(error)") }
            }
            do { try startServers(new) } catch { logger.error("API not restarted: \(error)") }
        }
    }

    private func stopServers() {
        api?.stop()
        metricsOnly?.stop()
        api = nil
        metricsOnly = nil
    }

    func stop() {
        lock.withLock {
            stopServers()
            wake.point(at: nil)
            indexer?.stop()
            indexer = nil
        }
    }
}
