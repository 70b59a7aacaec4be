import Foundation
import Testing
import TestSupport

/// `VIGIL_NN_ISA` and `VIGIL_HOG_ISA` as a user sets them: a value that names no cap (a typo would otherwise mean
/// "no cap", this CPU's best) is refused by every command before it starts, with the variable, the value and the
/// accepted values on stderr and exit 64; each accepted value runs.
@Suite struct InstructionSetEnvironmentTests {
    static let model = Fixtures.repoRoot.appendingPathComponent("samples/models/blazeface_short_128/model.onnx").path
    static let models = Fixtures.repoRoot.appendingPathComponent("samples/models").path

    /// One invocation of each command that runs inference (they parse: the check comes after parsing).
    static let commands: [[String]] = [
        ["run", "--config", "vigil.yaml"], ["replay", "clip.mp4"], ["detect", "photo.jpg"], ["nn", "info", model],
        ["nn", "bench", model, "--iterations", "1"], ["nn", "test", "cases"], ["bench", "nn", model],
        ["bench", "hog", "clip.avi"],
    ]

    static let nnAccepted = "accepted: none, avx2, avxvnni, avx512"
    static let hogAccepted = "accepted: none, baseline, avx2, avxvnni, avx512"
    static let badValues: [(variable: String, value: String, accepted: String)] =
        ["avx-512", "AVX2", "avx2 ", "sse", "avx512vnni", ""].map { ("VIGIL_NN_ISA", $0, nnAccepted) }
        + ["avx-512", "AVX2", "sse4", ""].map { ("VIGIL_HOG_ISA", $0, hogAccepted) }

    @Test(arguments: badValues)
    func anUnknownCapIsRefusedByEveryCommand(_ bad: (variable: String, value: String, accepted: String)) {
        for args in Self.commands {
            let r = vigil(args, environment: [bad.variable: bad.value])
            #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("\(bad.variable)='\(bad.value)' is not an instruction-set cap"), "\(args): \(r.stderr)")
            #expect(r.stderr.contains(bad.accepted), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(args): \(r.stdout)")
        }
    }

    /// `--help` and `--version` still answer.
    @Test func helpAndVersionAnswerUnderABadCap() {
        for args in [["--version"], ["detect", "--help"], ["bench", "nn", "--help"]] {
            let r = vigil(args, environment: ["VIGIL_NN_ISA": "avx-512"])
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
    }

    /// Every accepted value runs `vigil nn info`, and names the kernels it caps: `avx512` what unset gives (the best
    /// this CPU has, even without AVX-512: a cap above the CPU is valid), `none` no C kernels, `avx2` the AVX2 ones
    /// for float and int8 alike (where the CPU has them).
    @Test func everyNNCapRuns() throws {
        /// `vigil nn info`'s "kernels" with VIGIL_NN_ISA set to `value`, or unset (nil: not inherited either).
        func kernels(_ value: String?) throws -> String {
            let args = ["nn", "info", Self.model]
            let r = value.map { vigil(args, environment: ["VIGIL_NN_ISA": $0]) }
                ?? run("/usr/bin/env", ["-u", "VIGIL_NN_ISA", Fixtures.vigil] + args)
            #expect(r.status == 0, "\(value ?? "unset"): \(r.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            return try #require(json?["kernels"] as? String, "\(value ?? "unset"): \(r.stdout)")
        }
        let best = try kernels(nil)
        #expect(try kernels("avx512") == best)
        #expect(try !kernels("none").contains("Vigil"))
        let avx2 = try kernels("avx2"), avxvnni = try kernels("avxvnni")
        if best.hasPrefix("Vigil") {
            #expect(avx2.hasPrefix("Vigil AVX2 (Conv, int8 AVX2)"), "\(avx2)")
            #expect(avxvnni.hasPrefix("Vigil AVX2 (Conv, int8 AVX"), "\(avxvnni)")
        }
    }

    /// Every accepted value runs the HOG people detector (`vigil detect --model hog_people` on a plain frame).
    @Test(arguments: ["none", "baseline", "avx2", "avxvnni", "avx512"])
    func everyHOGCapRuns(_ value: String) {
        let p = makeTemporaryDirectory("hog-cap").appendingPathComponent("plain.png").path
        let made = run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=96x80", "-frames:v", "1", p])
        #expect(made.status == 0, "\(made.stderr)")
        let r = vigil(["detect", p, "--model", "hog_people"], environment: ["VIGIL_MODELS": Self.models, "VIGIL_HOG_ISA": value])
        #expect(r.status == 0, "\(value): \(r.stderr)")
    }
}
