import VigilCore

/// MOTChallenge text formats, as TrackEval and py-motmetrics read them. Pure text in, text out: reading
/// and writing files is the caller's business.
///
/// - Detections (`det.txt`): `frame,id,left,top,width,height,conf[,x,y,z]`, frame from 1, id -1.
/// - Results: `frame,id,left,top,width,height,conf,-1,-1,-1`, ordered by frame, then id.
///
/// Thread safety: stateless functions on values; call from anywhere.
public enum MOTChallenge {
    /// The largest frame number accepted (a tracker steps through every frame up to the last one).
    public static let maxFrame = 10_000_000

    /// One row of a detection file.
    public struct DetectionRow: Hashable, Sendable {
        public var frame: Int
        public var box: Box
        public var score: Float
        public init(frame: Int, box: Box, score: Float) { self.frame = frame; self.box = box; self.score = score }
    }

    /// A malformed row: its 1-based line number and what is wrong with it.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public init(line: Int, message: String) { self.line = line; self.message = message }
        public var description: String { "line \(line): \(message)" }
    }

    /// Parses a detection file. Blank lines are skipped; fields may be separated by commas (with optional
    /// spaces). A row needs at least 7 fields: an integral frame in `1...maxFrame`, any numeric id, finite `left, top`, finite
    /// non-negative `width, height`, and a finite `conf`.
    public static func parseDetections(_ text: String) throws(ParseError) -> [DetectionRow] {
        var rows: [DetectionRow] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            var fields: [Substring] = []
            fields.reserveCapacity(10)
            for f in line.split(separator: ",", omittingEmptySubsequences: false) { fields.append(trimmed(f)) }
            guard fields.count >= 7 else {
                throw ParseError(line: lineNumber, message: "expected at least 7 comma-separated fields (frame,id,left,top,width,height,conf), found \(fields.count)")
            }
            func number(_ index: Int, _ name: String) throws(ParseError) -> Double {
                guard let v = Double(fields[index]), v.isFinite else {
                    throw ParseError(line: lineNumber, message: "\(name) is not a finite number: '\(fields[index])'")
                }
                return v
            }
            let frame = try number(0, "frame")
            guard frame >= 1, frame == frame.rounded(), frame <= Double(maxFrame) else {
                throw ParseError(line: lineNumber, message: "frame must be a whole number in 1...\(maxFrame): '\(fields[0])'")
            }
            _ = try number(1, "id")
            let left = try number(2, "left"), top = try number(3, "top")
            let width = try number(4, "width"), height = try number(5, "height")
            guard width >= 0, height >= 0 else {
                throw ParseError(line: lineNumber, message: "width and height must not be negative")
            }
            let conf = try number(6, "conf")
            rows.append(DetectionRow(frame: Int(frame),
                                     box: Box(left: Float(left), top: Float(top), width: Float(width), height: Float(height)),
                                     score: Float(conf)))
        }
        return rows
    }

    private static func trimmed(_ s: Substring) -> Substring {
        var a = s.startIndex, b = s.endIndex
        while a < b, s[a] == " " || s[a] == "\t" { a = s.index(after: a) }
        while b > a, s[s.index(before: b)] == " " || s[s.index(before: b)] == "\t" { b = s.index(before: b) }
        return s[a..<b]
    }

    /// The detections of frames `1...lastFrame` (default: the last frame with a row), one array per
    /// frame, index 0 for frame 1; frames without rows are empty, so a tracker still steps through them.
    /// Rows keep their file order within a frame.
    public static func framesOfDetections(_ rows: [DetectionRow], lastFrame: Int? = nil,
                                          label: String = "object") -> [[Detection]] {
        var frames: [[Detection]] = []
        forEachFrame(rows, lastFrame: lastFrame, label: label) { _, d in frames.append(d) }
        return frames
    }

    /// Calls `body` for every frame `1...lastFrame` (default: the last frame with a row) in order, with
    /// that frame's detections (empty for frames without rows; rows in file order). Memory stays
    /// proportional to the rows, however large the frame numbers.
    public static func forEachFrame(_ rows: [DetectionRow], lastFrame: Int? = nil, label: String = "object",
                                    _ body: (_ frame: Int, _ detections: [Detection]) throws -> Void) rethrows {
        let last = lastFrame ?? rows.reduce(0) { max($0, $1.frame) }
        // Row indices ordered by frame, stable (files are normally sorted already).
        var order = Array(rows.indices)
        if !zip(rows, rows.dropFirst()).allSatisfy({ $0.frame <= $1.frame }) {
            order.sort { rows[$0].frame != rows[$1].frame ? rows[$0].frame < rows[$1].frame : $0 < $1 }
        }
        var next = 0
        var detections: [Detection] = []
        guard last >= 1 else { return }
        for frame in 1...last {
            detections.removeAll(keepingCapacity: true)
            while next < order.count, rows[order[next]].frame <= frame {
                let r = rows[order[next]]
                if r.frame == frame { detections.append(Detection(box: r.box, score: r.score, label: label)) }
                next += 1
            }
            try body(frame, detections)
        }
    }

    /// Appends the result rows of one frame: every track that is `confirmed` (matched in this frame),
    /// in the order given (the trackers report by id).
    public static func appendResults(frame: Int, tracks: [Track], to out: inout String) {
        for t in tracks where t.state == .confirmed {
            out += String(frame); out += ","
            out += String(t.id); out += ","
            out += number(t.box.x1); out += ","
            out += number(t.box.y1); out += ","
            out += number(t.box.width); out += ","
            out += number(t.box.height); out += ","
            out += number(t.score); out += ",-1,-1,-1\n"
        }
    }

    /// A number with at most two decimals and no trailing zeros (`12`, `12.5`, `-0.25`).
    public static func number(_ value: Float) -> String {
        let hundredths = Int64((Double(value) * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let a = hundredths.magnitude
        let whole = a / 100, frac = a % 100
        if frac == 0 { return sign + String(whole) }
        if frac % 10 == 0 { return sign + String(whole) + "." + String(frac / 10) }
        return sign + String(whole) + "." + (frac < 10 ? "0" : "") + String(frac)
    }
}
