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
        let cases: [([String], String)] = [
            (["bench", "hog"], "needs a video"),
            (["bench", "hog", "/nonexistent/clip.avi"], "no such file"),
            (["bench", "hog", "x.avi", "--rounds", "0"], "--rounds"),
            (["bench", "hog", "/nonexistent/clip.avi", "--truth", bad.path], "truth.csv:2: expected frame,x1,y1,x2,y2"),
        ]
        for (args, message) in cases {
            let r = vigil(args, environment: env)
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }
}
