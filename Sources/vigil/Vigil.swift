import ArgumentParser
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
}
