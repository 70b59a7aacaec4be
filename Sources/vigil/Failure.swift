import ArgumentParser
import VigilCore

/// Runs a command body; a `UserFacingError` becomes one line on stderr and the contract's exit status.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as any UserFacingError {
        Console.err("vigil: \(e.description)")
        throw ExitCode(e.exitStatus.rawValue)
    }
}

/// A command-line usage problem found after parsing (exit 64).
struct UsageError: UserFacingError {
    var message: String
    var exitStatus: ExitStatus { .usage }
    var description: String { message }
}

/// An input path that does not exist (exit 66). URLs (`scheme://`) are left to FFmpeg.
func requireInputExists(_ input: String) throws {
    if input.contains("://") { return }
    var st = stat()
    if stat(input, &st) != 0 {
        throw MissingInput(path: input)
    }
}

/// The daemon could not start (exit 1).
struct RunFailure: UserFacingError {
    var message: String
    var exitStatus: ExitStatus { .failure }
    var description: String { message }
}

struct MissingInput: UserFacingError {
    var path: String
    var exitStatus: ExitStatus { .noInput }
    var description: String { "\(path): no such file" }
}

#if canImport(Glibc)
import Glibc
#endif
