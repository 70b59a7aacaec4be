/// `record:` — event clips and continuous recording (remuxed MP4, no re-encoding). A camera's own `record:`
/// overrides single keys (retention, continuous, enabled, …). Reloadable: a change applies from the next clip or
/// segment; `pre_roll_s` and the byte cap from the next packet.
public struct RecordConfig: Decodable, Sendable, Equatable {
    public var enabled = false
    /// Root of the recordings: `DIR/CAMERA/events/…mp4` and `DIR/CAMERA/continuous/…mp4`.
    public var directory = "/var/lib/vigil/recordings"
    /// Seconds of video kept from before an event (the clip starts at the key frame at or before). 0…120.
    public var preRollSeconds = 5.0
    /// Seconds recorded after the last event of a clip ended. 0…600.
    public var postRollSeconds = 5.0
    /// A clip longer than this ends at the next key frame and a new clip goes on. 5…86400.
    public var maxClipSeconds = 300.0
    /// Continuous segments besides the event clips.
    public var continuous = false
    /// Length of a continuous segment (cut at the first key frame after it). 5…86400.
    public var segmentSeconds = 300.0
    /// Event clips older than this are deleted; 0: no limit by age. 0…36500.
    public var eventsRetainDays = 30.0
    /// Continuous segments older than this are deleted; 0: no limit by age. 0…36500.
    public var continuousRetainDays = 7.0
    /// Total size of the recordings (this camera's, when set under a camera): oldest files deleted first
    /// beyond it; 0: no limit. 0 or 1 MiB…2^50.
    public var maxTotalBytes = 0
    /// Recording pauses while the file system has less free space than this (and on ENOSPC), and resumes when
    /// it has again. 0…2^50.
    public var minFreeBytes = 64 << 20
    /// Upper bound of the pre-roll memory per camera, bytes of compressed packets. 64 KiB…1 GiB.
    public var preRollMaxBytes = 32 << 20
    /// Packets waiting for the writer thread per camera; beyond it packets are dropped and counted. 64…1048576.
    public var queuePackets = 4096
    /// Copy the audio stream when MP4 can carry it (AAC, MP3, Opus, AC-3); G.711/PCM are left out.
    public var audio = true

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled
        case directory = "dir"
        case preRollSeconds = "pre_roll_s"
        case postRollSeconds = "post_roll_s"
        case maxClipSeconds = "max_clip_s"
        case continuous
        case segmentSeconds = "segment_s"
        case eventsRetainDays = "events_retain_days"
        case continuousRetainDays = "continuous_retain_days"
        case maxTotalBytes = "max_total_bytes"
        case minFreeBytes = "min_free_bytes"
        case preRollMaxBytes = "pre_roll_max_bytes"
        case queuePackets = "queue_packets"
        case audio
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RecordConfig()
        enabled = try c.value(.enabled, default: d.enabled)
        let dir = try c.value(.directory, default: d.directory)
        guard !dir.isEmpty else { throw c.invalid(.directory, "must not be empty") }
        directory = try EnvironmentExpansion.expand(dir, key: .directory, in: c)
        preRollSeconds = try c.value(.preRollSeconds, default: d.preRollSeconds, in: 0...120)
        postRollSeconds = try c.value(.postRollSeconds, default: d.postRollSeconds, in: 0...600)
        maxClipSeconds = try c.value(.maxClipSeconds, default: d.maxClipSeconds, in: 5...86_400)
        continuous = try c.value(.continuous, default: d.continuous)
        segmentSeconds = try c.value(.segmentSeconds, default: d.segmentSeconds, in: 5...86_400)
        eventsRetainDays = try c.value(.eventsRetainDays, default: d.eventsRetainDays, in: 0...36_500)
        continuousRetainDays = try c.value(.continuousRetainDays, default: d.continuousRetainDays, in: 0...36_500)
        maxTotalBytes = try c.value(.maxTotalBytes, default: d.maxTotalBytes, in: 0...(1 << 50))
        if maxTotalBytes != 0 && maxTotalBytes < 1 << 20 {
            throw c.invalid(.maxTotalBytes, "\(maxTotalBytes) is out of range: 0 (no limit) or 1048576…2^50")
        }
        minFreeBytes = try c.value(.minFreeBytes, default: d.minFreeBytes, in: 0...(1 << 50))
        preRollMaxBytes = try c.value(.preRollMaxBytes, default: d.preRollMaxBytes, in: (64 << 10)...(1 << 30))
        queuePackets = try c.value(.queuePackets, default: d.queuePackets, in: 64...(1 << 20))
        audio = try c.value(.audio, default: d.audio)
    }
}
