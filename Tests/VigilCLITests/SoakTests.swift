import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Four cameras on one RTSP server that is killed and restarted again and again: every camera must come back
/// each time (no stuck camera) and memory must stay flat. CI runs a short version (three rounds of 8 s);
/// `VIGIL_SOAK=1` runs the long one (ten rounds of a minute). Nested in `RunCommandTests` so that it never runs
/// beside the other daemon tests (their frame-rate checks need the two cores).
extension RunCommandTests {
@Suite struct SoakTests {
    @Test func serverRestartsLeaveNoStuckCameraAndFlatMemory() throws {
        try #require(RTSPTestServer.isAvailable, "\(RunCommandTests.serverMissing)")
        let long = ProcessInfo.processInfo.environment["VIGIL_SOAK"] == "1"
        let rounds = long ? 10 : 3
        let roundSeconds: UInt32 = long ? 60 : 8
        let dir = makeTemporaryDirectory("soak")
        let server = try RTSPTestServer(directory: dir, restartOnCrash: true)
        defer { server.kill() }
        let metricsPort = FreePort.pick()
        let names = ["c1", "c2", "c3", "c4"]
        let daemon = try DaemonProcess(config: RunCommandTests.config(cameras: names.map { ($0, server.url("test")) },
                                                                      metricsPort: metricsPort), directory: dir)
        func rss() -> Double { metric(httpGet(port: metricsPort, path: "/metrics")?.body ?? "", "process_resident_memory_bytes") ?? 0 }
        for n in names { #expect(daemon.waitFor("stream_up", camera: n, timeout: 20), "\(n): \(daemon.stderr)") }
        var baseline = 0.0
        for round in 1...rounds {
            sleep(roundSeconds)
            if round == 1 { baseline = rss() }  // after the first round: pools, decoders and caches are warm
            server.kill()
            for n in names {
                #expect(daemon.waitFor("stream_down", camera: n, count: round, timeout: 10), "round \(round) \(n)")
            }
            try server.start()
            for n in names {
                #expect(daemon.waitFor("stream_up", camera: n, count: round + 1, timeout: 15),
                        "round \(round): \(n) did not come back; server crashes so far: \(server.crashes)")
            }
        }
        sleep(2)
        let end = rss()
        let growthMiB = (end - baseline) / 1_048_576
        #expect(baseline > 0 && growthMiB < 24, "RSS \(baseline / 1_048_576) MiB after round 1 → \(end / 1_048_576) MiB")
        let scrape = httpGet(port: metricsPort, path: "/metrics")?.body ?? ""
        for n in names { #expect(metric(scrape, "vigil_stream_up{camera=\"\(n)\"}") == 1, "\(n) up at the end") }
        let (status, seconds) = daemon.child.stop(SIGTERM)
        #expect(status == 0)
        #expect(seconds < 5)
        print("soak: \(rounds) restarts (+\(server.crashes) test-server crashes), RSS \(Int(baseline / 1_048_576)) → \(Int(end / 1_048_576)) MiB")
    }
}
}
