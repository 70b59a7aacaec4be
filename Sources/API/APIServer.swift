import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import VigilCore

/// The HTTP API and web page of `vigil run` on Hummingbird 2: JSON routes over the daemon (`APIBackend`) and the
/// event index, the live event stream, snapshots and clips by event id, MJPEG, the page, and `/metrics`.
/// Loopback by default; a token on every `/api/` route when configured; idle and header timeouts, a connection
/// cap; no request bodies are read; no CORS headers.
///
/// Thread safety: `start` and `stop` from one owning thread; handlers run concurrently on the server's tasks.
public final class APIServer: @unchecked Sendable {  // unchecked: `task` is touched by start/stop only, the rest is Sendable
    public let options: APIOptions
    let backend: any APIBackend
    let index: EventIndex?
    let hub: EventHub
    let logger: Logger
    let viewers = Mutex<[String: Int]>([:])
    let mjpegRefused = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    /// Set by `stop`: long responses (MJPEG) end at their next frame.
    let closing = Atomic<Bool>(false)
    private var task: Task<Void, any Error>?
    private var group: ServiceGroup?
    private let executor = ServerExecutor(threads: 2, name: "vigil-http")
    /// The port bound (the configured one, or the kernel's pick for port 0); 0 before `start`.
    public private(set) var port = 0

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public init(options: APIOptions, backend: any APIBackend, index: EventIndex?, hub: EventHub, logger: Logger) {
        self.options = options
        self.backend = backend
        self.index = index
        self.hub = hub
        self.logger = logger
    }

    /// Binds and starts serving; returns once the port is bound (throws `StartError` when it cannot be).
    public func start() throws {
        let router = Router()
        router.middlewares.add(TokenCheck(token: Array(options.token.utf8), metricsRequireToken: options.metricsRequireToken))
        addRoutes(router)
        let bound = PortHandOff()
        var http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [HeaderTimeoutHandler(timeout: .nanoseconds(Int64(self.options.headerTimeoutSeconds * 1e9)))],
            idleTimeout: .nanoseconds(Int64(options.idleTimeoutSeconds * 1e9)))
        http.httpDecoder = .init(maxHeaderFieldSize: 8192, maxHeaderListSize: 32768, maxHeaderFieldCount: 64)
        // Hummingbird's own log: bind errors are thrown, request errors answered; what it logs at shutdown
        // (cancelled connection tasks) is noise.
        var serverLogger = logger
        serverLogger.logLevel = .critical
        let app = Application(
            router: router,
            server: .http1(configuration: http),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "vigil",
                                 backlog: 256,
                                 availableConnectionsDelegate: MaximumAvailableConnections(options.maxConnections, logger: serverLogger)),
            onServerRunning: { channel in bound.set(.success(channel.localAddress?.port ?? 0)) },
            logger: serverLogger)
        let executor = self.executor
        // A group of its own (no signal handling: the daemon has its own), to shut down gracefully on `stop`.
        let group = ServiceGroup(configuration: .init(services: [app], logger: serverLogger))
        self.group = group
        // Started on the server's own threads, not the shared pool (which a blocked caller may hold).
        task = Task(executorPreference: executor) {
            defer { executor.shutdown() }
            do { try await group.run() } catch {
                bound.set(.failure(StartError(description: "cannot listen on \(self.options.host):\(self.options.port): \(error)")))
                throw error
            }
        }
        port = try bound.wait(timeout: 10).get()
    }

    /// Stops accepting, ends the event streams and MJPEG responses, lets requests in progress finish, and waits
    /// (`timeout` seconds at most, then cancels them) for the server to end.
    public func stop(timeout: Double = 1) {
        guard let task, let group else { return }
        self.task = nil
        self.group = nil
        closing.store(true, ordering: .relaxed)  // relaxed: polled by the MJPEG loops
        hub.finishAll()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) {
            await group.triggerGracefulShutdown()
            _ = await task.result
            done.signal()
        }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            task.cancel()
            _ = done.wait(timeout: .now() + 1)
        }
    }

    // MARK: - Helpers shared by the routes

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        json(value.serialized(), status: status)
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(.object([("error", .string(message))]), status: status)
    }

    /// The API's own Prometheus families, appended to the daemon's.
    func metricsText() -> String {
        var s = backend.metricsText()
        s += "# HELP vigil_api_requests_total HTTP requests answered by the API.\n# TYPE vigil_api_requests_total counter\n"
        s += "vigil_api_requests_total \(requests.load(ordering: .relaxed))\n"
        s += "# HELP vigil_api_stream_subscribers Open live event streams.\n# TYPE vigil_api_stream_subscribers gauge\n"
        s += "vigil_api_stream_subscribers \(hub.subscriberCount)\n"
        s += "# HELP vigil_api_stream_dropped_total Events a slow live-stream subscriber lost (its buffer was full).\n"
        s += "# TYPE vigil_api_stream_dropped_total counter\nvigil_api_stream_dropped_total \(hub.dropped)\n"
        s += "# HELP vigil_api_mjpeg_refused_total MJPEG viewers refused (api.mjpeg_max_viewers reached).\n"
        s += "# TYPE vigil_api_mjpeg_refused_total counter\nvigil_api_mjpeg_refused_total \(mjpegRefused.load(ordering: .relaxed))\n"
        return s
    }
}

/// Hands the bound port (or the bind error) from the server task to the thread in `start`.
final class PortHandOff: Sendable {
    private let value = Mutex<Result<Int, any Error>?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func set(_ r: Result<Int, any Error>) {
        let first = value.withLock { v -> Bool in
            guard v == nil else { return false }
            v = r
            return true
        }
        if first { ready.signal() }
    }

    func wait(timeout: Double) -> Result<Int, any Error> {
        if ready.wait(timeout: .now() + timeout) == .timedOut {
            return .failure(APIServer.StartError(description: "the HTTP server did not start within \(Int(timeout)) s"))
        }
        return value.withLock { $0! }
    }
}
