import Config
import Detection
import Foundation

/// Where model names resolve and how a camera's detector is made from its `detect:` section.
///
/// Thread safety: stateless; safe from any thread.
public enum ModelLocator {
    /// The folder shipped model names (`blazeface_short_128`, …) resolve in: `$VIGIL_MODELS`, else
    /// `share/vigil/models` beside the installed binary (`/usr/local/bin/vigil` → `/usr/local/share/vigil/models`),
    /// else `samples/models` under the working directory (a source checkout).
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let d = environment["VIGIL_MODELS"], !d.isEmpty { return URL(fileURLWithPath: d) }
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "vigil").resolvingSymlinksInPath()
        let installed = exe.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/vigil/models")
        if FileManager.default.fileExists(atPath: installed.path) { return installed }
        return URL(fileURLWithPath: "samples/models")
    }

    /// The detector `detect.model` names (nil when none is configured). A missing or unusable model throws a
    /// `DetectorError` (a configuration error: exit 78).
    public static func detector(for detect: DetectConfig, threads: Int = 1) throws -> (any Detector)? {
        guard let model = detect.model else { return nil }
        return try DetectorLoader.load(DetectorLoader.resolve(model, modelsDirectory: directory()),
                                       labels: detect.labelNames, scoreThreshold: detect.minScore, threads: threads)
    }
}
