import Config
import Foundation
import Media
import Recording
import Synchronization
import Testing
import TestSupport
import VigilCore

/// A real file's packets through the pre-roll buffer and the recorder, frame by frame as the analysis would
/// see them (the analysis position is the decoded frame's media time).
final class Feed {
    let source: VideoSource
    var onFrame: (Double) -> Void = { _ in }
    init(_ path: String, into buffer: PreRollBuffer) throws {
        source = try VideoSource(url: path)
        source.packetObserver = { buffer.append($0) }
    }

    /// Decodes frames until `until` (media seconds) or the end; calls `onFrame` per frame. False at the end.
    @discardableResult
    func run(until: Double = .infinity) throws -> Bool {
        while let f = try source.next(into: nil) {
            onFrame(f.mediaTime)
            if f.mediaTime >= until { return true }
        }
        return false
    }
}

func motion(_ event: String, at t: Double) -> Alert {
    Alert(timestamp: 1_767_225_600 + t, mediaTime: t, frame: Int(t * 25), camera: CameraID("boxes"), event: event,
          severity: .info)
}

@Suite struct PreRollBufferTests {
    /// The window starts at the key frame at or before position − pre_roll_s and holds about pre_roll_s of
    /// video plus one GOP (the boxes clip: a key frame every second).
    @Test func windowStartsAtAKeyFrameAndIsBoundedByTime() throws {
        let buffer = PreRollBuffer(preRollSeconds: 2, maxBytes: 64 << 20)
        let feed = try Feed(Fixtures.path("boxes.mp4"), into: buffer)
        var sizes: [(time: Double, bytes: Int)] = []
        var checked = 0
        feed.onFrame = { t in
            _ = buffer.advance(to: t)
            sizes.append((t, buffer.bytesHeld.load(ordering: .relaxed)))
            guard t > 3, let w = buffer.window(from: t - 2), let first = w.first else { return }
            #expect(first.isKeyframe && first.time <= t - 2 + 1e-6 && first.time > t - 3 - 1e-6, "at \(t): \(first.time)")
            checked += 1
        }
        try feed.run()
        #expect(checked > 200)
        // Held bytes never exceed the packets of the last 2 s + one GOP + the frames decoded ahead.
        let fileBytes = try #require(try FileManager.default.attributesOfItem(atPath: Fixtures.path("boxes.mp4"))[.size] as? Int)
        let perSecond = Double(fileBytes) / 12
        #expect(Double(buffer.peakBytes.load(ordering: .relaxed)) < perSecond * 3.6, "\(buffer.peakBytes.load(ordering: .relaxed))")
        #expect(buffer.overflowDrops.load(ordering: .relaxed) == 0)
    }

    /// A stalled analysis (the position does not move): the byte cap holds, whole GOPs go, the loss is counted.
    @Test func byteCapBoundsAStalledAnalysis() throws {
        let buffer = PreRollBuffer(preRollSeconds: 2, maxBytes: 256 << 10)
        let feed = try Feed(Fixtures.path("boxes.mp4"), into: buffer)
        try feed.run()
        #expect(buffer.peakBytes.load(ordering: .relaxed) <= 256 << 10)
        #expect(buffer.overflowDrops.load(ordering: .relaxed) > 0)
        let w = try #require(buffer.window(from: 0) ?? buffer.drain().first.map { [$0] })
        #expect(w.first?.isKeyframe == true)
    }
}

@Suite(.serialized) struct DiskFullTests {
    func recorder(_ dir: String, minFree: Int) -> Recorder {
        var c = RecordConfig()
        c.enabled = true
        c.directory = dir
        c.preRollSeconds = 1
        c.continuous = true
        c.segmentSeconds = 5
        c.minFreeBytes = minFree
        return Recorder(camera: CameraID("boxes"), config: c, clock: .media(start: 1_767_225_600), queuePolicy: .block,
                        report: { _ in })
    }

    /// A tiny tmpfs: the disk fills (recording stops, drops counted, the files so far play), alerts keep their
    /// clip, and recording resumes once space is freed (the clip goes on in `NAME-2.mp4`).
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func fullTmpfsStopsThenResumes() throws {
        let dir = makeTemporaryDirectory("rec-tmpfs")
        defer { try? FileManager.default.removeItem(at: dir) }
        guard shell("mount -t tmpfs -o size=2m tmpfs \(dir.path)") == 0 else {
            Issue.record("root, but a tmpfs cannot be mounted on \(dir.path)")
            return
        }
        defer { _ = shell("umount \(dir.path)") }
        let rec = recorder(dir.path, minFree: 0)
        let feed = try Feed(Fixtures.path("boxes.mp4"), into: rec.buffer)
        var alerts: [Alert] = []
        feed.onFrame = { t in
            var a = abs(t - 1.2) < 0.01 ? [motion("motion_start", at: 1.2)] : []
            rec.process(&a, mediaTime: t)
            alerts += a
        }
        var more = true
        while more && rec.counters.diskFullEvents.load(ordering: .relaxed) == 0 {
            more = try feed.run(until: 0)  // one frame at a time until the writer reports the full disk
        }
        #expect(more, "the disk never filled")
        #expect(alerts.first?.clip != nil)
        let firstFiles = mp4Files(under: dir.path)
        #expect(!firstFiles.isEmpty)
        for f in firstFiles { try FileManager.default.removeItem(atPath: f) }  // space comes back
        try feed.run()
        var last: [Alert] = []
        rec.finish(&last)
        let c = rec.counters
        #expect(c.diskFull.load(ordering: .relaxed) == 0, "recording resumed")
        #expect(c.diskFullEvents.load(ordering: .relaxed) >= 1)
        #expect(c.diskFullDrops.load(ordering: .relaxed) > 0)
        let resumed = mp4Files(under: dir.path)
        #expect(resumed.contains { $0.hasSuffix("-2.mp4") }, "\(resumed)")
        #expect(resumed.contains { $0.contains("/continuous/") })
        for f in resumed { #expect((Probe.decodedFrames(f).frames ?? 0) > 0, "\(f): \(Probe.decodedFrames(f).errors)") }
    }

    /// Without root: less free space than `min_free_bytes` is a full disk too: nothing written, every packet
    /// counted, one stop; the alerts still carry their clip path.
    @Test func belowMinimumFreeSpaceNothingIsWrittenAndDropsAreCounted() throws {
        let dir = makeTemporaryDirectory("rec-minfree")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rec = recorder(dir.path, minFree: 1 << 50)
        let feed = try Feed(Fixtures.path("boxes.mp4"), into: rec.buffer)
        var alerts: [Alert] = []
        feed.onFrame = { t in
            var a = abs(t - 2) < 0.01 ? [motion("motion_start", at: 2)] : (abs(t - 4) < 0.01 ? [motion("motion_end", at: 4)] : [])
            rec.process(&a, mediaTime: t)
            alerts += a
        }
        try feed.run()
        var last: [Alert] = []
        rec.finish(&last)
        #expect(alerts.count == 2 && alerts.allSatisfy { $0.clip != nil })
        #expect(mp4Files(under: dir.path).isEmpty)
        #expect(rec.counters.diskFullEvents.load(ordering: .relaxed) == 1)
        #expect(rec.counters.diskFullDrops.load(ordering: .relaxed) >= 300)
        #expect(rec.counters.packetsWritten.load(ordering: .relaxed) == 0)
    }
}

func shell(_ command: String) -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command + " 2>/dev/null"]
    try? p.run()
    p.waitUntilExit()
    return p.terminationStatus
}
