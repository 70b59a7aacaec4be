#if canImport(Glibc)
import Analysis
import Glibc
#endif
import Detection
import VigilCore

/// `vigil replay --frames FILE`: one JSON line per analysed frame — its motion regions, where the detector
/// looked, the detections (label, score, box), the tracks (id, state, label, score, box), the zones'
/// occupancy, the lines' counts and the frame's events — for tuning and for scripts. Keys in a fixed order,
/// numbers rounded as in alerts, so a replay writes the same bytes again.
///
/// Thread safety: not thread-safe; the replay's thread owns it.
public final class FrameLogWriter {
    public let path: String
    private var file: UnsafeMutablePointer<FILE>?
    private let zones: [String]
    private let lines: [String]

    /// Creates (truncates) `path`; `zones` and `lines` name the camera's zones and lines in config order.
    public init(path: String, zones: [String], lines: [String]) throws {
        self.path = path
        self.zones = zones
        self.lines = lines
        guard let f = fopen(path, "w") else { throw FrameLogError(path: path, errno: errno) }
        file = f
    }

    deinit { if let file { fclose(file) } }

    public func write(_ r: FrameReport) throws {
        guard let file else { return }
        var line = FrameLogWriter.json(r, zones: zones, lines: lines).serialized()
        line += "\n"
        if fputs(line, file) < 0 { throw FrameLogError(path: path, errno: errno) }
    }

    /// Flushes and closes the file.
    public func close() throws {
        guard let f = file else { return }
        file = nil
        let flushed = fflush(f) == 0 && ferror(f) == 0
        let err = errno
        if fclose(f) != 0 || !flushed { throw FrameLogError(path: path, errno: flushed ? errno : err) }
    }

    static func json(_ r: FrameReport, zones: [String], lines: [String]) -> JSONValue {
        var o: [(String, JSONValue)] = [
            ("frame", .int(r.frame)),
            ("media_time", .double(JSONValue.rounded(r.mediaTime, places: 3))),
            ("motion", .array(r.motion.map(\.json))),
        ]
        if let pass = r.pass {
            switch pass {
            case .skipped: o.append(("pass", .string("skipped")))
            case .noMotion: o.append(("pass", .string("no_motion")))
            case .tracked: o.append(("pass", .string("tracked")))
            case .fullFrame:
                o.append(("pass", .string("full_frame")))
                if let a = r.areaSearch { o.append(("area_regions", .array(a.map(\.json)))) }
            case .regions(let boxes):
                o.append(("pass", .string("regions")))
                o.append(("regions", .array(boxes.map(\.json))))
            }
        }
        o.append(("detections", .array(r.detections.map { d in
            .object([("label", .string(d.label)), ("score", score(d.score)), ("box", d.box.json)])
        })))
        o.append(("tracks", .array(r.tracks.map { t in
            .object([("id", .int(t.id)), ("state", .string(t.state.rawValue)), ("label", .string(t.label)),
                     ("score", score(t.score)), ("box", t.box.json)])
        })))
        if !zones.isEmpty {
            o.append(("zones", .object(zip(zones, r.zoneOccupancy).map { ($0, .int($1)) })))
        }
        if !lines.isEmpty {
            o.append(("lines", .object(zip(lines, r.lineCounts).map {
                ($0, .object([("left_to_right", .int($1.leftToRight)), ("right_to_left", .int($1.rightToLeft))]))
            })))
        }
        o.append(("events", .array(r.alerts.map { .string($0.event) })))
        return .object(o)
    }

    static func score(_ s: Float) -> JSONValue { .double(JSONValue.rounded(Double(s), places: 3)) }
}

/// The frame log could not be written.
public struct FrameLogError: UserFacingError {
    public var path: String
    public var errno: Int32
    public var exitStatus: ExitStatus { .failure }
    public var description: String { "\(path): cannot write the frame log: \(String(cString: strerror(errno)))" }
}
