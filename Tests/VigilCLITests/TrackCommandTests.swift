import Foundation
import Testing
import TestSupport

/// `vigil track` as scripts run it: MOTChallenge rows in, rows out, clear errors.
@Suite struct TrackCommandTests {
    func file(_ text: String, _ ext: String = "txt") -> String {
        let p = makeTemporaryFile("det", extension: ext).path
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    /// One object walking right for 6 frames, plus a one-frame false positive.
    let walk = (1...6).map { "\($0),-1,\(10 + 5 * $0),20,30,60,0.9,-1,-1,-1" }.joined(separator: "\n")
        + "\n3,-1,400,300,20,20,0.8,-1,-1,-1\n"

    @Test(arguments: ["iou", "byte"])
    func tracksOneObjectWithOneID(_ kind: String) {
        let r = vigil(["track", file(walk), "--tracker", kind])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.lines.map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count >= 4)
        #expect(Set(rows.map { $0[1] }).count == 1)               // one identity, the false positive never confirmed
        #expect(rows.map { Int($0[0])! } == rows.map { Int($0[0])! }.sorted())
        #expect(rows.allSatisfy { $0.count == 10 && $0[7...] == ["-1", "-1", "-1"] })
    }

    @Test func configChoosesTheTracker() {
        let cfg = file("track:\n  kind: byte\n  min_hits: 5\n", "yaml")
        let r = vigil(["track", file(walk), "--config", cfg])
        #expect(r.status == 0)
        #expect(r.lines.count == 2)  // confirmed at the fifth hit: frames 5 and 6
        let bad = file("track:\n  kind: sort\n", "yaml")
        let e = vigil(["track", file(walk), "--config", bad])
        #expect(e.status == 78)
        #expect(e.stderr.contains(":2: track.kind"))
    }

    @Test func malformedRowsNameTheLine() {
        let r = vigil(["track", file("1,-1,10,20,30,40,0.9,-1,-1,-1\n2,-1,ten,20,30,40,0.9\n")])
        #expect(r.status == 65)
        #expect(r.stderr.contains(":2:"))
        #expect(r.stdout.isEmpty)
    }

    @Test func missingFileAndBadOptions() {
        #expect(vigil(["track", "/nonexistent/det.txt"]).status == 66)
        #expect(vigil(["track", file(walk), "--sigma-iou", "2"]).status == 64)
        #expect(vigil(["track", file(walk), "--tracker", "sort"]).status == 64)
        #expect(vigil(["track", file(walk), "--tracker", "iou", "--low-iou", "0.5"]).status == 64)
    }
}
