import Foundation
import Testing
import TestSupport

/// TestSupport's temporary folders: fresh for each caller, and `withTemporaryDirectory`'s gone when its body ends,
/// returning or throwing (makeTemporaryDirectory's at process exit: see TemporaryDirectory.swift).
@Suite struct TemporaryDirectoryTests {
    struct Failure: Error {}

    @Test func aScopedFolderIsFreshAndRemovedAfterItsBody() throws {
        let fm = FileManager.default
        let (kept, other) = try withTemporaryDirectory("scoped") { dir -> (URL, URL) in
            try Data("x".utf8).write(to: dir.appendingPathComponent("file"))
            #expect(fm.fileExists(atPath: dir.appendingPathComponent("file").path))
            let other = withTemporaryDirectory("scoped") { $0 }
            #expect(other != dir, "two callers share \(dir.path)")
            return (dir, other)
        }
        #expect(!fm.fileExists(atPath: kept.path), "\(kept.path) left behind")
        #expect(!fm.fileExists(atPath: other.path), "\(other.path) left behind")
        var thrown: URL?
        #expect(throws: Failure.self) {
            try withTemporaryDirectory("scoped-throws") { dir in thrown = dir; throw Failure() }
        }
        let path = try #require(thrown).path
        #expect(!fm.fileExists(atPath: path), "\(path) left behind after a throw")
    }

    @Test func processFoldersAreFresh() {
        let a = makeTemporaryDirectory("fresh"), b = makeTemporaryDirectory("fresh")
        #expect(a != b && FileManager.default.fileExists(atPath: a.path) && FileManager.default.fileExists(atPath: b.path))
    }
}
