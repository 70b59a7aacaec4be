import Testing
@testable import Config

/// `api:` — defaults, the token rule off loopback (exit 78 at start: a config error), ranges, redaction.
@Suite struct APIConfigTests {
    static let base = "cameras:\n  - name: a\n    url: rtsp://127.0.0.1/a\n"

    func error(_ yaml: String, env: [String: String] = [:]) -> ConfigError? {
        do { _ = try ConfigLoader.parse(yaml, environment: env); return nil } catch let e as ConfigError { return e } catch { return nil }
    }

    @Test func defaultsToLoopbackWithoutToken() throws {
        let c = try ConfigLoader.parse(Self.base)
        #expect(c.api == APIConfig())
        #expect(c.api.address?.host == "127.0.0.1" && c.api.address?.port == 8971 && c.api.isLoopback)
        #expect(c.api.token.isEmpty && !c.api.metricsRequireToken && c.api.maxConnections == 1024)
        let off = try ConfigLoader.parse(Self.base + "api:\n  listen: \"\"\n")
        #expect(off.api.address == nil)
    }

    @Test func offLoopbackNeedsATokenFromTheEnvironment() throws {
        let e = error(Self.base + "api:\n  listen: 0.0.0.0:8971\n")
        #expect(e?.keyPath == "api.listen" && e?.message.contains("api.token") == true, "\(String(describing: e))")
        #expect(e?.line == 5)
        let withToken = Self.base + "api:\n  listen: 192.168.1.5:8971\n  token: ${VIGIL_API_TOKEN}\n"
        let c = try ConfigLoader.parse(withToken, environment: ["VIGIL_API_TOKEN": "0123456789abcdef"])
        #expect(c.api.token == "0123456789abcdef" && !c.api.isLoopback)
        let short = error(withToken, env: ["VIGIL_API_TOKEN": "short"])
        #expect(short?.keyPath == "api.token" && short?.message.contains("at least 16") == true, "\(String(describing: short))")
    }

    @Test(arguments: [
        ("api:\n  listen: localhost:8971\n", "api.listen", "IPV4:PORT"),
        ("api:\n  listen: 127.0.0.1:99999\n", "api.listen", "IPV4:PORT"),
        ("api:\n  max_connections: 1\n", "api.max_connections", "out of range"),
        ("api:\n  header_timeout_s: 0\n", "api.header_timeout_s", "out of range"),
        ("api:\n  idle_timeout_s: 7200\n", "api.idle_timeout_s", "out of range"),
        ("api:\n  mjpeg_max_viewers: 0\n", "api.mjpeg_max_viewers", "out of range"),
        ("api:\n  mjpeg_max_fps: 60\n", "api.mjpeg_max_fps", "out of range"),
        ("api:\n  cors: true\n", "api.cors", "unknown key"),
    ])
    func invalidValuesNameTheKey(_ extra: String, _ path: String, _ message: String) {
        let e = error(Self.base + extra)
        #expect(e?.keyPath == path, "\(String(describing: e))")
        #expect(e?.message.contains(message) == true, "\(String(describing: e))")
    }

    @Test func redactedJSONHidesSecretsAndURLCredentials() throws {
        let yaml = Self.base.replacingOccurrences(of: "rtsp://127.0.0.1/a", with: "rtsp://user:hunter2@127.0.0.1/a")
            + "api:\n  token: literal-token-0123456789\nmqtt_password: pw\n"
        let json = try ConfigLoader.redactedJSON(text: yaml).serialized()
        #expect(!json.contains("hunter2") && json.contains("user:***@127.0.0.1"))
        #expect(!json.contains("literal-token") && json.contains("\"token\":\"***\""))
        #expect(!json.contains("\"pw\""))
    }
}
