import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A long-running child process for tests (servers, the daemon): output goes to files, so nothing can block
/// on a full pipe; `stop` and `kill` wait for the exit. A process still running when the object goes away
/// is killed.
///
/// Thread safety: one test owns it; `stdoutText`/`stderrText` may be read from any thread.
public final class ChildProcess: @unchecked Sendable {  // unchecked: `process` is only started/stopped by the owning test
    public let process = Process()
    public let stdoutPath: String
    public let stderrPath: String

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                directory: URL) throws {
        let id = UUID().uuidString.prefix(8)
        let name = URL(fileURLWithPath: executable).lastPathComponent
        stdoutPath = directory.appendingPathComponent("\(name)-\(id).out").path
        stderrPath = directory.appendingPathComponent("\(name)-\(id).err").path
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var stdoutText: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var stderrText: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    public func signal(_ s: Int32) { if process.isRunning { kill(process.processIdentifier, s) } }

    /// Sends `s` and waits at most `timeout` seconds for the exit; returns the status and the seconds it took
    /// (nil status: still running, then killed).
    @discardableResult
    public func stop(_ s: Int32 = SIGTERM, timeout: Double = 10) -> (status: Int32?, seconds: Double) {
        let start = Date()
        signal(s)
        let exited = waitUntil(timeout: timeout, poll: 0.02) { !self.process.isRunning }
        let took = Date().timeIntervalSince(start)
        guard exited else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return (nil, took)
        }
        process.waitUntilExit()
        return (process.terminationStatus, took)
    }
}

/// Polls `condition` until it holds or `timeout` seconds pass; returns whether it held.
@discardableResult
public func waitUntil(timeout: Double, poll: Double = 0.1, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(UInt32(poll * 1e6))
    }
    return condition()
}
