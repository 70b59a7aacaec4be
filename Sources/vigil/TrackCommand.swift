import ArgumentParser
import CommandSupport
import Config
import Foundation
import Tracking
import VigilCore

extension TrackerKind: ExpressibleByArgument {}

/// `vigil track MOT_DET_TXT`: runs a tracker over MOTChallenge detections and prints MOTChallenge results.
struct TrackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track",
        abstract: "Run a tracker on MOTChallenge detections (det.txt) and print MOTChallenge results.",
        discussion: """
        Input rows: frame,id,left,top,width,height,conf[,x,y,z] (frames from 1). Output rows, ordered by \
        frame then id: frame,id,left,top,width,height,conf,-1,-1,-1, one per confirmed track matched in \
        that frame. Every frame from 1 to the last one in the file is a tracker step, also frames without rows.

        --tracker iou (Bochinski et al. 2017): --sigma-l (default 0), --sigma-h (0.5), --sigma-iou (0.5), \
        --t-min (2), --max-age (5).
        --tracker byte (Kalman + optimal assignment + ByteTrack): --sigma-l is the low score threshold (0.1), \
        --sigma-h the high one (0.5), --sigma-iou the first-stage IoU (0.2), --t-min (2), --max-age (30), \
        --new-track-score (0.6), --low-iou (0.5), --tentative-iou (0.3).
        Exit status: 65 for a malformed row (the message names the line) or an unreadable file, 66 when the file is missing.
        """
    )

    @Argument(help: "MOTChallenge detection file (det.txt).")
    var detections: String

    @Option(help: "Tracker: iou or byte (default: the config's track.kind, else iou).")
    var tracker: TrackerKind?

    @Option(help: "YAML config whose track: section gives the tracker and its thresholds; options override it.")
    var config: String?

    @Option(name: .customLong("sigma-l"), help: "Lowest detection score used.")
    var sigmaL: Float?
    @Option(name: .customLong("sigma-h"), help: "iou: best score a track needs; byte: high-score threshold.")
    var sigmaH: Float?
    @Option(name: .customLong("sigma-iou"), help: "Minimum IoU to extend a track (byte: first stage).")
    var sigmaIOU: Float?
    @Option(name: .customLong("t-min"), help: "Hits before a track is confirmed.")
    var tMin: Int?
    @Option(name: .customLong("max-age"), help: "Frames a confirmed track may miss before it ends.")
    var maxAge: Int?
    @Option(name: .customLong("new-track-score"), help: "byte: lowest score that starts a track.")
    var newTrackScore: Float?
    @Option(name: .customLong("low-iou"), help: "byte: minimum IoU in the low-score stage.")
    var lowIOU: Float?
    @Option(name: .customLong("tentative-iou"), help: "byte: minimum IoU for tentative tracks.")
    var tentativeIOU: Float?

    func validate() throws {
        for (name, v) in [("--sigma-l", sigmaL), ("--sigma-h", sigmaH), ("--sigma-iou", sigmaIOU),
                          ("--new-track-score", newTrackScore), ("--low-iou", lowIOU), ("--tentative-iou", tentativeIOU)] {
            if let v, !(0...1).contains(v) { throw ValidationError("\(name) must be in 0...1") }
        }
        if let tMin, tMin < 1 { throw ValidationError("--t-min must be at least 1") }
        if let maxAge, maxAge < 0 { throw ValidationError("--max-age must not be negative") }
    }

    func run() throws {
        var settings = TrackConfig()
        settings.kind = .iou
        if let config {
            settings = try reportingErrors { try ConfigLoader.load(path: config).track }
        }
        settings.kind = tracker ?? settings.kind
        if settings.kind == .iou, newTrackScore != nil || lowIOU != nil || tentativeIOU != nil {
            Console.err("vigil track: --new-track-score, --low-iou and --tentative-iou apply to --tracker byte only")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        settings.minScore = sigmaL ?? settings.minScore
        settings.highScore = sigmaH ?? settings.highScore
        settings.matchIoU = sigmaIOU ?? settings.matchIoU
        settings.minHits = tMin ?? settings.minHits
        settings.maxAge = maxAge ?? settings.maxAge
        // time is the frame number here and every frame is searched: max_age bounds the misses, not seconds
        settings.maxUnseenSeconds = .infinity
        settings.newTrackScore = newTrackScore
        settings.lowMatchIoU = lowIOU
        settings.tentativeMatchIoU = tentativeIOU
        let rows = try readRows()
        var t = settings.makeTracker()
        Self.emit(rows, with: &t)
    }

    /// The detection file's rows; a missing, unreadable or malformed file exits with its message.
    private func readRows() throws -> [MOTChallenge.DetectionRow] {
        guard FileManager.default.fileExists(atPath: detections) else {
            Console.err("vigil track: \(detections): no such file")
            throw ExitCode(ExitStatus.noInput.rawValue)
        }
        guard let data = FileManager.default.contents(atPath: detections) else {
            Console.err("vigil track: \(detections): cannot read the file")
            throw ExitCode(ExitStatus.dataError.rawValue)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            Console.err("vigil track: \(detections): not UTF-8 text")
            throw ExitCode(ExitStatus.dataError.rawValue)
        }
        do {
            return try MOTChallenge.parseDetections(text)
        } catch {
            Console.err("vigil track: \(detections):\(error.line): \(error.message)")
            throw ExitCode(ExitStatus.dataError.rawValue)
        }
    }

    /// Steps the tracker through every frame (time = frame number) and writes the results to stdout.
    static func emit(_ rows: [MOTChallenge.DetectionRow], with tracker: inout any Tracker) {
        var out = ""
        out.reserveCapacity(1 << 16)
        MOTChallenge.forEachFrame(rows) { frame, detections in
            let tracks = tracker.update(detections, at: Double(frame))
            MOTChallenge.appendResults(frame: frame, tracks: tracks, to: &out)
            if out.utf8.count >= 1 << 16 {
                FileHandle.standardOutput.write(Data(out.utf8))
                out.removeAll(keepingCapacity: true)
            }
        }
        if !out.isEmpty { FileHandle.standardOutput.write(Data(out.utf8)) }
    }
}
