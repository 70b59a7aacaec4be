import ArgumentParser
import CommandSupport
import Foundation
import VigilBench
import VigilCore

@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Real-time video surveillance: watch streams and files, find and follow objects, write alerts.",
        version: "0.1.0",
        subcommands: [ReplayCommand.self, DetectCommand.self, RunCommand.self, CheckCommand.self, TailCommand.self, TrackCommand.self,
                      NNCommand.self, BenchCommand.self]
    )

    /// ArgumentParser's `main` with one step between parsing and running: every command that runs kernels
    /// (`RunsKernels`: run, replay, detect, nn, bench) refuses an unknown instruction-set cap in the environment
    /// (InstructionSetEnvironment) before it starts; the others, `--help` and `--version` answer as always.
    static func main() {
        do {
            var command = try parseAsRoot()
            if command is any RunsKernels {
                try reportingErrors { try InstructionSetEnvironment.check(ProcessInfo.processInfo.environment) }
            }
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
