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

    struct ResizeCase: Sendable, CustomStringConvertible {
        var mode: String, coordinate: String, size: [Int], factors: [Float]
        var description: String { "\(mode) \(coordinate) \(size) × \(factors)" }
    }

    static let resizeCases = [
        ResizeCase(mode: "linear", coordinate: "half_pixel", size: [7, 9], factors: [2, 2]),
        ResizeCase(mode: "linear", coordinate: "half_pixel", size: [7, 7], factors: [2, 2]),
        ResizeCase(mode: "linear", coordinate: "asymmetric", size: [7, 9], factors: [2, 2]),
        ResizeCase(mode: "nearest", coordinate: "half_pixel", size: [7, 9], factors: [2, 2]),
        ResizeCase(mode: "linear", coordinate: "half_pixel", size: [20, 23], factors: [0.6, 1.7]),
        ResizeCase(mode: "linear", coordinate: "align_corners", size: [5, 16], factors: [3, 1.5]),
        ResizeCase(mode: "nearest", coordinate: "asymmetric", size: [6, 17], factors: [0.5, 2.5]),
    ]

    /// QuantizedResize (Resize → QuantizeLinear in one pass, the C kernel vk_qresize_run) gives the bytes of the float
    /// Resize followed by QuantizeLinear, reading floats or bytes through a 256-float table, on one thread and on two
    /// (37 planes: several chunks), at every level: rows of up to 16 inputs (vpermps at level 2) and more (gathers),
    /// outputs in one vector, several and a tail, a downscale whose horizontal pass skips unread rows. Its arithmetic
    /// is the float path's in the same order, so equality is exact.
    @Test(arguments: resizeCases)
    func resizeThenQuantizeInOnePassIsExact(_ c: ResizeCase) throws {
        let (mode, coordinate, size, factors) = (c.mode, c.coordinate, c.size, c.factors)
        let shape = [1, 37] + size, count = shape.reduce(1, *)
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 73 &+ $0 / 9) }
        let table = (0..<256).map { Float($0 % 97) * 0.0731 - 2.5 }
        let floats = bytes.map { table[Int($0)] }
        let roi = ValueInfo(shape: [0], type: .float32, constant: Tensor(shape: [0], floats: []))
        let scales = ValueInfo(shape: [4], type: .float32, constant: Tensor(shape: [4], floats: [1, 1] + factors))
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
            for (level, threads) in [(0, 1), (1, 1), (2, 1), (2, 2)] as [(Int32, Int)] {
                let exec = ExecutionContext(threads: threads, scratchFloats: 16, chunkScratchFloats: kernel.chunkScratchFloats)
                var got = [UInt8](repeating: 0xA5, count: outCount + 1)
                var inBytes = bytes, inFloats = floats
                got.withUnsafeMutableBytes { y in
                    let out = y.baseAddress!.assumingMemoryBound(to: Float.self)
                    ISALevel.at(level) {
                        if viaTable {
                            inBytes.withUnsafeMutableBytes { x in kernel.run([x.baseAddress!.assumingMemoryBound(to: Float.self)], [out], exec) }
                        } else {
                            inFloats.withUnsafeMutableBufferPointer { x in kernel.run([x.baseAddress!], [out], exec) }
                        }
                    }
                }
                let differ = zip(got, expected).filter { $0 != $1 }.count
                #expect(differ == 0, "\(mode) \(coordinate) \(size) × \(factors), table \(viaTable), level \(level), \(threads) threads: \(differ) of \(outCount) bytes differ")
                #expect(got[outCount] == 0xA5, "wrote past the output")
            }
        }
    }

    /// The byte copy in C (vk_strided_copy_bytes, which StridedCopy.copy runs for bytes) moves what the generic copy
    /// moves (run on Int32 indices), whole and in pieces of the outermost axis, at every level: DepthToSpace DCR and
    /// CRD with blocks 2 (interleaved rows: SSE2, or AVX-512 masked at level 2, on widths around 8 and 16), 3 and 4,
    /// SpaceToDepth and transposes.
    @Test func byteCopyEqualsTheGenericCopyAtEveryLevel() {
        func view(_ shape: [Int], _ perm: [Int]) -> StridedCopy {
            var st = [Int](repeating: 1, count: shape.count)
            for d in stride(from: shape.count - 2, through: 0, by: -1) { st[d] = st[d + 1] * shape[d + 1] }
            return StridedCopy(dims: perm.map { shape[$0] }, srcStrides: perm.map { st[$0] })
        }
        var views: [StridedCopy] = []
        for (b, w) in [(2, 1), (2, 7), (2, 8), (2, 9), (2, 15), (2, 16), (2, 17), (2, 28), (2, 33), (3, 5), (4, 7), (4, 9)] {
            views.append(view([1, b, b, 3, 2, w], [0, 3, 4, 1, 5, 2]))  // DCR
            views.append(view([2, 3, b, b, 2, w], [0, 1, 4, 2, 5, 3]))  // CRD
        }
        views += [view([1, 3, 2, 2, 5, 2], [0, 3, 5, 1, 2, 4]), view([7, 4, 6], [1, 2, 0]), view([5, 9], [1, 0]), view([11], [0])]
        var interleaved = 0
        for v in views {
            let src = (0..<v.count).map { Int32($0) }
            var reference = [Int32](repeating: -1, count: v.count)
            v.copy(src, &reference)
            let bytes = src.map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }, want = reference.map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let r = v.dims.count
            if r >= 3, v.srcStrides[r - 2] == 1, (2...8).contains(v.dims[r - 1]) { interleaved += 1 }
            for level: Int32 in [0, 1, 2] {
                var whole = [UInt8](repeating: 0xA5, count: v.count + 1)
                ISALevel.at(level) { v.copy(bytes, &whole) }
                #expect(Array(whole[..<v.count]) == want && whole[v.count] == 0xA5, "\(v.dims) \(v.srcStrides), level \(level)")
                var pieces = [UInt8](repeating: 0xA5, count: v.count)
                let cuts = [0, v.dims[0] / 3, v.dims[0] / 2, v.dims[0]]
                ISALevel.at(level) { for i in 0..<3 { v.copy(bytes, &pieces, outer: cuts[i]..<cuts[i + 1]) } }
                #expect(pieces == want, "\(v.dims) \(v.srcStrides), level \(level): pieces")
            }
        }
        #expect(interleaved >= 20, "the interleaved rows ran in only \(interleaved) views")
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

    /// The lookup kernels' table: a fixed permutation of the bytes (167 is odd) without a fixed point, so that a byte
    /// left unmapped shows.
    static let lookupTable = (0..<256).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) }

    /// The lookup of rows (vk_qlookup_rows: rows `ld` apart, as a convolution's pixel tile writes them) maps each row's
    /// n bytes, in place, and leaves the bytes between rows alone, at every level, on row lengths around the 64-byte step.
    @Test func lookupOfRowsMapsEachRowAndNothingElse() {
        let table = Self.lookupTable
        for level: Int32 in [0, 1, 2] {
            for (rows, n, ld) in [(1, 49, 49), (3, 1, 5), (5, 63, 100), (4, 64, 64), (7, 65, 130), (2, 128, 200)] {
                let x = (0..<rows * ld).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 7) }
                var y = x
                ISALevel.at(level) { vk_qlookup_rows(table, y, &y, rows, n, ld) }
                let want = x.enumerated().map { $0.offset % ld < n ? table[Int($0.element)] : $0.element }
                #expect(y == want, "level \(level): \(rows) rows of \(n), \(ld) apart")
            }
        }
    }

    /// The 256-entry lookup kernel (vpermi2b at level 2 on a VBMI CPU, scalar otherwise) gives table[x] for every byte
    /// value, on lengths around the 64-byte step, at every level.
    @Test func lookupKernelMatchesTheTableAtEveryLevel() {
        let table = Self.lookupTable
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
