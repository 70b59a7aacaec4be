import Foundation
import Testing
import TestSupport
import VigilCore

/// `vigil bench`: every suite a subcommand with the shared options, figures on stdout, the load on stderr.
@Suite struct BenchCommandTests {
    /// A small real run of the ring suite: two figures as JSON, each beside its reference, and the machine's
    /// load before and after on stderr.
    @Test func ringSuiteRunsAndReportsTheLoad() throws {
        let r = vigil(["bench", "ring", "--items", "20000", "--capacity", "64", "--rounds", "2", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.count == 2, "\(r.stdout)")
        for line in r.lines {
            let v = try JSONValue.parse(line)
            #expect(v["reference"].map { $0.serialized().contains("Mutex<Deque>") } == true, "\(line)")
            guard case .double(let value)? = v["value"], case .double(let ratio)? = v["ratio"] else {
                Issue.record("no value or ratio: \(line)")
                continue
            }
            #expect(value > 0 && ratio > 0, "\(line)")
        }
        #expect(r.stderr.contains("bench ring: load before: "), "\(r.stderr)")
        #expect(r.stderr.contains("bench ring: load after: "), "\(r.stderr)")
        #expect(r.stderr.contains("cores ("), "the load line says whether the machine was quiet: \(r.stderr)")
        #expect(r.stderr.contains("round 1 (ring first)") && r.stderr.contains("round 2 (reference first)"),
                "both rounds ran, alternating which side goes first: \(r.stderr)")
    }

    @Test func everySuiteIsASubcommand() {
        let r = vigil(["bench", "--help"])
        #expect(r.status == 0)
        for suite in ["ingest", "ring", "track", "nn", "pipeline", "rules", "alerts", "nms", "detect", "hog", "mqtt",
                      "record", "api", "api-metrics", "mjpeg", "qconv"] {
            #expect(r.stdout.contains("\n  \(suite) "), "\(suite) missing from: \(r.stdout)")
        }
        let help = vigil(["bench", "nn", "--help"])
        for option in ["--rounds", "--threads", "--warm-up", "--json", "--max-load", "--iterations"] {
            #expect(help.stdout.contains(option), "\(option) missing from: \(help.stdout)")
        }
    }

    /// `vigil nn bench`, which `bench nn` runs in a child process for every Vigil measurement: `--warm-up` and
    /// `--iterations` are taken, and the JSON carries the exact `flops` and the times `bench nn` reads back.
    @Test func nnBenchPrintsWhatBenchNNReadsBack() throws {
        let model = Fixtures.repoRoot.appendingPathComponent("samples/models/blazeface_short_128/model.onnx").path
        let r = vigil(["nn", "bench", model, "--threads", "1", "--iterations", "2", "--warm-up", "0"])
        #expect(r.status == 0, "\(r.stderr)")
        let v = try JSONValue.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(v["iterations"] == .int(2), "\(r.stdout)")
        #expect(v["flops"] == .int(61_521_920), "\(r.stdout)")
        for key in ["median_ms", "p90_ms", "min_ms", "cpu_ms"] {
            guard case .double(let ms)? = v[key] else {
                Issue.record("no \(key): \(r.stdout)")
                continue
            }
            #expect(ms > 0, "\(key): \(r.stdout)")
        }
    }

    /// `bench pipeline` labels its figures with the detectors that ran: without `--model` the daemon's default
    /// set, with `--model none` motion only (a short run on a generated clip).
    @Test func pipelineFiguresNameTheDetectorsThatRan() throws {
        let clip = Fixtures.path("boxes.mp4")
        for (args, tag) in [([String](), "blazeface_full_192 + blazepose_detector_224 + hog_people, motion-gated"), (["--model", "none"], "motion only")] {
            let r = vigil(["bench", "pipeline", clip, "--seconds", "2", "--fps", "5", "--json"] + args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(r.lines.count == 3, "\(r.stdout)")
            for line in r.lines {
                let name = try JSONValue.parse(line)["name"].flatMap { v -> String? in if case .string(let s) = v { s } else { nil } }
                #expect(name?.contains("1 camera, \(tag)") == true, "\(args): \(line)")
            }
            #expect(r.stderr.contains("vigil: detectors: \(tag)"), "\(r.stderr)")
        }
    }

    /// Usage errors exit 64 with a message, before anything runs.
    @Test func badArgumentsAreUsageErrors() {
        let cases: [([String], String)] = [
            (["bench", "nosuch"], "nosuch"),
            (["bench", "ring", "--threads", "2"], "bench ring takes no --threads"),
            (["bench", "ring", "--warm-up", "1"], "bench ring takes no --warm-up"),
            (["bench", "ring", "--rounds", "0"], "--rounds must be at least 1"),
            (["bench", "ring", "--items", "x"], "--items"),
            (["bench", "nn"], "give ONNX models, --peak, or both"),
            (["bench", "nn", "m.onnx", "--iterations", "0"], "--iterations must be positive"),
            (["bench", "rules", "--tracks", "0"], "positive count"),
            (["bench", "track", "--objects", "10,x"], "is not a list of counts"),
            (["bench", "mqtt", "--broker", "http://x"], "--broker needs mqtt://HOST:PORT"),
            (["bench", "ring", "--max-load", "0"], "--max-load must be positive"),
        ]
        for (args, message) in cases {
            let r = vigil(args)
            #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(args)")
        }
    }
}
