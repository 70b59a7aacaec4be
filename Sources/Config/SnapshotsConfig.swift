/// `snapshots:` — JPEGs of the frame with the box and label drawn, for alerts about objects.
public struct SnapshotsConfig: Decodable, Sendable, Equatable {
    public var enabled = true
    /// Directory the snapshots go to (created if missing); the alert's `snapshot` is the file's path.
    public var directory = "/var/lib/vigil/snapshots"
    /// Whether the file names `dir` itself (a replay writes snapshots only into a directory it was given).
    public var directoryIsSet = false
    /// Keep at most this many snapshots; 0: no limit by count. 0…10_000_000.
    public var retainCount = 1000
    /// Delete snapshots older than this many days; 0: no limit by age. 0…3650.
    public var retainDays = 7.0
    /// JPEG quantiser: 2 (best, largest) … 31.
    public var quality = 4

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled
        case directory = "dir"
        case retainCount = "retain_count"
        case retainDays = "retain_days"
        case quality
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SnapshotsConfig()
        enabled = try c.value(.enabled, default: d.enabled)
        let dir = try c.value(.directory, default: d.directory)
        guard !dir.isEmpty else { throw c.invalid(.directory, "must not be empty") }
        directory = try EnvironmentExpansion.expand(dir, key: .directory, in: c)
        directoryIsSet = c.contains(.directory)
        retainCount = try c.value(.retainCount, default: d.retainCount, in: 0...10_000_000)
        retainDays = try c.value(.retainDays, default: d.retainDays, in: 0...3650)
        quality = try c.value(.quality, default: d.quality, in: 2...31)
    }
}
