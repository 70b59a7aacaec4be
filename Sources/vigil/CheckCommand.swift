import ArgumentParser
import CommandSupport
import Config
import VigilCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a config file; errors name the key path and the line.",
        discussion: "Exit status: 0 valid; 66 no such file; 78 invalid."
    )

    @Argument(help: "The YAML config.")
    var config: String

    func run() throws {
        try reportingErrors {
            let c = try ConfigLoader.load(path: config, opensCameras: false)
            try c.validateForDaemon(file: config)
            for cam in c.cameras where cam.url.contains("${") {
                Console.err("vigil: \(config): camera \(cam.name): its url names an environment variable that is not set here; vigil run needs it")
            }
            let enabled = c.cameras.filter(\.enabled).count
            print("\(config): ok (\(c.cameras.count) camera\(c.cameras.count == 1 ? "" : "s"), \(enabled) enabled; alerts to \(c.alerts.path))")
        }
    }
}
