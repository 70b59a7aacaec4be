import Config

/// How the API server runs: address, token, limits, and the folders files may be served from.
public struct APIOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8971
    /// Required on every route but `/metrics` (unless `metricsRequireToken`) and the page's static files; empty:
    /// none (only allowed on loopback, which the config enforces).
    public var token = ""
    public var metricsRequireToken = false
    public var maxConnections = 1024
    public var idleTimeoutSeconds = 60.0
    public var headerTimeoutSeconds = 10.0
    public var mjpegMaxViewers = 4
    public var mjpegMaxFPS = 5.0
    /// An event's snapshot / clip is served only when its real path lies inside one of these folders.
    public var snapshotDirectories: [String] = []
    public var clipDirectories: [String] = []
    /// Serve only `/metrics` (the `metrics.listen` listener).
    public var metricsOnly = false

    public init() {}

    /// From `api:` (the caller checked that it has an address); snapshot and clip folders from the config.
    public init(_ api: APIConfig, snapshots: SnapshotsConfig, clipDirectories: [String]) {
        let a = api.address ?? ("127.0.0.1", 8971)
        host = a.host
        port = a.port
        token = api.token
        metricsRequireToken = api.metricsRequireToken
        maxConnections = api.maxConnections
        idleTimeoutSeconds = api.idleTimeoutSeconds
        headerTimeoutSeconds = api.headerTimeoutSeconds
        mjpegMaxViewers = api.mjpegMaxViewers
        mjpegMaxFPS = api.mjpegMaxFPS
        snapshotDirectories = [snapshots.directory]
        self.clipDirectories = clipDirectories
    }
}
