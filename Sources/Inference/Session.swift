import VigilCore
import Foundation

/// An ONNX model prepared for inference: load, prepare once, run many times.
///
/// Thread safety: `run` calls are serialised by an internal lock (one inference at a time per
/// session; each run may use `threads` cores). Create one session per concurrent stream for parallelism.
public final class Session: @unchecked Sendable {
    // @unchecked: all mutable state (arena, scratch) is touched only under `lock`.
    public struct Options: Sendable {
        /// Threads for one inference (the caller and the session's own helper threads). Default: active processor count.
        public var threads: Int
        /// Inputs fixed at load time (e.g. integer inputs of operator tests); they are folded as constants.
        public var boundInputs: [String: Tensor]
        /// Static shapes for inputs declared with dynamic dimensions.
        public var inputShapes: [String: [Int]]

        public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    boundInputs: [String: Tensor] = [:], inputShapes: [String: [Int]] = [:]) {
            self.threads = threads
            self.boundInputs = boundInputs
            self.inputShapes = inputShapes
        }
    }

    public let inputs: [ValueDescription]
    public let outputs: [ValueDescription]
    /// Operator counts of the model as loaded.
    public let operatorCounts: [String: Int]
    /// Float parameters (initializers) of the model.
    public let parameterCount: Int
    /// Operators left after folding and fusion, in execution order.
    public let executionPlan: [String]
    /// Multiply-accumulate ×2 of the convolutions, matrix products and Gemms per run.
    public let flops: Int
    /// Bytes of the activation arena (after reuse) and what it would take without reuse.
    public let arenaBytes: Int
    public let unplannedBytes: Int
    /// Values that live inside another's block (no copy: Concat inputs, Split outputs, Reshape outputs).
    public let viewCount: Int
    public let threads: Int
    /// How many prepared steps run in which arithmetic: `int8` (integer convolutions and matrix products:
    /// QLinearConv, including each rewritten QDQ island, QLinearMatMul, ConvInteger, MatMulInteger),
    /// `int8_lookup` (element-wise chains as 256-entry tables), `int8_add` (quantised Add), `int8_pad` (byte Pad),
    /// `int8_move` (Transpose, Reshape, Concat, … on bytes), `quantize`, `dequantize` and `float`.
    public let precisionCounts: [String: Int]
    /// The GEMM behind Conv and MatMul, e.g. "Vigil AVX2 (Conv, int8 AVX-VNNI), OpenBLAS SkylakeX (MatMul, Gemm)"
    /// (the float kernels' level, then the integer kernels' one) or "Swift fallback".
    public static var gemmImplementation: String {
        FastKernels.available
            ? "Vigil \(FastKernels.name) (Conv, int8 \(QuantizedConv.levelName)), \(BLAS.shared.implementation) (MatMul, Gemm)"
            : BLAS.shared.implementation
    }

    private let steps: [Step]
    /// Per step: the prepared node name, with the kernel path of convolutions ("[reference]" for the Swift fallback).
    let profileNames: [String]
    private let stepInputs: [[UnsafeMutablePointer<Float>]]
    private let stepOutputs: [[UnsafeMutablePointer<Float>]]
    /// The activation arena: 64-byte aligned (see init).
    let arena: UnsafeMutablePointer<Float>
    private let arenaCount: Int
    private let constantBlocks: [UnsafeMutablePointer<Float>]
    private let inputPointers: [UnsafeMutablePointer<Float>]
    /// Per output: where to read it at the end of a run, or its constant value.
    private let outputSources: [(pointer: UnsafeMutablePointer<Float>?, constant: Tensor?)]
    private let context: ExecutionContext
    private let lock = NSLock()

    public convenience init(contentsOf url: URL, options: Options = Options()) throws {
        try self.init(model: try Model(contentsOf: url), options: options)
    }

    public convenience init(serialized data: Data, options: Options = Options()) throws {
        try self.init(model: try Model(serialized: data), options: options)
    }

    init(model: Model, options: Options) throws {
        let g = try GraphPreparation.prepare(model, bound: options.boundInputs, inputShapes: options.inputShapes)
        inputs = g.inputs
        outputs = g.outputs
        operatorCounts = g.operatorCounts
        parameterCount = g.parameterCount
        steps = g.steps
        threads = max(1, options.threads)
        executionPlan = g.steps.map { $0.node.preparedName }
        profileNames = g.steps.map { s in
            (s.kernel as? PathDescribing).map { "\(s.node.preparedName) [\($0.pathDescription)]" } ?? s.node.preparedName
        }
        flops = g.steps.reduce(0) { $0 + (($1.kernel as? FlopCounting)?.flops ?? 0) }
        precisionCounts = g.steps.reduce(into: [:]) { counts, step in counts[QuantizedGraph.precision(of: step.kernel), default: 0] += 1 }

        let outputNames = Set(g.outputs.map(\.name))
        let views = MemoryPlan.views(steps: g.steps, values: g.values, inputs: Set(g.inputs.map(\.name)),
                                     outputs: outputNames)
        let plan = MemoryPlan(steps: g.steps, values: g.values, inputs: g.inputs.map(\.name), outputs: outputNames,
                              views: views)
        viewCount = views.count
        arenaCount = plan.size
        arenaBytes = plan.size * 4
        unplannedBytes = plan.unplannedSize * 4
        let base = Self.allocateArena(plan.size)
        arena = base

        // Constants read by run-time steps get pinned float copies.
        var blocks: [UnsafeMutablePointer<Float>] = []
        var constantPointers: [String: UnsafeMutablePointer<Float>] = [:]
        let dummy = UnsafeMutablePointer<Float>.allocate(capacity: 16)
        dummy.initialize(repeating: 0, count: 16)
        blocks.append(dummy)
        /// Float kernels read constants as float32; integer kernels in their own layout (`QuantData.block`).
        func pointer(_ name: String, integer: Bool = false) -> UnsafeMutablePointer<Float> {
            if name.isEmpty { return dummy }
            if let o = plan.offsets[name] { return base + o }
            let key = integer ? "int:" + name : name
            if let p = constantPointers[key] { return p }
            let c = g.values[name]?.constant
            let p = QuantData.block(integer ? c : c.map { Tensor(shape: $0.shape, floats: $0.floats) })
            blocks.append(p)
            constantPointers[key] = p
            return p
        }
        var ins: [[UnsafeMutablePointer<Float>]] = []
        var outs: [[UnsafeMutablePointer<Float>]] = []
        // Kernels with optional outputs the node does not name still need somewhere to write.
        var extra = 16
        for s in g.steps {
            for i in 0..<s.kernel.outputInfos.count where i >= s.node.outputs.count || s.node.outputs[i].isEmpty {
                extra = max(extra, s.kernel.outputInfos[i].count)
            }
        }
        let sink = UnsafeMutablePointer<Float>.allocate(capacity: extra)
        sink.initialize(repeating: 0, count: extra)
        blocks.append(sink)
        for s in g.steps {
            ins.append(s.node.inputs.map { pointer($0, integer: s.kernel is IntegerKernel) })
            outs.append((0..<s.kernel.outputInfos.count).map { i in
                i < s.node.outputs.count && !s.node.outputs[i].isEmpty ? pointer(s.node.outputs[i]) : sink
            })
        }
        stepInputs = ins
        stepOutputs = outs
        var inPtrs: [UnsafeMutablePointer<Float>] = []
        for d in g.inputs { inPtrs.append(pointer(d.name)) }
        inputPointers = inPtrs
        var sources: [(pointer: UnsafeMutablePointer<Float>?, constant: Tensor?)] = []
        for d in g.outputs {
            if let c = g.values[d.name]?.constant { sources.append((nil, c)) } else { sources.append((pointer(d.name), nil)) }
        }
        outputSources = sources
        constantBlocks = blocks
        let scratch = g.steps.reduce(0) { max($0, $1.kernel.scratchFloats) }
        let chunkScratch = g.steps.reduce(0) { max($0, $1.kernel.chunkScratchFloats) }
        context = ExecutionContext(threads: threads, scratchFloats: scratch, chunkScratchFloats: chunkScratch)
    }

    /// `count` zeroed floats, cache-line aligned (the plan's blocks start at multiples of 16 floats): two threads
    /// writing neighbouring pixel tiles of a map whose rows are whole lines (56×56 and 112×112 bytes in int8) never
    /// share a line.
    private static func allocateArena(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(1, count))
        p.initialize(repeating: 0, count: count)
        return p
    }

    deinit {
        arena.deallocate()
        for b in constantBlocks { b.deallocate() }
    }

    /// Runs with caller-owned buffers, in the order of `inputs` and `outputs`; allocates nothing.
    /// Constant outputs of integer type are written converted to float.
    public func run(inputs x: [UnsafeBufferPointer<Float>], outputs y: [UnsafeMutableBufferPointer<Float>]) throws {
        guard x.count == inputs.count, y.count == outputs.count else {
            throw InferenceError.badInput("expected \(inputs.count) inputs and \(outputs.count) outputs")
        }
        for (i, d) in inputs.enumerated() where x[i].count != d.shape.reduce(1, *) {
            throw InferenceError.badInput("input '\(d.name)' needs \(d.shape.reduce(1, *)) values, got \(x[i].count)")
        }
        for (i, d) in outputs.enumerated() where y[i].count != d.shape.reduce(1, *) {
            throw InferenceError.badInput("output '\(d.name)' has \(d.shape.reduce(1, *)) values, buffer holds \(y[i].count)")
        }
        lock.lock()
        defer { lock.unlock() }
        // OpenBLAS runs single-threaded inside our own tiles: one thread pool (the session's), no
        // spinning BLAS workers competing with it.
        ExecutionContext.setBLASThreads(1)
        for (i, b) in x.enumerated() where b.count > 0 {
            inputPointers[i].update(from: b.baseAddress!, count: b.count)
        }
        for i in steps.indices {
            steps[i].kernel.run(stepInputs[i], stepOutputs[i], context)
        }
        for (i, src) in outputSources.enumerated() where y[i].count > 0 {
            if let p = src.pointer, outputs[i].elementType != .float32 {
                // An integer output (e.g. a model ending in QuantizeLinear) is converted to float.
                let v = QuantData.load(UnsafeRawPointer(p), outputs[i].elementType, count: y[i].count)
                for j in v.indices { y[i][j] = Float(v[j]) }
            } else if let p = src.pointer {
                y[i].baseAddress!.update(from: p, count: y[i].count)
            } else if let c = src.constant {
                _ = y[i].update(fromContentsOf: c.floats)
            }
        }
    }

    /// One prepared operator type of a profile: mean milliseconds per run (the calling thread's CPU time
    /// with one thread, so time other processes held the core is not counted; wall time with more), its
    /// arithmetic per run (2 × multiply-accumulates; 0 for operators that count none) and its nodes per run.
    public struct ProfileEntry: Sendable {
        public var op: String
        public var ms: Double
        public var flops: Int
        public var nodes: Int
        /// GFLOP/s of this operator type (0 without a FLOP count or time).
        public var gflops: Double { ms > 0 ? Double(flops) / (ms * 1e6) : 0 }
    }

    /// Runs `iterations` times on the current arena contents and returns, per prepared operator (e.g.
    /// `Conv+SiLU`; convolutions also name their path, `Conv+Clip [depthwise 5x5 s1 packed]`), the mean time
    /// and the FLOPs per run, largest time first.
    public func profile(iterations: Int) -> [ProfileEntry] {
        lock.lock()
        defer { lock.unlock() }
        ExecutionContext.setBLASThreads(1)
        let clock = threads == 1 ? Session.threadCPUNanoseconds : MonotonicClock.nanoseconds
        var totals: [String: ProfileEntry] = [:]
        for i in steps.indices {
            let flops = (steps[i].kernel as? FlopCounting)?.flops ?? 0
            totals[profileNames[i], default: ProfileEntry(op: profileNames[i], ms: 0, flops: 0, nodes: 0)].flops += flops
            totals[profileNames[i]]!.nodes += 1
        }
        for _ in 0..<max(1, iterations) {
            for i in steps.indices {
                let t0 = clock()
                steps[i].kernel.run(stepInputs[i], stepOutputs[i], context)
                let t1 = clock()
                totals[profileNames[i]]!.ms += Double(t1 &- t0) / 1e6
            }
        }
        return totals.values.map { e in
            var e = e
            e.ms /= Double(max(1, iterations))
            return e
        }.sorted { $0.ms > $1.ms }
    }

    /// CPU time the calling thread has used (`ThreadCPUClock`), nanoseconds.
    public static func threadCPUNanoseconds() -> UInt64 { ThreadCPUClock.nanoseconds() }

    /// Runs with named inputs; returns named outputs (allocates the result arrays).
    public func run(_ feeds: [String: Tensor]) throws -> [String: Tensor] {
        var xs: [[Float]] = []
        for d in inputs {
            guard let t = feeds[d.name] else { throw InferenceError.badInput("missing input '\(d.name)'") }
            guard t.shape == d.shape else {
                throw InferenceError.badInput("input '\(d.name)' has shape \(t.shape), the model expects \(d.shape)")
            }
            xs.append(t.floats)
        }
        var ys = outputs.map { [Float](repeating: 0, count: $0.shape.reduce(1, *)) }
        try Session.withBuffers(xs, &ys) { xb, yb in try run(inputs: xb, outputs: yb) }
        var result: [String: Tensor] = [:]
        for (i, d) in outputs.enumerated() {
            if let c = outputSources[i].constant { result[d.name] = c } else {
                result[d.name] = d.elementType == .float32 ? Tensor(shape: d.shape, floats: ys[i])
                    : Tensor(shape: d.shape, int64s: ys[i].map { Int64($0) }, elementType: d.elementType)
            }
        }
        return result
    }

    /// Runs `body` on contiguous copies of `xs` and zeroed buffers shaped like `ys`, then copies the results
    /// back into `ys`, so that no array pointer escapes its closure (tests, benchmarks, one-off runs).
    public static func withBuffers(_ xs: [[Float]], _ ys: inout [[Float]],
                                   _ body: ([UnsafeBufferPointer<Float>], [UnsafeMutableBufferPointer<Float>]) throws -> Void)
        throws {
        let xp = xs.map { a -> UnsafeMutableBufferPointer<Float> in
            let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: a.count)
            _ = p.initialize(from: a)
            return p
        }
        let yp = ys.map { a -> UnsafeMutableBufferPointer<Float> in
            let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: a.count)
            p.initialize(repeating: 0)
            return p
        }
        defer {
            for p in xp { p.deallocate() }
            for p in yp { p.deallocate() }
        }
        try body(xp.map { UnsafeBufferPointer($0) }, yp)
        for i in ys.indices { ys[i] = Array(yp[i]) }
    }
}

/// Kernels that report their arithmetic (2 × multiply-accumulates) for `nn info` and GFLOP/s.
protocol FlopCounting {
    var flops: Int { get }
}

/// Kernels that name the path they run (`--profile`, `nn info`), e.g. "3x3 s1 implicit AVX-512".
protocol PathDescribing {
    var pathDescription: String { get }
}
