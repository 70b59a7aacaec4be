import Foundation
import Pipeline
import Testing
import TestSupport

@Suite struct MetricsServerTests {
    @Test func servesMetricsAnd404AndStops() throws {
        let server = try MetricsServer(host: "127.0.0.1", port: 0) { "vigil_cameras 2\n" }
        #expect(server.port > 0)
        let r = try #require(httpGet(port: server.port, path: "/metrics"))
        #expect(r.status == 200)
        #expect(r.body == "vigil_cameras 2\n")
        #expect(httpGet(port: server.port, path: "/")?.status == 404)
        server.stop()
        #expect(httpGet(port: server.port, path: "/metrics") == nil)
    }

    @Test func aSilentClientDoesNotBlockTheNextScrape() throws {
        let server = try MetricsServer(host: "127.0.0.1", port: 0) { "ok\n" }
        defer { server.stop() }
        // A client that connects and sends nothing: the server gives up on it after 2 s.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(server.port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        defer { close(fd) }
        let start = Date()
        #expect(httpGet(port: server.port, path: "/metrics")?.body == "ok\n")
        #expect(Date().timeIntervalSince(start) < 4)
    }

    @Test func aTakenPortIsABindError() throws {
        let first = try MetricsServer(host: "127.0.0.1", port: 0) { "" }
        defer { first.stop() }
        #expect(throws: MetricsServer.BindError.self) { try MetricsServer(host: "127.0.0.1", port: first.port) { "" } }
    }
}
