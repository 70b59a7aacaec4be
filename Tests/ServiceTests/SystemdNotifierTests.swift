import Foundation
import Pipeline
import Service
import Testing
import TestSupport

@Suite struct SystemdNotifierTests {
    @Test func sendsOneDatagramPerMessage() {
        let dir = makeTemporaryDirectory("notify")
        let listener = NotifyListener(directory: dir)
        defer { listener.close() }
        let n = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "3000000"])
        #expect(n.isEnabled)
        #expect(n.watchdogInterval == 3)
        #expect(n.notify("READY=1\nSTATUS=started"))
        #expect(n.notify("STOPPING=1"))
        #expect(waitUntil(timeout: 2) { listener.messages.count == 2 })
        #expect(listener.messages.map(\.text) == ["READY=1\nSTATUS=started", "STOPPING=1"])
        #expect(listener.assignments == ["READY=1", "STATUS=started", "STOPPING=1"])
    }

    @Test func withoutNotifySocketNothingIsSent() {
        let n = SystemdNotifier(environment: [:])
        #expect(!n.isEnabled)
        #expect(!n.notify("READY=1"))
        #expect(n.watchdogInterval == nil)
    }

    @Test func watchdogForAnotherPidIsIgnored() {
        let n = SystemdNotifier(environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"])
        #expect(n.watchdogInterval == nil)
    }
}
