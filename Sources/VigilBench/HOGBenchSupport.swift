import Detection
import Foundation
import Media
import VigilCore

/// One walking person of a ground-truth file (`frame,x1,y1,x2,y2` lines, `#` comments, a header line).
struct Walker {
    var frame: Int
    var box: Box

    static func load(_ path: String) throws -> [Walker] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw BenchError("cannot read \(path)") }
        var out: [Walker] = []
        for (n, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") && !line.hasPrefix("frame") {
            let v = line.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard v.count == 5, v[0] >= 0, v[3] > v[1], v[4] > v[2] else {
                throw BenchError("\(path):\(n + 1): expected frame,x1,y1,x2,y2")
            }
            out.append(Walker(frame: Int(v[0]), box: Box(x1: v[1], y1: v[2], x2: v[3], y2: v[4])))
        }
        guard !out.isEmpty else { throw BenchError("\(path): no walkers") }
        return out
    }
}

/// How well person detections find the walkers: a walker is found by a `person` box that holds the walker's
/// centre and whose own centre lies on the walker (boxes drawn with different margins still match); its
/// bottom is judged against the walker's feet (the bottom of its box) in units of the walker's height.
struct WalkerScore {
    var walkers = 0, found = 0, feet = 0
    /// (box bottom − feet) ÷ height of each found walker.
    var bottomErrors: [Double] = []

    init(_ truth: [Walker], frames: [Int], detections: [[Detection]]) {
        for w in truth {
            guard let k = frames.firstIndex(of: w.frame) else { continue }
            walkers += 1
            let hits = detections[k].filter { d in
                d.label == "person" && WalkerScore.holds(d.box, w.box.centerX, w.box.centerY)
                    && WalkerScore.holds(w.box, d.box.centerX, d.box.centerY)
            }
            guard let best = hits.max(by: { $0.box.iou(w.box) < $1.box.iou(w.box) }) else { continue }
            found += 1
            let e = Double((best.box.y2 - w.box.y2) / w.box.height)
            bottomErrors.append(e)
            if abs(e) <= 0.2 { feet += 1 }
        }
    }

    static func holds(_ b: Box, _ x: Float, _ y: Float) -> Bool { x >= b.x1 && x <= b.x2 && y >= b.y1 && y <= b.y2 }

    var foundShare: Double { walkers > 0 ? Double(found) / Double(walkers) : 0 }
    var feetShare: Double { found > 0 ? Double(feet) / Double(found) : 0 }

    var text: String {
        let s = Spread(bottomErrors.map { $0 * 100 })
        return String(format: "found %d/%d (%.1f %%); box bottom within 20 %% of the height of the feet for %d/%d (%.1f %%); bottom − feet: median %+.1f %% of the height (p10 %+.1f, p90 %+.1f)",
                      found, walkers, foundShare * 100, feet, found, feetShare * 100, s.median, s.p10, s.p90)
    }
}

/// Frames of a video (or an image) decoded at full resolution as RGB24.
///
/// Thread safety: owns its buffers; used from the bench's thread only.
struct BenchFrames {
    var indices: [Int] = []
    var buffers: [PixelBuffer] = []
    var width = 0, height = 0

    init(path: String, indices wanted: [Int]) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw BenchError("\(path): no such file") }
        var options = SourceOptions()
        options.analysisHeight = 1 << 20
        let source = try VideoSource(url: path, options: options)
        let set = Set(wanted), last = wanted.max() ?? 0
        let scratch = PixelBuffer(width: source.analysisWidth, height: source.analysisHeight, format: .rgb24)
        while let f = try source.next(into: scratch, scaling: { _ in true }) {
            width = f.sourceWidth; height = f.sourceHeight
            if set.contains(f.index) {
                let copy = PixelBuffer(width: scratch.width, height: scratch.height, format: .rgb24)
                copy.data.update(from: scratch.data, count: scratch.byteCount)
                indices.append(f.index); buffers.append(copy)
            }
            if f.index >= last { break }
        }
        guard !buffers.isEmpty else { throw BenchError("\(path): none of frames \(wanted) decoded") }
    }

    /// The frames as packed RGB24, one after another (the reference reads them).
    func write(to url: URL) throws {
        var data = Data(capacity: buffers.count * width * height * 3)
        for b in buffers {
            for y in 0..<b.height { data.append(UnsafeBufferPointer(b.row(y))) }
        }
        try data.write(to: url)
    }
}

/// OpenCV's detector in a Python process (scripts/hog_reference.py serve): a frame index in, its time and
/// boxes out.
///
/// Thread safety: not thread-safe; used from the bench's thread only.
final class HOGReference {
    private let process = Process()
    private let input = Pipe(), output = Pipe()
    private var pending = Data()
    private let raw: URL

    init(python: String, frames: BenchFrames, parameters: HOGPeopleDetector.Parameters) throws {
        let script = try benchScript("scripts/hog_reference.py")
        raw = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-hog-\(getpid()).rgb")
        try frames.write(to: raw)
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "serve", raw.path, "\(frames.width)", "\(frames.height)", "\(frames.buffers.count)",
                             "--upscale", "\(parameters.upscale)", "--scale", "\(parameters.scaleStep)",
                             "--hit", "\(parameters.hitThreshold)", "--group", "\(parameters.groupThreshold)"]
        process.standardInput = input
        process.standardOutput = output
        do { try process.run() } catch { throw BenchError("cannot start \(python): \(error)") }
        guard let ready = readLine(), ready.contains("ready") else {
            stop()
            throw BenchError("the OpenCV reference did not start (apt-get install python3-opencv; run with /usr/bin/python3)")
        }
    }

    /// Frame `k`: milliseconds of OpenCV's resize + detectMultiScale, and its boxes (score: logistic of the margin).
    func detect(_ k: Int) throws -> (Double, [Detection]) {
        input.fileHandleForWriting.write(Data("\(k)\n".utf8))
        guard let line = readLine(), let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let ms = obj["ms"] as? Double, let boxes = obj["boxes"] as? [[Double]] else {
            throw BenchError("the OpenCV reference gave no answer for frame \(k)")
        }
        return (ms, boxes.map { b in
            Detection(box: Box(x1: Float(b[0]), y1: Float(b[1]), x2: Float(b[2]), y2: Float(b[3])),
                      score: Float(1 / (1 + exp(-b[4]))), label: "person")
        })
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: raw)
    }

    private func readLine() -> String? {
        while true {
            if let nl = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...nl)
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            pending.append(chunk)
        }
    }
}
