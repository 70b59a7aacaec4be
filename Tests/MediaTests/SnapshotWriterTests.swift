import Foundation
import Testing
import VigilCore
@testable import Media

@Suite struct SnapshotWriterTests {
    func tempDir() -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("vigil-snap-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    }

    func picture() -> PixelBuffer {
        let p = PixelBuffer(width: 320, height: 180, format: .gray8)
        for y in 0..<180 { for x in 0..<320 { p.data[y * p.stride + x] = 20 } }
        return p
    }

    /// The JPEG decodes (through libavformat's image demuxer) to the picture's size, with the box drawn where
    /// it was asked for and the inside of the box untouched.
    @Test func jpegWithBoxAndLabel() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let w = try SnapshotWriter(directory: dir)
        let path = try w.write(picture(), box: Box(x1: 100, y1: 60, x2: 200, y2: 150), label: "person 0.91",
                               name: "cam-12-zone_enter", now: 0)
        #expect(path == dir + "/cam-12-zone_enter.jpg")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.prefix(2) == Data([0xFF, 0xD8]))  // JPEG SOI
        var o = SourceOptions()
        o.analysisHeight = 180
        let source = try VideoSource(url: path, options: o)
        let gray = PixelBuffer(width: source.analysisWidth, height: source.analysisHeight, format: .gray8)
        let f = try #require(try source.next(into: gray))
        #expect(f.sourceWidth == 320 && f.sourceHeight == 180)
        func at(_ x: Int, _ y: Int) -> Int { Int(gray.data[y * gray.stride + x]) }
        #expect(at(100, 100) > 80, "left edge of the box")
        #expect(at(150, 150) > 80, "bottom edge of the box")
        #expect(abs(at(150, 100) - 20) < 8, "inside the box")
        #expect(abs(at(20, 20) - 20) < 8, "background")
        // The label strip sits above the box.
        #expect(at(104, 52) > 80)
    }

    @Test func retentionByCountAndAge() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let w = try SnapshotWriter(directory: dir, retainCount: 3, retainSeconds: 3600)
        let now = Date().timeIntervalSince1970
        for i in 0..<5 {
            try w.write(picture(), box: nil, label: nil, name: "s\(i)", now: now)
            usleep(20_000)  // distinct modification times
        }
        var names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["s2.jpg", "s3.jpg", "s4.jpg"])
        // Age one past the limit.
        var times = [timeval(tv_sec: Int(now) - 7200, tv_usec: 0), timeval(tv_sec: Int(now) - 7200, tv_usec: 0)]
        #expect(utimes(dir + "/s3.jpg", &times) == 0)
        w.retain(now: now)
        names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["s2.jpg", "s4.jpg"])
        #expect(w.deleted == 3)
    }

    @Test func aFileInTheWayIsAClearError() throws {
        let path = tempDir()
        #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: FFmpegError.self) { _ = try SnapshotWriter(directory: path) }
    }
}
