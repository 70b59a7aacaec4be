import Foundation

/// ffprobe as the test oracle for recorded files.
public enum Probe {
    public struct Packet: Equatable, Sendable {
        public var pts: Double
        public var dts: Double
        public var keyframe: Bool
    }

    /// The video packets of `path` in file order.
    public static func videoPackets(_ path: String) -> [Packet] {
        let r = run("/usr/bin/env", ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                     "packet=pts_time,dts_time,flags", "-of", "csv=p=0", path])
        return r.lines.compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 3, let pts = Double(f[0]), let dts = Double(f[1]) else { return nil }
            return Packet(pts: pts, dts: dts, keyframe: f[2].hasPrefix("K"))
        }
    }

    /// Frames ffprobe decodes from the first video stream, reading the whole file; nil when ffprobe reports any
    /// error (its stderr with `-v error`) or fails.
    public static func decodedFrames(_ path: String) -> (frames: Int?, errors: String) {
        let r = run("/usr/bin/env", ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
                                     "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path])
        let errors = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        guard r.status == 0, errors.isEmpty else { return (nil, errors + " (status \(r.status))") }
        return (Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "")
    }

    /// Codec names of the streams of `path` (`h264`, `aac`, …).
    public static func codecs(_ path: String) -> [String] {
        run("/usr/bin/env", ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path])
            .lines
    }
}

/// The `.mp4` files under `directory` (recursively), sorted by path.
public func mp4Files(under directory: String) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: directory) else { return [] }
    return e.compactMap { $0 as? String }.filter { $0.hasSuffix(".mp4") }.map { directory + "/" + $0 }.sorted()
}

/// The alert lines of a replay as objects.
public func alertObjects(_ lines: [String]) -> [[String: Any]] {
    lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}
