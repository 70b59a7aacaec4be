import Foundation
import Testing
import TestSupport

/// Replays must stay byte-identical across refactors: every case of Tests/Golden/cases.tsv (the sample clips and
/// opencv-doc's vtest.avi with an explicitly motion-only config, the rule scenes with their detector, tracker,
/// rules and snapshots, and vtest's first two seconds under all three shipped detectors) is replayed and its
/// alert lines and `--stats` (without the timing figures `wall_seconds`, `fps`, `peak_rss_mib`) are compared
/// with Tests/Golden/expected/, recorded from the code before the Pipeline refactor (issue 11).
///
/// `VIGIL_GOLDEN_RECORD=1` writes the expected files instead of comparing (only for a deliberate change of
/// behaviour: say why in the commit). Runs when VIGIL_OPENCV_DATA names opencv-doc's files, as scripts/test.sh does.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil), .serialized)
struct GoldenReplayTests {
    static let golden = Fixtures.repoRoot.appendingPathComponent("Tests/Golden")
    static let record = ProcessInfo.processInfo.environment["VIGIL_GOLDEN_RECORD"] == "1"

    /// The clips, made once per test process by scripts/golden-clips.sh.
    static let clips: URL = {
        let dir = makeTemporaryDirectory("golden-clips")
        let data = ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"]!
        let r = run("/bin/bash", [Fixtures.repoRoot.appendingPathComponent("scripts/golden-clips.sh").path, data, dir.path])
        precondition(r.status == 0, "golden-clips.sh failed: \(r.stderr)")
        return dir
    }()

    struct Case: CustomStringConvertible, Sendable {
        var name, clip, config: String
        var camera: String?
        var description: String { name }
    }

    static let cases: [Case] = {
        let text = (try? String(contentsOf: golden.appendingPathComponent("cases.tsv"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let f = line.split(separator: "\t").map(String.init)
            precondition(f.count == 4, "cases.tsv: \(line)")
            return Case(name: f[0], clip: f[1], config: f[2], camera: f[3] == "-" ? nil : f[3])
        }
    }()

    /// `--stats` without the figures that depend on timing or the machine.
    static func stableStats(_ stderr: String) -> String? {
        guard let line = stderr.split(separator: "\n").last(where: { $0.hasPrefix("{\"frames_decoded\"") }),
              let regex = try? Regex(#""(wall_seconds|fps|peak_rss_mib)":[^,}]*,?"#) else { return nil }
        var s = String(line).replacing(regex, with: "")
        if s.hasSuffix(",}") { s = String(s.dropLast(2)) + "}" }
        return s + "\n"
    }

    @Test func casesAreListed() {
        #expect(Self.cases.count >= 13, "Tests/Golden/cases.tsv has \(Self.cases.count) cases")
    }

    @Test(arguments: GoldenReplayTests.cases)
    func replayIsByteIdenticalToGolden(_ c: Case) throws {
        let dir = makeTemporaryDirectory("golden-\(c.name)")
        let snaps = dir.appendingPathComponent("snaps").path
        let template = try String(contentsOf: Self.golden.appendingPathComponent(c.config), encoding: .utf8)
        let cfg = dir.appendingPathComponent(c.config).path
        try template.replacingOccurrences(of: "SNAPSHOTS_DIR", with: snaps).write(toFile: cfg, atomically: true, encoding: .utf8)
        var args = ["replay", Self.clips.appendingPathComponent(c.clip).path, "--config", cfg, "--stats"]
        if let camera = c.camera { args += ["--camera", camera] }
        let r = vigil(args, environment: ["VIGIL_MODELS": Fixtures.repoRoot.appendingPathComponent("samples/models").path])
        #expect(r.status == 0, "\(c.name): \(r.stderr)")
        let alerts = r.stdout.replacingOccurrences(of: snaps, with: "SNAPSHOTS_DIR")
        let stats = try #require(Self.stableStats(r.stderr), "\(c.name): no --stats line in \(r.stderr)")
        let alertsFile = Self.golden.appendingPathComponent("expected/\(c.name).alerts.jsonl")
        let statsFile = Self.golden.appendingPathComponent("expected/\(c.name).stats.json")
        if Self.record {
            try alerts.write(to: alertsFile, atomically: true, encoding: .utf8)
            try stats.write(to: statsFile, atomically: true, encoding: .utf8)
            return
        }
        let wantAlerts = try String(contentsOf: alertsFile, encoding: .utf8)
        let wantStats = try String(contentsOf: statsFile, encoding: .utf8)
        #expect(!wantAlerts.isEmpty || c.name == "static" || c.name == "tamper-still", "\(c.name): the golden file is empty")
        if alerts != wantAlerts {
            let got = alerts.split(separator: "\n"), want = wantAlerts.split(separator: "\n")
            let first = Array(zip(got, want)).firstIndex { $0.0 != $0.1 } ?? min(got.count, want.count)
            Issue.record("""
                \(c.name): alerts differ from the golden file (\(got.count) lines, expected \(want.count)); first \
                difference at line \(first + 1):
                got:      \(first < got.count ? String(got[first]) : "(none)")
                expected: \(first < want.count ? String(want[first]) : "(none)")
                """)
        }
        #expect(stats == wantStats, "\(c.name): --stats")
    }
}
