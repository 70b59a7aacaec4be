import TestSupport
import CInferenceKernels
import Foundation
import Testing
@testable import Inference

/// Quantised versions of real detectors, made at test time by scripts/make_quantized_models.py
/// (ONNX Runtime's quantize_static: QDQ, per-channel int8 weights, uint8 or int8 activations, calibrated on
/// 16 frames of opencv-doc's vtest.avi), against ONNX Runtime's outputs of the same quantised model on a real
/// photo: every value of an output that is a dequantised tensor within one quantisation step (its scale), at
/// most 0.5 % of them not equal; the YOLO graph's decoded output within 1e-3. Every Conv of each model runs as
/// an int8 island, and two threads give the same bits as one. Needs VIGIL_OPENCV_DATA
/// (scripts/fetch-test-images.sh) and python3 with onnxruntime; VIGIL_NN_ALL_MODELS=1 adds the pose detector.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"] != nil))
struct QuantizedModelTests {
    struct Fixture: CustomStringConvertible, Sendable {
        var name: String, model: String, norm: String, image: String, activations: String
        var weights = "int8"
        var description: String { name }
    }

    static let fixtures: [Fixture] = [
        Fixture(name: "blazeface_short_128_u8", model: "samples/models/blazeface_short_128/model.onnx", norm: "mediapipe",
                image: "messi5.jpg", activations: "uint8"),
        Fixture(name: "blazeface_short_128_s8", model: "samples/models/blazeface_short_128/model.onnx", norm: "mediapipe",
                image: "messi5.jpg", activations: "int8"),
        // quantize_static with weight_type=QUInt8: uint8 weights with zero points, on the integer kernels too.
        Fixture(name: "blazeface_short_128_u8_uint8_weights", model: "samples/models/blazeface_short_128/model.onnx",
                norm: "mediapipe", image: "messi5.jpg", activations: "uint8", weights: "uint8"),
        Fixture(name: "ultralytics_v8_320_u8", model: "Tests/Fixtures/ultralytics_v8_320/model.onnx", norm: "yolo",
                image: "basketball1.png", activations: "uint8"),
    ] + (ProcessInfo.processInfo.environment["VIGIL_NN_ALL_MODELS"] == nil ? [] : [
        Fixture(name: "blazepose_detector_224_u8", model: "samples/models/blazepose_detector_224/model.onnx", norm: "mediapipe",
                image: "messi5.jpg", activations: "uint8"),
    ])

    /// Runs the fixture script into a fresh folder under the temporary directory, one per call (the suite's tests
    /// run in parallel and may make the same fixture at once), and `body` on it; the folder is removed after.
    static func withModel<T>(_ f: Fixture, _ body: (URL) throws -> T) throws -> T {
        try withTemporaryDirectory("quantized-\(f.name)") { out in try body(make(f, into: out)) }
    }

    static func make(_ f: Fixture, into out: URL) throws -> URL {
        let data = ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"]!
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", repositoryRoot.appendingPathComponent("scripts/make_quantized_models.py").path,
                       "--model", repositoryRoot.appendingPathComponent(f.model).path, "--norm", f.norm,
                       "--video", "\(data)/vtest.avi", "--image", "\(data)/\(f.image)", "--activations", f.activations, "--weights", f.weights,
                       out.path]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "make_quantized_models.py failed for \(f.name)")
        return out
    }

    /// Holds ISALevel's lock while it runs: a cap changed by another suite between the two-thread and the one-thread
    /// run (avxVnniGivesTheAVX2Bits of this suite runs at AVX2) would change float steps' bits.
    @Test(arguments: fixtures)
    func matchesONNXRuntimeWithinOneStep(_ f: Fixture) throws {
        try Self.withModel(f) { dir in try ISALevel.exclusive { try Self.compareWithONNXRuntime(f, dir) } }
    }

    static func compareWithONNXRuntime(_ f: Fixture, _ dir: URL) throws {
        let session = try Session(contentsOf: dir.appendingPathComponent("model.onnx"), options: .init(threads: 2))
        let floatSession = try Session(contentsOf: repositoryRoot.appendingPathComponent(f.model), options: .init(threads: 1))
        let convs = floatSession.operatorCounts["Conv"] ?? 0
        #expect(convs > 0 && session.precisionCounts["int8"] == convs, "\(session.precisionCounts) for \(convs) Convs")
        let reference = session.profileNames.filter { $0.contains("[reference]") }
        #expect(reference.isEmpty, "\(f.name): \(reference.count) convolutions on the Swift reference, not the kernels")
        let steps = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("steps.json"))) as! [String: Any]
        let set = dir.appendingPathComponent("test_data_set_0")
        let (_, input) = try TensorFile.read(set.appendingPathComponent("input_0.pb"))
        let outputs = try session.run([session.inputs[0].name: input])
        // The work split over two threads (convolution items, row pieces of the glue) changes no value: one thread
        // gives the same bits.
        let single = try Session(contentsOf: dir.appendingPathComponent("model.onnx"), options: .init(threads: 1))
        let one = try single.run([single.inputs[0].name: input])
        for d in session.outputs {
            let a = try #require(outputs[d.name]).floats, b = try #require(one[d.name]).floats
            let differ = zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(a.count == b.count && differ == 0, "\(f.name) \(d.name): \(differ) of \(a.count) values differ between 2 threads and 1")
        }
        for (i, d) in session.outputs.enumerated() {
            let (_, expected) = try TensorFile.read(set.appendingPathComponent("output_\(i).pb"))
            let a = try #require(outputs[d.name]).floats, e = expected.floats
            try #require(a.count == e.count)
            if let step = steps[d.name] as? Double {
                let beyond = zip(a, e).filter { abs($0 - $1) > Float(step) * 1.0001 + 1e-4 }.count
                let unequal = zip(a, e).filter { abs($0 - $1) > 1e-4 + 1e-4 * abs($1) }.count
                #expect(beyond == 0, "\(f.name) \(d.name): \(beyond) of \(e.count) values more than one step (\(step)) off")
                #expect(unequal * 200 <= e.count, "\(f.name) \(d.name): \(unequal) of \(e.count) values differ")
            } else {
                let off = zip(a, e).filter { abs($0 - $1) > 1e-3 + 1e-3 * abs($1) }.count
                #expect(off == 0, "\(f.name) \(d.name): \(off) of \(e.count) values beyond 1e-3")
            }
        }
    }

    /// The outputs' bits of the fixture's model on `threads` threads under `cap`, and the integer level its convolutions
    /// report (prepared under that cap, so the profile names the level that runs).
    static func bits(_ url: URL, _ input: Tensor, cap: Int32, threads: Int) throws -> (bits: [[UInt32]], level: String, names: [String]) {
        try ISALevel.atCap(cap) {
            let s = try Session(contentsOf: url, options: .init(threads: threads))
            let out = try s.run([s.inputs[0].name: input])
            let bits = try s.outputs.map { try #require(out[$0.name]).floats.map(\.bitPattern) }
            return (bits, QuantizedConv.levelName, s.profileNames.filter { $0.contains(" int8 ") })
        }
    }

    /// The AVX-VNNI kernels (vpdpbusd on ymm) sum exactly, like the AVX-512 VNNI ones (QuantizedConvTests compares the
    /// two convolution by convolution): the whole model gives the same bits at AVX-VNNI as at AVX2, whose float
    /// kernels and glue are the same code (the AVX-512 float kernels round some float steps differently, so at
    /// AVX-512 whole-model bits are not comparable), on one thread and on two. The run must report AVX-VNNI in every
    /// integer convolution, so that a silent fallback cannot pass.
    @Test(.enabled(if: ISALevel.avxVnniReachable, "needs a CPU with AVX-VNNI (and VIGIL_NN_ISA unset, avx512 or avxvnni)"),
          arguments: fixtures)
    func avxVnniGivesTheAVX2Bits(_ f: Fixture) throws {
        try Self.withModel(f) { dir in
            let url = dir.appendingPathComponent("model.onnx")
            let (_, input) = try TensorFile.read(dir.appendingPathComponent("test_data_set_0/input_0.pb"))
            for threads in [1, 2] {
                let vnni = try Self.bits(url, input, cap: VK_CAP_AVXVNNI, threads: threads)
                try #require(vnni.level == "AVX-VNNI", "\(f.name): asked AVX-VNNI, the kernels run \(vnni.level)")
                let other = vnni.names.filter { !$0.contains("int8 AVX-VNNI") }
                #expect(!vnni.names.isEmpty && other.isEmpty, "\(f.name): \(other.count) convolutions not at AVX-VNNI")
                let avx2 = try Self.bits(url, input, cap: VK_CAP_AVX2, threads: threads)
                #expect(avx2.level == "AVX2" && avx2.names.allSatisfy { $0.contains("int8 AVX2") }, "\(f.name): \(avx2.level)")
                for (i, (a, b)) in zip(vnni.bits, avx2.bits).enumerated() {
                    let differ = zip(a, b).filter { $0 != $1 }.count
                    #expect(a.count == b.count && differ == 0,
                            "\(f.name) output \(i), \(threads) thread(s): \(differ) of \(a.count) values differ between AVX-VNNI and AVX2")
                }
            }
        }
    }
}
