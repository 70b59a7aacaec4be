import Foundation
import Logging
import Service
import ServiceLifecycle
import Synchronization
import Testing

/// `vigil run`'s parts in a ServiceGroup: started, then stopped one at a time in reverse order on graceful
/// shutdown (cameras first, the alert log last), also when the shutdown was requested before the group ran; a part
/// that fails to start stops the others and its error comes out of the group.
@Suite struct DaemonPartTests {
    /// Records what happened, in order. Thread safety: behind a mutex.
    final class Journal: Sendable {
        private let events = Mutex<[String]>([])
        func note(_ e: String) { events.withLock { $0.append(e) } }
        var all: [String] { events.withLock { $0 } }
        var stops: [String] { all.filter { $0.hasPrefix("stop") } }
    }

    struct StartFailed: Error {}

    static func parts(_ journal: Journal, failing: String? = nil) -> [any Service] {
        ["alert log", "http api", "mqtt", "cameras"].map { name in
            DaemonPart(name, start: {
                journal.note("start \(name)")
                if name == failing { throw StartFailed() }
            }, stop: { journal.note("stop \(name)") })
        }
    }

    static func group(_ parts: [any Service]) -> ServiceGroup {
        ServiceGroup(configuration: ServiceGroupConfiguration(services: parts, logger: Logger(label: "test")))
    }

    @Test func gracefulShutdownStopsThePartsInReverseOrderTheLogLast() async throws {
        let journal = Journal()
        let group = Self.group(Self.parts(journal))
        let run = Task { try await group.run() }
        // Wait for a condition (every part started), not for a time.
        while journal.all.filter({ $0.hasPrefix("start") }).count < 4 { await Task.yield() }
        await group.triggerGracefulShutdown()
        try await run.value
        #expect(journal.stops == ["stop cameras", "stop mqtt", "stop http api", "stop alert log"])
    }

    @Test func aStopRequestedBeforeTheGroupRunsIsKeptAndStopsEachPartInReverseOrder() async throws {
        let journal = Journal()
        let group = Self.group(Self.parts(journal))
        await group.triggerGracefulShutdown()
        try await group.run()
        // A part may still be starting when its turn to stop comes; it stops once started, still in turn.
        #expect(journal.stops == ["stop cameras", "stop mqtt", "stop http api", "stop alert log"], "\(journal.all)")
    }

    @Test func aPartThatFailsToStartStopsEveryPartAndItsErrorComesOut() async throws {
        let journal = Journal()
        let group = Self.group(Self.parts(journal, failing: "cameras"))
        await #expect(throws: StartFailed.self) { try await group.run() }
        #expect(Set(journal.stops) == ["stop cameras", "stop mqtt", "stop http api", "stop alert log"], "\(journal.all)")
    }
}
