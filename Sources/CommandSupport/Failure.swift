import ArgumentParser
import VigilCore

/// Runs a command body; a `UserFacingError` becomes one line on stderr and the contract's exit status.
package func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as any UserFacingError {
        Console.err("vigil: \(e.description)")
        throw ExitCode(e.exitStatus.rawValue)
    }
}

/// A command-line usage problem found after parsing (exit 64).
package struct UsageError: UserFacingError {
    package var message: String
    package var exitStatus: ExitStatus { .usage }
    package var description: String { message }

    package init(message: String) { self.message = message }
}

/// An input path that does not exist (exit 66). URLs (`scheme://`) are left to FFmpeg.
package func requireInputExists(_ input: String) throws {
    if input.contains("://") { return }
    var st = stat()
    if stat(input, &st) != 0 {
        throw MissingInput(path: input)
    }
}

/// The daemon could not start (exit 1).
package struct RunFailure: UserFacingError {
    package var message: String
    package var exitStatus: ExitStatus { .failure }
    package var description: String { message }

    package init(message: String) { self.message = message }
}

package struct MissingInput: UserFacingError {
    package var path: String
    package var exitStatus: ExitStatus { .noInput }
    package init(path: String) { self.path = path }
    package var description: String { "\(path): no such file" }
}

#if canImport(Glibc)
import Glibc
#endif

/// A command that runs the tensor engine's or the HOG detector's kernels (directly, through a detector, or in the
/// `vigil` processes it starts): `vigil` checks the instruction-set caps in the environment before running one.
package protocol RunsKernels: ParsableCommand {}
