import Testing
@testable import Config

/// The keys `vigil run` adds: `detect:`, `stream:`, `metrics:`, and per camera `detect:` and `rtsp_transport`.
@Suite struct DaemonConfigTests {
    func error(_ yaml: String) -> ConfigError? {
        do {
            _ = try ConfigLoader.parse(yaml, file: "t.yaml")
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    let base = """
        alerts:
          path: /tmp/a.jsonl
        cameras:
          - name: a
            url: rtsp://127.0.0.1/a

        """

    @Test func defaults() throws {
        let c = try ConfigLoader.parse(base)
        #expect(c.detect.fps == 5)
        #expect(c.cameras[0].detect.fps == 5)
        #expect(c.cameras[0].rtspTransport == .tcp)
        #expect(c.stream == StreamConfig())
        #expect(c.stream.openTimeoutSeconds == 10 && c.stream.readTimeoutSeconds == 5)
        #expect(c.stream.noFramesTimeoutSeconds == 10)
        #expect(c.stream.reconnectInitialSeconds == 1 && c.stream.reconnectMaxSeconds == 30)
        #expect(c.stream.reconnectJitter == 0.2 && c.stream.ringCapacity == 8)
        #expect(c.metrics.listen == "" && c.metrics.address == nil)
    }

    @Test func everyKeySet() throws {
        let c = try ConfigLoader.parse(base.replacingOccurrences(of: "    url: rtsp://127.0.0.1/a\n", with: """
                url: rtsp://127.0.0.1/a
                rtsp_transport: udp
                detect:
                  fps: 2

            """) + """
            detect:
              fps: 10
            stream:
              open_timeout_s: 3
              read_timeout_s: 2
              no_frames_timeout_s: 4
              reconnect_initial_s: 0.5
              reconnect_max_s: 8
              reconnect_jitter: 0
              ring_capacity: 16
            metrics:
              listen: 127.0.0.1:9464
            """)
        #expect(c.cameras[0].rtspTransport == .udp)
        #expect(c.cameras[0].detect.fps == 2)
        #expect(c.detect.fps == 10)
        #expect(c.stream.openTimeoutSeconds == 3 && c.stream.readTimeoutSeconds == 2)
        #expect(c.stream.noFramesTimeoutSeconds == 4 && c.stream.reconnectInitialSeconds == 0.5)
        #expect(c.stream.reconnectMaxSeconds == 8 && c.stream.reconnectJitter == 0 && c.stream.ringCapacity == 16)
        #expect(c.metrics.address?.host == "127.0.0.1" && c.metrics.address?.port == 9464)
    }

    @Test func cameraInheritsTopLevelDetect() throws {
        let c = try ConfigLoader.parse(base + "detect:\n  fps: 12\n")
        #expect(c.cameras[0].detect.fps == 12)
    }

    @Test(arguments: [
        ("detect:\n  fps: 0\n", "detect.fps", "out of range"),
        ("detect:\n  fps: 500\n", "detect.fps", "out of range"),
        ("stream:\n  open_timeout_s: 0.1\n", "stream.open_timeout_s", "out of range"),
        ("stream:\n  read_timeout_s: 1000\n", "stream.read_timeout_s", "out of range"),
        ("stream:\n  no_frames_timeout_s: 0.5\n", "stream.no_frames_timeout_s", "out of range"),
        ("stream:\n  reconnect_initial_s: 0\n", "stream.reconnect_initial_s", "out of range"),
        ("stream:\n  reconnect_max_s: 9999\n", "stream.reconnect_max_s", "out of range"),
        ("stream:\n  reconnect_initial_s: 10\n  reconnect_max_s: 5\n", "stream.reconnect_max_s", "less than"),
        ("stream:\n  reconnect_jitter: 1.5\n", "stream.reconnect_jitter", "out of range"),
        ("stream:\n  ring_capacity: 1\n", "stream.ring_capacity", "out of range 2…256"),
        ("stream:\n  retries: 3\n", "stream.retries", "unknown key"),
        ("metrics:\n  listen: localhost:9464\n", "metrics.listen", "IPV4:PORT"),
        ("metrics:\n  listen: 127.0.0.1:70000\n", "metrics.listen", "IPV4:PORT"),
        ("metrics:\n  listen: 127.0.0.1\n", "metrics.listen", "IPV4:PORT"),
        ("metrics:\n  port: 9464\n", "metrics.port", "unknown key"),
    ])
    func invalidValuesNameTheKey(_ extra: String, _ path: String, _ message: String) {
        let e = error(base + extra)
        // A top-level `detect:` is merged into each camera first: its errors name the camera's copy.
        #expect(e?.keyPath == path || e?.keyPath == "cameras[0].\(path)", "\(String(describing: e))")
        #expect(e?.message.contains(message) == true, "\(String(describing: e))")
        #expect(e?.line != nil)
    }

    @Test func badTransportAndCameraDetect() {
        let bad = base.replacingOccurrences(of: "    url: rtsp://127.0.0.1/a\n",
                                            with: "    url: rtsp://127.0.0.1/a\n    rtsp_transport: http\n")
        let e = error(bad)
        #expect(e?.keyPath == "cameras[0].rtsp_transport")
        #expect(e?.line == 6)
        let e2 = error(base.replacingOccurrences(of: "    url: rtsp://127.0.0.1/a\n",
                                                 with: "    url: rtsp://127.0.0.1/a\n    detect:\n      rate: 3\n"))
        #expect(e2?.keyPath == "cameras[0].detect.rate")
    }

    @Test func documentedExampleIsValid() throws {
        let path = #filePath.replacingOccurrences(of: "Tests/ConfigTests/DaemonConfigTests.swift", with: "config/vigil.yaml")
        let c = try ConfigLoader.load(path: path, environment: ["VIGIL_FRONT_PASSWORD": "x"])
        #expect(c.stream == StreamConfig())
        // every detect: key at its default, except the example's models (faces and people)
        var detect = c.detect
        #expect(detect.modelNames == DetectConfig.defaultModels)
        detect.models = nil
        #expect(detect == DetectConfig())
        #expect(c.metrics.listen == "")
    }
}
