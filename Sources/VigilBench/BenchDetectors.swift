/// The detectors a live-camera benchmark runs: `--model` parsed, and the label its figures carry.
///
/// Thread safety: stateless.
enum BenchDetectors {
    /// `--model a,b` → [a, b]; `none` → [] (motion only); absent → nil (the default detectors).
    static func parse(_ option: String?) -> [String]? {
        option.map { $0 == "none" ? [] : $0.split(separator: ",").map(String.init) }
    }

    /// "motion only", or the detectors' names joined by " + " and ", motion-gated".
    static func tag(_ names: [String]) -> String {
        names.isEmpty ? "motion only" : names.joined(separator: " + ") + ", motion-gated"
    }
}
