import Config
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Pipeline
import Service
import Sinks
import Testing
import TestSupport
import VigilCore

@Suite struct LiveCameraTests {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A file decodes far faster than real time: with a slow analysis stage the drop-oldest ring must drop,
    /// count every drop, and never lose track of a frame: decoded = analysed + dropped + skipped once drained.
    @Test func slowAnalysisDropsOldestAndCountsEveryFrame() throws {
        let memory = MemorySink()
        let sink = AlertHub(record: memory)
        var options = LiveCameraOptions(name: "slow", url: Fixtures.path("boxes.mp4"))
        options.stream.ringCapacity = 4
        options.simulatedAnalysisSeconds = 0.02
        var cam = CameraConfig(name: "slow", url: options.url)
        cam.detect.fps = 120  // every frame is wanted
        let camera = LiveCamera(options: options, settings: CameraSettings(cam), hub: sink,
                                logger: quiet)
        camera.start()
        #expect(waitUntil(timeout: 10) { camera.metrics.framesDropped.load(ordering: .relaxed) > 20 })
        camera.stop()
        #expect(camera.join(timeout: 5))
        let m = camera.metrics
        let decoded = m.framesDecoded.load(ordering: .relaxed)
        let analysed = m.framesAnalyzed.load(ordering: .relaxed)
        let dropped = m.framesDropped.load(ordering: .relaxed)
        let skipped = m.framesSkipped.load(ordering: .relaxed)
        #expect(skipped == 0)
        #expect(analysed > 0 && dropped > analysed, "decoded \(decoded), analysed \(analysed), dropped \(dropped)")
        #expect(decoded == analysed + dropped + skipped, "decoded \(decoded), analysed \(analysed), dropped \(dropped)")
        #expect(m.analysisSeconds.snapshot().count == analysed)
        #expect(memory.alerts.first?.event == "stream_up")
    }

    /// End of a file on a live camera is a disconnect: stream_down, then the reconnect replays it (stream_up).
    @Test func endOfStreamIsADisconnectFollowedByAReconnect() throws {
        let memory = MemorySink()
        let sink = AlertHub(record: memory)
        var options = LiveCameraOptions(name: "eof", url: Fixtures.path("boxes.mp4"))
        options.stream.reconnectInitialSeconds = 0.1
        options.stream.reconnectMaxSeconds = 1
        let cam = CameraConfig(name: "eof", url: options.url)
        let camera = LiveCamera(options: options, settings: CameraSettings(cam), hub: sink,
                                logger: quiet)
        camera.start()
        #expect(waitUntil(timeout: 15) { camera.metrics.reconnects.load(ordering: .relaxed) >= 1
                && camera.metrics.framesDecoded.load(ordering: .relaxed) > 300 })
        camera.stop()
        #expect(camera.join(timeout: 5))
        let events = memory.alerts.map(\.event).filter { $0.hasPrefix("stream_") }
        #expect(Array(events.prefix(3)) == ["stream_up", "stream_down", "stream_up"], "\(events)")
        let down = memory.alerts.first { $0.event == "stream_down" }
        #expect(down?.details?.first { $0.0 == "reason" }?.1 == .string("end of stream"))
        // Media time and frame numbers keep increasing across the reconnect.
        let ups = memory.alerts.filter { $0.event == "stream_up" }
        #expect(ups.count >= 2 && ups[1].frame > ups[0].frame && ups[1].mediaTime > ups[0].mediaTime)
    }

    /// A camera on virtual time (`clock`), without jitter, its stream settings adjusted by `stream`.
    func virtualCamera(_ name: String, url: String, hub: AlertHub, clock: ManualClock,
                       _ stream: (inout StreamConfig) -> Void) -> LiveCamera {
        var options = LiveCameraOptions(name: name, url: url)
        options.stream.reconnectJitter = 0
        stream(&options.stream)
        return LiveCamera(options: options, settings: CameraSettings(CameraConfig(name: name, url: url)), hub: hub,
                          logger: quiet, clock: clock)
    }

    /// A camera that cannot open its stream: `stream_down` once, then a `stream_error` per failed attempt, with
    /// the backoff doubling to its cap. On virtual time: the test moves the camera's clock 50 ms at a time,
    /// each time only once the camera sleeps again, so the attempts in 2 s are exactly known.
    @Test func openFailureIsStreamDownThenStreamErrorsWithBackoff() throws {
        let memory = MemorySink()
        let sink = AlertHub(record: memory)
        let clock = ManualClock()
        let camera = virtualCamera("gone", url: "/nonexistent/clip.mp4", hub: sink, clock: clock) {
            $0.reconnectInitialSeconds = 0.1
            $0.reconnectMaxSeconds = 0.4
        }
        camera.start()
        for _ in 0..<40 {  // 2 s of virtual time
            #expect(clock.waitForSleepers(1, timeout: 30), "the camera never slept")
            clock.advance(nanoseconds: 50_000_000)
        }
        #expect(clock.waitForSleepers(1, timeout: 30))
        camera.stop()
        clock.advance(nanoseconds: 50_000_000)
        #expect(camera.join(timeout: 30))
        let events = memory.alerts.map(\.event)
        // Attempts at 0, 0.1, 0.3, 0.7, 1.1, 1.5 and 1.9 s (backoff 0.1, 0.2, 0.4, 0.4, …).
        #expect(events == ["stream_down"] + Array(repeating: "stream_error", count: 6), "\(events)")
        let retry = memory.alerts.compactMap { a in a.details?.first { $0.0 == "retry_in_s" }?.1 }
        #expect(retry == [.double(0.1), .double(0.2)] + Array(repeating: .double(0.4), count: 5))
    }

    /// The no-frames watchdog on virtual time: a TCP camera sends the first half of a clip, then keeps the
    /// connection open and silent (a stalled feeder; the read timeout, in real time, is far away). The watchdog
    /// (`checkWatchdog`, which the daemon's supervisor calls every 100 ms) must not fire before
    /// `no_frames_timeout_s` of the camera's clock have passed without a frame, and must fire after, as a
    /// `stream_down` naming the watchdog; the interrupted session is then retried after a backoff.
    @Test func noFramesWatchdogFiresOnTheCamerasClockNotBefore() throws {
        let memory = MemorySink()
        let hub = AlertHub(record: memory)
        let clip = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("boxes.ts")))
        let feeder = try StallingFeeder(sending: clip.prefix(clip.count / 2))
        let clock = ManualClock()
        let camera = virtualCamera("stall", url: "tcp://127.0.0.1:\(feeder.port)", hub: hub, clock: clock) {
            $0.noFramesTimeoutSeconds = 2
            $0.readTimeoutSeconds = 120  // real time: far away, the watchdog must be what acts
        }
        camera.start()
        func stop() -> Bool {
            camera.stop()
            clock.advance(nanoseconds: 60_000_000_000)  // out of any backoff sleep
            return camera.join(timeout: 30)
        }
        // Streaming (real bound: a loaded machine decodes slowly), with the frames sent decoded.
        guard waitUntil(timeout: 30, { camera.isUp && camera.metrics.framesDecoded.load(ordering: .relaxed) > 10 }) else {
            _ = stop()
            Issue.record("the camera never streamed")
            return
        }
        func downs() -> Int { hub.alertsByEvent["stream_down"] ?? 0 }
        camera.checkWatchdog()
        clock.advance(nanoseconds: 1_900_000_000)
        camera.checkWatchdog()  // 1.9 s at most since the last frame: not yet
        // Not fired: the camera would have left the streaming phase and said stream_down.
        #expect(camera.isUp && downs() == 0, "fired before no_frames_timeout_s")
        // Past the timeout. A frame still buffered in the demuxer when the time moved on restarts the count, so
        // the clock moves on again (no more data will ever come): it fires within a few such steps.
        var steps = 0
        repeat {
            clock.advance(nanoseconds: 2_100_000_000)
            camera.checkWatchdog()
            steps += 1
        } while !waitUntil(timeout: 10, { downs() > 0 }) && steps < 3
        #expect(downs() == 1, "the watchdog fired once (\(steps) steps of 2.1 s)")
        #expect(stop())
        let down = memory.alerts.first { $0.event == "stream_down" }
        #expect(down?.details?.first { $0.0 == "reason" }?.1 == .string("no frames for 2 s"))
    }
}

/// A TCP camera for the watchdog test: listens on a free loopback port (bound before the camera starts, so no
/// race), sends `bytes` to the first client, then keeps the connection open and silent until it goes away.
///
/// Thread safety: `init` and `deinit` on the test's thread; the accept thread only touches `client` under `lock`.
final class StallingFeeder: @unchecked Sendable {  // unchecked: `client` is behind `lock`
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var client: Int32 = -1

    init(sending bytes: Data) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else { close(fd); throw POSIXError(.EADDRNOTAVAIL) }
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread { [self] in
            let c = accept(fd, nil, nil)
            guard c >= 0 else { return }
            lock.withLock { client = c }
            bytes.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = send(c, raw.baseAddress! + off, raw.count - off, Int32(MSG_NOSIGNAL))
                    if n <= 0 { return }
                    off += n
                }
            }
        }.start()
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))  // wakes a pending accept
        close(listener)
        lock.withLock { if client >= 0 { close(client) } }
    }
}

/// Virtual monotonic time for a camera under test: `sleep` waits until the test has moved the time on far
/// enough; `waitForSleepers` lets the test wait (with a real bound) until the camera is asleep before it does.
///
/// Thread safety: every method from any thread; state behind `condition`.
final class ManualClock: TickingClock, @unchecked Sendable {  // unchecked: `now` and `wakeTimes` are only touched under `condition`
    private let condition = NSCondition()
    private var now: UInt64 = 1_000_000_000
    /// When each sleeping thread wakes.
    private var wakeTimes: [UInt64] = []
    /// Threads asleep that the time has not yet reached (one whose time has come counts no longer, even before
    /// it actually woke, so the test cannot move time on twice for one sleep).
    private var sleepers: Int { wakeTimes.filter { $0 > now }.count }

    func nanoseconds() -> UInt64 { condition.withLock { now } }

    func sleep(nanoseconds: UInt64) {
        condition.lock()
        let until = now + nanoseconds
        wakeTimes.append(until)
        condition.broadcast()
        while now < until { condition.wait() }
        wakeTimes.remove(at: wakeTimes.firstIndex(of: until)!)
        condition.unlock()
    }

    func advance(nanoseconds: UInt64) {
        condition.withLock {
            now += nanoseconds
            condition.broadcast()
        }
    }

    /// Waits until `count` threads sleep on this clock, at most `timeout` real seconds. True when they do.
    func waitForSleepers(_ count: Int, timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while sleepers < count {
            if !condition.wait(until: deadline) { return sleepers >= count }
        }
        return true
    }
}
