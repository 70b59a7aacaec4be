import Media
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// Figures of one run, printed by `--stats` as one JSON object.
public struct RunStats: Sendable, Equatable {
    public var framesDecoded = 0
    public var framesAnalyzed = 0
    public var alerts = 0
    /// Alerts the sink could not write (full disk, read-only directory) and let go.
    public var alertsDropped = 0
    public var wallSeconds = 0.0
    public var source = SourceStats()
    /// Recording figures (clips, bytes, drops) when `record:` is on.
    public var recording: JSONValue? = nil
    /// Frames the ring dropped (live only; replay never drops).
    public var framesDropped = 0

    public init() {}

    public var framesPerSecond: Double { wallSeconds > 0 ? Double(framesAnalyzed) / wallSeconds : 0 }

    /// Peak resident memory of the process, MiB (getrusage).
    public static var peakResidentMiB: Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_maxrss) / 1024
    }

    public var json: JSONValue {
        .object([
            ("frames_decoded", .int(framesDecoded)),
            ("frames_analyzed", .int(framesAnalyzed)),
            ("frames_dropped", .int(framesDropped)),
            ("alerts", .int(alerts)),
            ("alerts_dropped", .int(alertsDropped)),
            ("wall_seconds", .double(JSONValue.rounded(wallSeconds, places: 3))),
            ("fps", .double(JSONValue.rounded(framesPerSecond, places: 1))),
            ("decode_errors", .int(source.decodeErrors)),
            ("corrupt_frames", .int(source.corruptFrames)),
            ("read_errors", .int(source.readErrors)),
            ("peak_rss_mib", .double(JSONValue.rounded(RunStats.peakResidentMiB, places: 1))),
        ] + (recording.map { [("recording", $0)] } ?? []))
    }
}
