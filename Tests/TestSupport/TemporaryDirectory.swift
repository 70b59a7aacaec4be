import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Temporary directories of the tests: each one fresh (`vigil-LABEL-PID-RANDOM`: two tests never share one, so none
// can delete another's files), and none left behind. `withTemporaryDirectory` removes its directory when its body
// returns; `makeTemporaryDirectory` when the test process exits (the directories of process-wide fixtures, made once
// and read by many tests, and of tests whose child processes write into them until the test's end).

/// A fresh directory for the rest of the test process, removed when the process exits (`exit`, as the test runner
/// ends; not after a crash).
public func makeTemporaryDirectory(_ label: String) -> URL {
    let dir = freshTemporaryDirectory(label)
    TemporaryDirectories.removeAtExit(dir)
    return dir
}

/// A fresh directory for `body`, removed (with everything in it) when `body` returns or throws.
public func withTemporaryDirectory<T>(_ label: String, _ body: (URL) throws -> T) rethrows -> T {
    let dir = freshTemporaryDirectory(label)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try body(dir)
}

/// A fresh path `vigil-LABEL-PID-RANDOM.EXTENSION` for a single file (nothing made there), removed when the process
/// exits.
public func makeTemporaryFile(_ label: String, extension ext: String) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("vigil-\(label)-\(getpid())-\(UUID().uuidString.prefix(8)).\(ext)")
    TemporaryDirectories.removeAtExit(url)
    return url
}

private func freshTemporaryDirectory(_ label: String) -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("vigil-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// The paths to remove when the process exits (an `atexit` handler, registered with the first path).
enum TemporaryDirectories {
    private static let paths = Mutex<[URL]>([])
    private static let handler: Void = { atexit { TemporaryDirectories.removeAll() } }()

    static func removeAtExit(_ url: URL) {
        _ = handler
        paths.withLock { $0.append(url) }
    }

    private static func removeAll() {
        for url in paths.withLock({ list in defer { list = [] }; return list }) {
            try? FileManager.default.removeItem(at: url)
        }
    }
}
