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
}
