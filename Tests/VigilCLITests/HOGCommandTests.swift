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
