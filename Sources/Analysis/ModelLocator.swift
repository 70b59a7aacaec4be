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
        // The running binary itself (/proc/self/exe), not argv[0]: `vigil` started through PATH has no folder there.
        let exe = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                      ?? CommandLine.arguments.first ?? "vigil").resolvingSymlinksInPath()
        let installed = exe.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/vigil/models")
        if FileManager.default.fileExists(atPath: installed.path) { return installed }
        return URL(fileURLWithPath: "samples/models")
    }

    /// The models `detect.models` names, one instance per slot of `pool` (nil when none is
    /// configured). A missing or unusable model throws a `DetectorError` (a configuration error: exit 78).
    public static func detectors(for detect: DetectionSettings, pool: InferencePool, threads: Int = 1) throws -> DetectorBank? {
        guard !detect.models.isEmpty else { return nil }
        return try DetectorBank.load(detect: detect, modelsDirectory: directory(), pool: pool, threads: threads)
    }
}
