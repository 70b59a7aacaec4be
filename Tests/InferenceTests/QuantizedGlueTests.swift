import TestSupport
import Foundation
import Testing
@testable import Inference
import CInferenceKernels

/// The integer glue between quantised convolutions (QuantizationGlue.swift): small QDQ graphs made at test time by
/// scripts/make_qglue_cases.py, each run against ONNX Runtime's output of the same model and against the float
/// reference (the same operators in numpy on the dequantised inputs) — every value within one output quantisation
/// step of both — with the same bytes at every instruction-set level, and with the operators the rewrite must have
/// taken (or left in float) named in the execution plan. Needs python3 with onnx and onnxruntime (install-deps.sh).
@Suite struct QuantizedGlueTests {
    static let cases = [
        "add_clip_u8", "add_relu_s8", "add_mixed_types", "add_broadcast_stays_float",
        "pad_folds_into_conv", "pad_fill_kept_in_bytes", "pad_before_output", "pad_reflect_stays_float",
        "concat_moves_bytes", "transpose_reshape_move_bytes", "conv_clip_lookup_folds",
        "resize_reads_lookup_bytes", "resize_float_then_quantize", "pad_folds_into_two_convs",
    ]

    struct Expectation: Decodable {
        var step: Double
        var precision: [String: Int]
        var plan_has: [String]
        var plan_lacks: [String]
    }

    /// The fixture script's output folder, made once per test process (nil when the script failed).
    static let fixtures: URL? = {
        let out = makeTemporaryDirectory("qglue")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", repositoryRoot.appendingPathComponent("scripts/make_qglue_cases.py").path, out.path]
        p.standardOutput = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        return p.terminationStatus == 0 ? out : nil
    }()

    @Test(arguments: cases)
    func matchesONNXRuntimeAndFloatAtEveryLevel(_ name: String) throws {
        let dir = try #require(Self.fixtures, "scripts/make_qglue_cases.py failed").appendingPathComponent(name)
        let expect = try JSONDecoder().decode(Expectation.self, from: Data(contentsOf: dir.appendingPathComponent("case.json")))
        let session = try Session(contentsOf: dir.appendingPathComponent("model.onnx"), options: .init(threads: 2))
        for (kind, n) in expect.precision {
            #expect(session.precisionCounts[kind, default: 0] == n, "\(name): \(kind) in \(session.precisionCounts)")
        }
        let plan = session.executionPlan.map { $0.split(separator: "+").first.map(String.init) ?? $0 }
        for op in expect.plan_has { #expect(plan.contains(op), "\(name): no \(op) in \(session.executionPlan)") }
        for op in expect.plan_lacks { #expect(!plan.contains(op), "\(name): \(op) in \(session.executionPlan)") }

        let set = dir.appendingPathComponent("test_data_set_0")
        var feeds: [String: Tensor] = [:]
        for (i, d) in session.inputs.enumerated() {
            feeds[d.name] = try TensorFile.read(set.appendingPathComponent("input_\(i).pb")).tensor
        }
        let levels: [Int32] = [0, 1, 2]
        let results = try levels.map { level in try ISALevel.at(level) { try session.run(feeds)["out"]!.floats } }
        for (level, r) in zip(levels, results) { #expect(r == results[0], "\(name): level \(level) differs from level 0") }

        let ort = try TensorFile.read(set.appendingPathComponent("output_0.pb")).tensor.floats
        let float = try TensorFile.read(dir.appendingPathComponent("float_output_0.pb")).tensor.floats
        let got = results[0], step = Float(expect.step) * 1.0001 + 1e-5
        try #require(got.count == ort.count && got.count == float.count)
        let offORT = zip(got, ort).filter { abs($0 - $1) > step }.count
        let offFloat = zip(got, float).filter { abs($0 - $1) > step }.count
        let unequal = zip(got, ort).filter { $0 != $1 }.count
        #expect(offORT == 0, "\(name): \(offORT) of \(got.count) values more than one step from ONNX Runtime")
        #expect(offFloat == 0, "\(name): \(offFloat) of \(got.count) values more than one step from the float reference")
        // ONNX Runtime runs its own fused QLinear kernels; ties round differently now and then (a few % at most).
        #expect(unequal * 10 <= got.count, "\(name): \(unequal) of \(got.count) values differ from ONNX Runtime")
    }

    /// QuantizedResize (Resize → QuantizeLinear in one pass) gives the bytes of the float Resize followed by
    /// QuantizeLinear, reading floats or bytes through a 256-float table, on one thread and on two (37 planes: several
    /// chunks). Its arithmetic is the float path's in the same order, so equality is exact.
    @Test(arguments: [("linear", "half_pixel"), ("linear", "asymmetric"), ("nearest", "half_pixel")])
    func resizeThenQuantizeInOnePassIsExact(_ mode: String, _ coordinate: String) throws {
        let shape = [1, 37, 7, 9], count = 37 * 7 * 9
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 73 &+ $0 / 9) }
        let table = (0..<256).map { Float($0 % 97) * 0.0731 - 2.5 }
        let floats = bytes.map { table[Int($0)] }
        let roi = ValueInfo(shape: [0], type: .float32, constant: Tensor(shape: [0], floats: []))
        let scales = ValueInfo(shape: [4], type: .float32, constant: Tensor(shape: [4], floats: [1, 1, 2, 2]))
        let attributes: [String: Attribute] = ["mode": .string(mode), "coordinate_transformation_mode": .string(coordinate)]
        var floatCtx = NodeContext(node: Node(name: "r", opType: "Resize", domain: "", inputs: ["x", "roi", "scales"],
                                              outputs: ["y"], attributes: attributes),
                                   opset: 13, inputs: [ValueInfo(shape: shape, type: .float32), roi, scales])
        let resize = try ResizeKernel(&floatCtx)
        let outCount = resize.outputInfos[0].count
        var resized = [Float](repeating: 0, count: outCount)
        var expected = [UInt8](repeating: 0, count: outCount)
        var input = floats
        let one = ExecutionContext(threads: 1, scratchFloats: 16, chunkScratchFloats: resize.chunkScratchFloats)
        input.withUnsafeMutableBufferPointer { x in
            resized.withUnsafeMutableBufferPointer { y in resize.run([x.baseAddress!], [y.baseAddress!], one) }
        }
        vk_quantize_f32(resized, &expected, outCount, 0.021, 7, 0)
        #expect(Set(expected).count > 50, "too few distinct bytes to compare anything")
        let quantized: [String: Attribute] = ["y_scale": .float(0.021), "y_zero_point": .int(7), "y_signed": .int(0)]
        for viaTable in [false, true] {
            let tableInfo = ValueInfo(shape: [256], type: .float32, constant: Tensor(shape: [256], floats: table))
            let node = Node(name: "q", opType: "QuantizedResize", domain: QuantizedGraph.domain,
                            inputs: ["x", "roi", "scales"] + (viaTable ? ["", "table"] : []), outputs: ["y"],
                            attributes: attributes.merging(quantized) { a, _ in a })
            var ctx = NodeContext(node: node, opset: 13, inputs: [ValueInfo(shape: shape, type: viaTable ? .uint8 : .float32),
                                                                  roi, scales] + (viaTable ? [nil, tableInfo] : []))
            let kernel = try QuantizedResizeKernel(&ctx)
            try ctx.finish()
            for threads in [1, 2] {
                let exec = ExecutionContext(threads: threads, scratchFloats: 16, chunkScratchFloats: kernel.chunkScratchFloats)
                var got = [UInt8](repeating: 0xA5, count: outCount)
                var inBytes = bytes, inFloats = floats
                got.withUnsafeMutableBytes { y in
                    let out = y.baseAddress!.assumingMemoryBound(to: Float.self)
                    if viaTable {
                        inBytes.withUnsafeMutableBytes { x in kernel.run([x.baseAddress!.assumingMemoryBound(to: Float.self)], [out], exec) }
                    } else {
                        inFloats.withUnsafeMutableBufferPointer { x in kernel.run([x.baseAddress!], [out], exec) }
                    }
                }
                let differ = zip(got, expected).filter { $0 != $1 }.count
                #expect(differ == 0, "\(mode) \(coordinate), table \(viaTable), \(threads) threads: \(differ) of \(outCount) bytes differ")
            }
        }
    }

    /// A strided copy in pieces of its outermost axis (how QuantizedMoveKernel splits a large Transpose or DepthToSpace
    /// over two threads) writes the bytes of the whole copy: a DepthToSpace (DCR, block 2) of 20 × 3 × 7 and a transpose.
    @Test func stridedCopyInPiecesEqualsTheWhole() {
        let views = [StridedCopy(dims: [5, 3, 2, 7, 2], srcStrides: [21, 7, 210, 1, 105]),
                     StridedCopy(dims: [7, 4, 6], srcStrides: [1, 42, 7])]
        for v in views {
            let src = (0..<v.count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var whole = [UInt8](repeating: 0, count: v.count)
            v.copy(src, &whole)
            #expect(Set(whole).count == min(256, v.count), "the whole copy should take every source byte once")
            var pieces = [UInt8](repeating: 0xA5, count: v.count)
            for r in [0..<2, 2..<3, 3..<v.dims[0]] { v.copy(src, &pieces, outer: r) }
            #expect(pieces == whole, "\(v.dims): pieces differ from the whole copy")
        }
    }

    /// The 256-entry lookup kernel (vpermi2b at level 2 on a VBMI CPU, scalar otherwise) gives table[x] for every byte
    /// value, on lengths around the 64-byte step, at every level.
    @Test func lookupKernelMatchesTheTableAtEveryLevel() {
        var g = SystemRandomNumberGenerator()
        let table = (0..<256).map { _ in UInt8.random(in: 0...255, using: &g) }
        let x = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 256) }
        for level: Int32 in [0, 1, 2] {
            for n in [0, 1, 63, 64, 65, 127, 200, 1000] {
                var y = [UInt8](repeating: 0, count: n + 1)
                y[n] = 0xA5
                ISALevel.at(level) { vk_qlookup(table, x, &y, n) }
                #expect(Array(y[..<n]) == x[..<n].map { table[Int($0)] }, "level \(level), \(n) bytes")
                #expect(y[n] == 0xA5, "level \(level): wrote past \(n) bytes")
            }
        }
    }
}
