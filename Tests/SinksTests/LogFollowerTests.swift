import Foundation
import Testing
import VigilCore
@testable import Sinks

@Suite struct LogFollowerTests {
    @Test func holdsBackAPartialLine() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("a.jsonl")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let f = LogFollower(path: path)
        var got: [String] = []
        h.write(Data("one\ntw".utf8))
        f.poll { got.append(String(decoding: $0, as: UTF8.self)) }
        #expect(got == ["one"])
        h.write(Data("o\n".utf8))
        f.poll { got.append(String(decoding: $0, as: UTF8.self)) }
        #expect(got == ["one", "two"])
        try h.close()
    }

    @Test func followsTwoRotationsAndATruncation() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("a.jsonl")
        try "a1\na2\n".write(toFile: path, atomically: false, encoding: .utf8)
        let f = LogFollower(path: path)
        var got: [String] = []
        func poll() { f.poll { got.append(String(decoding: $0, as: UTF8.self)) } }
        poll()
        // Rotated twice between polls: a.jsonl -> .2 (with a3 appended first), b -> .1, c is new.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile(); h.write(Data("a3\n".utf8)); try h.close()
        rename(path, path + ".1")
        try "b1\nb2\n".write(toFile: path, atomically: false, encoding: .utf8)
        rename(path + ".1", path + ".2")
        rename(path, path + ".1")
        try "c1\n".write(toFile: path, atomically: false, encoding: .utf8)
        poll()
        #expect(got == ["a1", "a2", "a3", "b1", "b2", "c1"])
        // Truncated in place (seen at the next poll, as with tail -F), then new lines.
        truncate(path, 0)
        poll()
        try "d1\n".write(toFile: path, atomically: false, encoding: .utf8)
        poll()
        #expect(got.last == "d1")
        #expect(f.reopened >= 2)
    }

    /// A writer killed in the middle of a line leaves a torn tail; restarted, `AlertLog` cuts it off and appends
    /// whole lines in its place. The follower must neither start over (the file got shorter than what it read)
    /// nor glue the torn bytes to the new lines — whether it polls between the cut and the new lines or not.
    @Test(arguments: [false, true])
    func tornTailCutByARestartedWriter(_ pollBetween: Bool) throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("a.jsonl")
        let first = try AlertLog(path: path)
        for i in 0..<3 { try first.write(numbered(i)) }
        let torn = String(numbered(99).jsonLine().prefix(57))  // lost in the crash: the next alert is another
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile(); h.write(Data(torn.utf8)); try h.close()
        let f = LogFollower(path: path)
        var got: [String] = []
        func poll() { f.poll { got.append(String(decoding: $0, as: UTF8.self)) } }
        poll()
        #expect(got == (0..<3).map { numbered($0).jsonLine() })
        let restarted = try AlertLog(path: path)  // cuts the torn line
        if pollBetween { poll() }
        for i in 3..<6 { try restarted.write(numbered(i)) }
        poll()
        #expect(got == (0..<6).map { numbered($0).jsonLine() })
        #expect(f.reopened == 0)
    }
}
