import Foundation
import Testing
import TestSupport

/// `vigil detect --model hog_people` and `vigil bench hog` on bad input, as a user runs them.
@Suite struct HOGCommandTests {
    let env = ["VIGIL_MODELS": Fixtures.repoRoot.appendingPathComponent("samples/models").path]

    @Test func hogPeopleOnAPlainFrameFindsNobody() {
        let p = makeTemporaryDirectory("hog").appendingPathComponent("plain.png").path
        let made = run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=96x80", "-frames:v", "1", p])
        #expect(made.status == 0, "\(made.stderr)")
        let r = vigil(["detect", p, "--model", "hog_people"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.isEmpty)
    }

    @Test func benchHOGRefusesBadArguments() throws {
        let bad = makeTemporaryDirectory("hog-bench").appendingPathComponent("truth.csv")
        try "frame,x1,y1,x2,y2\n5,1,2\n".write(to: bad, atomically: true, encoding: .utf8)
        // Usage errors exit 64 before anything runs; a missing or malformed input found while running exits 1.
        let cases: [([String], Int32, String)] = [
            (["bench", "hog"], 64, "Missing expected argument '<input>'"),
            (["bench", "hog", "/nonexistent/clip.avi"], 1, "no such file"),
            (["bench", "hog", "x.avi", "--rounds", "0"], 64, "--rounds must be at least 1"),
            (["bench", "hog", "x.avi", "--threads", "2"], 64, "bench hog takes no --threads"),
            (["bench", "hog", "x.avi", "--upscale", "9"], 64, "--upscale"),
            (["bench", "hog", "/nonexistent/clip.avi", "--truth", bad.path], 1, "truth.csv:2: expected frame,x1,y1,x2,y2"),
        ]
        for (args, status, message) in cases {
            let r = vigil(args, environment: env)
            #expect(r.status == status, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }
}

/// The default detectors (no `--model`, no config) on opencv-doc's vtest.avi: the distant walkers of the ground
/// truth (samples/groundtruth/vtest_walkers.csv) are found, with the box bottom at the feet. The pose detector
/// alone finds none of them (it needs a visible face): this fails if `hog_people` leaves the default set.
@Suite struct DefaultSetFindsWalkersTests {
    let env = ["VIGIL_MODELS": Fixtures.repoRoot.appendingPathComponent("samples/models").path]

    /// Truth walkers of one frame, [x1, y1, x2, y2] in vtest.avi's pixels.
    func truth(frame: Int) throws -> [[Double]] {
        let csv = try String(contentsOf: Fixtures.repoRoot.appendingPathComponent("samples/groundtruth/vtest_walkers.csv"),
                             encoding: .utf8)
        return csv.split(separator: "\n").compactMap { line in
            let v = line.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            return v.count == 5 && Int(v[0]) == frame ? Array(v[1...]) : nil
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil), arguments: [650, 700])
    func distantWalkersAreFoundWithTheirFeet(frame: Int) throws {
        let clip = URL(fileURLWithPath: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"]!)
            .appendingPathComponent("vtest.avi").path
        let walkers = try truth(frame: frame)
        #expect(walkers.count == 6)
        let r = vigil(["detect", clip, "--frame", "\(frame)"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let people: [[Double]] = try r.lines.compactMap { line in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return o["label"] as? String == "person" ? (o["box"] as? [Double]) : nil
        }
        var found = 0, atTheFeet = 0
        for w in walkers {
            let (cx, cy) = ((w[0] + w[2]) / 2, (w[1] + w[3]) / 2)
            // as scripts/detection_profile.py: a box holding the walker's centre, its own centre on the walker
            let hits = people.filter { b in
                b[0] <= cx && cx <= b[2] && b[1] <= cy && cy <= b[3]
                    && w[0] <= (b[0] + b[2]) / 2 && (b[0] + b[2]) / 2 <= w[2] && w[1] <= (b[1] + b[3]) / 2 && (b[1] + b[3]) / 2 <= w[3]
            }
            guard !hits.isEmpty else { continue }
            found += 1
            if hits.contains(where: { abs($0[3] - w[3]) <= 0.2 * (w[3] - w[1]) }) { atTheFeet += 1 }
        }
        #expect(found >= 5, "frame \(frame): \(found) of \(walkers.count) walkers found; people \(people)")
        #expect(atTheFeet >= found - 1 && atTheFeet >= 4, "frame \(frame): \(atTheFeet) of \(found) at the feet")
    }
}
