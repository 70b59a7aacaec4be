import Foundation
import Testing
@testable import Inference

/// The shipped detectors against ONNX Runtime's outputs (samples/models/*/test_data_set_0).
@Suite struct ModelTests {
    static let models = repositoryRoot.appendingPathComponent("samples/models")

    @Test func blazefaceShortRangePasses() throws {
        let results = BackendTest().run(directory: Self.models.appendingPathComponent("blazeface_short_128"))
        #expect(results.count == 1)
        for r in results { #expect(r.outcome == .passed, "\(r.name): \(r.outcome)") }
    }

    /// The two larger models take seconds in a debug build: run with VIGIL_NN_ALL_MODELS=1 (CI does).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_NN_ALL_MODELS"] == "1"),
          arguments: [("blazeface_full_192", Float(1e-5)), ("blazepose_detector_224", Float(1e-3))])
    func largerModelsPass(_ name: String, _ atol: Float) throws {
        let results = BackendTest(atol: atol).run(directory: Self.models.appendingPathComponent(name))
        #expect(results.count == 1)
        for r in results { #expect(r.outcome == .passed, "\(r.name): \(r.outcome)") }
    }

    @Test func modelDescribesItself() throws {
        let s = try Session(contentsOf: Self.models.appendingPathComponent("blazeface_short_128/model.onnx"))
        #expect(s.inputs.map(\.name) == ["input"])
        #expect(s.inputs[0].shape == [1, 3, 128, 128])
        #expect(s.outputs.map(\.shape) == [[1, 896, 16], [1, 896, 1]])
        #expect(s.operatorCounts["Conv"] == 37)
        #expect(s.flops > 50_000_000)
    }

    /// The activation arena starts on a cache line (Session allocates it 64-byte aligned; the plan's blocks start at
    /// multiples of 16 floats), so that two threads writing neighbouring pixel tiles of a map whose rows are whole
    /// lines never share one. This arena is over 128 KiB, which malloc would place 16 bytes past a page boundary.
    @Test func arenaIsCacheLineAligned() throws {
        let s = try Session(contentsOf: Self.models.appendingPathComponent("blazeface_short_128/model.onnx"))
        #expect(s.arenaBytes > 131_072)
        #expect(Int(bitPattern: s.arena) % 64 == 0, "arena at \(s.arena)")
    }
}

/// A YOLO-shaped graph (scripts/make_yolo_graph.py) against ONNX Runtime.
@Suite struct YOLOShapedGraphTests {
    static let directory = repositoryRoot.appendingPathComponent("Tests/Fixtures/yolo_shaped_64")

    @Test func matchesONNXRuntime() throws {
        let results = BackendTest().run(directory: Self.directory)
        #expect(results.count == 1)
        for r in results { #expect(r.outcome == .passed, "\(r.name): \(r.outcome)") }
    }

    @Test func everyConvActivationIsFusedAndShapeArithmeticFolded() throws {
        let s = try Session(contentsOf: Self.directory.appendingPathComponent("model.onnx"))
        #expect(!s.executionPlan.contains("Shape"))
        #expect(!s.executionPlan.contains("Gather"))
        #expect(s.executionPlan.filter { $0.hasPrefix("Conv+SiLU") }.count == 63)
        #expect(s.executionPlan.contains("Conv+SiLU+Add"))
        #expect(s.outputs[0].shape == [1, 84, 84])
    }
}
