import Testing
import VigilCore
@testable import Tracking

@Suite struct MOTChallengeTests {
    @Test func parsesRowsBlankLinesCRLFAndSpaces() throws {
        let text = "1,-1,10,20,30,40,0.9,-1,-1,-1\r\n\n3, -1, 1.5, 2.5, 3, 4, 0.25\n  \n2,-1,0,0,0,0,1.0\n"
        let rows = try MOTChallenge.parseDetections(text)
        #expect(rows == [
            .init(frame: 1, box: Box(x1: 10, y1: 20, x2: 40, y2: 60), score: 0.9),
            .init(frame: 3, box: Box(x1: 1.5, y1: 2.5, x2: 4.5, y2: 6.5), score: 0.25),
            .init(frame: 2, box: Box(x1: 0, y1: 0, x2: 0, y2: 0), score: 1),
        ])
        let frames = MOTChallenge.framesOfDetections(rows)
        #expect(frames.map(\.count) == [1, 1, 1])
        #expect(frames[2][0].score == 0.25)
        // Frames without rows are still there (empty), up to the last frame asked for.
        #expect(MOTChallenge.framesOfDetections([.init(frame: 3, box: Box(x1: 0, y1: 0, x2: 1, y2: 1), score: 1)])
            .map(\.count) == [0, 0, 1])
        #expect(MOTChallenge.framesOfDetections(rows, lastFrame: 5).count == 5)
        #expect(try MOTChallenge.parseDetections("").isEmpty)
        // Unsorted rows are grouped by frame, file order kept within a frame.
        let unsorted = try MOTChallenge.parseDetections("2,-1,0,0,1,1,0.2\n1,-1,0,0,1,1,0.1\n2,-1,0,0,1,1,0.3\n")
        #expect(MOTChallenge.framesOfDetections(unsorted).map { $0.map(\.score) } == [[0.1], [0.2, 0.3]])
    }

    @Test(arguments: [
        ("1,-1,1,2,3,4,0.5\n2,-1,1,2,3,4\n", 2, "expected at least 7"),
        ("1,-1,1,2,3,4,0.5\n\n1,-1,1,x,3,4,0.5\n", 3, "top is not a finite number: 'x'"),
        ("0,-1,1,2,3,4,0.5\n", 1, "frame must be a whole number"),
        ("10000001,-1,1,2,3,4,0.5\n", 1, "frame must be a whole number in 1...10000000"),
        ("1.5,-1,1,2,3,4,0.5\n", 1, "frame must be a whole number"),
        ("1,-1,1,2,-3,4,0.5\n", 1, "must not be negative"),
        ("1,-1,1,2,3,4,nan\n", 1, "conf is not a finite number"),
        ("1,-1,1,2,3,inf,0.5\n", 1, "height is not a finite number"),
        ("1;-1;1;2;3;4;0.5\n", 1, "expected at least 7"),
        ("1,-1,1,2,3,4,\n", 1, "conf is not a finite number: ''"),
    ])
    func malformedRowsNameTheirLine(text: String, line: Int, message: String) {
        #expect {
            _ = try MOTChallenge.parseDetections(text)
        } throws: { error in
            guard let e = error as? MOTChallenge.ParseError else { return false }
            return e.line == line && e.message.contains(message) && e.description.hasPrefix("line \(line): ")
        }
    }

    @Test func resultRowsAndNumbers() {
        #expect(MOTChallenge.number(12) == "12")
        #expect(MOTChallenge.number(12.5) == "12.5")
        #expect(MOTChallenge.number(-0.25) == "-0.25")
        #expect(MOTChallenge.number(3.14159) == "3.14")
        #expect(MOTChallenge.number(0.004) == "0")
        #expect(MOTChallenge.number(1.05) == "1.05")
        var t = IOUTracker(configuration: .init(tMin: 1))
        var out = ""
        let frames: [[Detection]] = [[det(10, 20, w: 30, h: 40, score: 0.75), det(100, 20)], [det(100, 20)]]
        for (i, d) in frames.enumerated() { MOTChallenge.appendResults(frame: i + 1, tracks: t.update(d, at: Double(i + 1)), to: &out) }
        // The lost track 1 is not written in frame 2.
        #expect(out == "1,1,10,20,30,40,0.75,-1,-1,-1\n1,2,100,20,40,80,0.9,-1,-1,-1\n2,2,100,20,40,80,0.9,-1,-1,-1\n")
    }
}
