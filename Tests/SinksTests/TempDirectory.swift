import Foundation

/// A fresh directory under the temporary directory, removed by `remove()`.
struct TempDirectory {
    let url: URL
    var path: String { url.path }

    init(_ name: String = "vigil-sinks") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }
    func remove() { try? FileManager.default.removeItem(at: url) }
}
