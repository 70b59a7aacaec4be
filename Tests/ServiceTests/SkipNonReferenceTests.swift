import Foundation
import Media
import Service
import Testing
import TestSupport
import VigilCore

/// Issue 16: frames the live decimation will drop need not be decoded. With `discard` the decoder gets
/// `skip_frame = AVDISCARD_NONREF` for such frames: the non-reference B-frames among them are never decoded, the
/// reference frames are, so the analysed frames are exactly those (number, time and pixels) of a run that decodes
/// everything.
@Suite struct SkipNonReferenceTests {
    /// A B-frame H.264 clip (libx264's defaults: 3 B-frames, the middle one a reference) at 25 fps, 100 frames
    /// of moving test pattern.
    static let clip: String = {
        let out = makeTemporaryFile("bframes", extension: "mp4").path
        let r = run("/usr/bin/env", ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                     "testsrc2=size=320x180:rate=25:duration=4", "-c:v", "libx264", "-preset", "veryfast",
                                     "-g", "50", "-pix_fmt", "yuv420p", out])
        precondition(r.status == 0, r.stderr)
        return out
    }()

    struct Analysed: Equatable {
        var index: Int, mediaTime: Double, checksum: UInt64
    }

    /// The frames a 10 fps decimation analyses, each with a checksum of its grey picture, and the source's stats.
    func analyse(_ url: String, skipping: Bool) throws -> ([Analysed], SourceStats) {
        var options = SourceOptions()
        options.threads = 1
        let source = try VideoSource(url: url, options: options)
        let gray = PixelBuffer(width: source.analysisWidth, height: source.analysisHeight, format: .gray8)
        var decimator = FrameDecimator(fps: 10)
        var out: [Analysed] = []
        while let d = try source.next(into: gray, rgb: nil, scaling: { decimator.admit($0) },
                                      discard: { skipping && decimator.certainlyDrops($0) }) {
            guard d.scaled else { continue }
            var sum: UInt64 = 1469598103934665603
            for y in 0..<gray.height {
                for x in 0..<gray.width { sum = (sum ^ UInt64(gray.data[y * gray.stride + x])) &* 1099511628211 }
            }
            out.append(Analysed(index: d.index, mediaTime: d.mediaTime, checksum: sum))
        }
        return (out, source.stats)
    }

    @Test func theSameFramesAreAnalysedWithFewerDecoded() throws {
        let (all, allStats) = try analyse(Self.clip, skipping: false)
        let (skip, skipStats) = try analyse(Self.clip, skipping: true)
        #expect(all.count == 40, "10 of 25 fps over 4 s")
        #expect(skip == all)
        #expect(allStats.framesDecoded == 100 && allStats.framesNotDecoded == 0)
        // Of the 60 frames not analysed, the non-reference B-frames were not decoded at all (18 here: x264
        // places fewer B-frames than its maximum on this pattern).
        #expect(skipStats.framesNotDecoded >= 10, "not decoded: \(skipStats.framesNotDecoded)")
        #expect(skipStats.framesDecoded + skipStats.framesNotDecoded == 100)
    }

    /// The same B-frames stamped in decode order (each packet's pts set to its dts, as a relay of raw H.264
    /// stamps them): the stamps cannot tell where a frame not decoded would have come out, so nothing is skipped
    /// and the analysed frames (number, time, pixels) are exactly those of a full decode.
    static let decodeOrderClip: String = {
        let out = makeTemporaryFile("bframes-dts", extension: "mkv").path
        let r = run("/usr/bin/env", ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", clip, "-c", "copy",
                                     "-bsf:v", "setts=pts=DTS", out])
        precondition(r.status == 0, r.stderr)
        return out
    }()

    @Test func streamsStampedInDecodeOrderKeepExactFrameNumbers() throws {
        let (all, allStats) = try analyse(Self.decodeOrderClip, skipping: false)
        let (skip, skipStats) = try analyse(Self.decodeOrderClip, skipping: true)
        #expect(allStats.framesDecoded == 100)
        #expect(all.count >= 39, "10 of 25 fps over 4 s: \(all.count)")
        #expect(skip == all, "with skipping: \(skip.map(\.index)); decoding all: \(all.map(\.index))")
        #expect(skipStats.framesNotDecoded == 0 && skipStats.framesDecoded == 100)
    }

    @Test func withoutADecimationScheduleEverythingIsDecoded() throws {
        // Analyse every frame (fps 0: no schedule): nothing may be skipped.
        var options = SourceOptions()
        options.threads = 1
        let source = try VideoSource(url: Self.clip, options: options)
        var decimator = FrameDecimator(fps: 0)
        var n = 0
        while let d = try source.next(into: nil, rgb: nil, scaling: { decimator.admit($0) },
                                      discard: { decimator.certainlyDrops($0) }) {
            #expect(d.scaled)
            n += 1
        }
        #expect(n == 100 && source.stats.framesNotDecoded == 0)
    }
}
