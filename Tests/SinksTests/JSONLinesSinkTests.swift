import Foundation
import Testing
import VigilCore
@testable import Sinks

@Suite struct JSONLinesSinkTests {
    @Test func appendsWholeLines() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-sink-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.jsonl").path
        let a = Alert(timestamp: 0, mediaTime: 0.04, frame: 1, camera: "c", event: "motion_start", severity: .info)
        do {
            let s = try JSONLinesSink(path: path)
            try s.write(a)
            try s.write(a)
            try s.flush()
            #expect(s.written == 2)
        }
        do {  // reopening appends
            let s = try JSONLinesSink(path: path)
            try s.write(a)
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == String(repeating: a.jsonLine() + "\n", count: 3))
    }

    @Test func unwritablePathIsAClearError() {
        #expect(throws: SinkError.self) { _ = try JSONLinesSink(path: "/nonexistent-dir/x/a.jsonl") }
        do {
            _ = try JSONLinesSink(path: "/nonexistent-dir/x/a.jsonl")
        } catch {
            #expect("\(error)".contains("No such file or directory"))
        }
    }
}
