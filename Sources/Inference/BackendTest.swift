import Foundation

/// Runs ONNX backend test directories: `model.onnx` plus `test_data_set_*/input_*.pb` and
/// `output_*.pb`. Float outputs pass when |actual − expected| ≤ atol + rtol·|expected| element-wise
/// (NaN matches NaN); integer outputs must be equal. Non-float inputs are bound as load-time constants.
///
/// Thread safety: a value type; `run` is synchronous.
public struct BackendTest: Sendable {
    public enum Outcome: Sendable, Equatable {
        case passed
        case failed(String)
        /// The model uses an operator or attribute the engine does not implement.
        case unsupported(String)
    }

    public struct CaseResult: Sendable {
        public var name: String
        public var outcome: Outcome
        public var maxAbsoluteError: Float
    }

    public var rtol: Float
    public var atol: Float
    public var threads: Int

    public init(rtol: Float = 1e-3, atol: Float = 1e-5, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.rtol = rtol
        self.atol = atol
        self.threads = threads
    }

    /// One result per test data set of the directory (one failed result when the directory is unusable).
    public func run(directory: URL) -> [CaseResult] {
        let fm = FileManager.default
        let label = directory.lastPathComponent
        let modelURL = directory.appendingPathComponent("model.onnx")
        guard fm.fileExists(atPath: modelURL.path) else {
            return [CaseResult(name: label, outcome: .failed("no model.onnx"), maxAbsoluteError: 0)]
        }
        let sets = ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasPrefix("test_data_set_") }.sorted()
        guard !sets.isEmpty else {
            return [CaseResult(name: label, outcome: .failed("no test_data_set_*"), maxAbsoluteError: 0)]
        }
        let model: Model
        do { model = try Model(contentsOf: modelURL) } catch let e as InferenceError {
            if case .unsupported = e { return [CaseResult(name: label, outcome: .unsupported("\(e)"), maxAbsoluteError: 0)] }
            return [CaseResult(name: label, outcome: .failed("\(e)"), maxAbsoluteError: 0)]
        } catch {
            return [CaseResult(name: label, outcome: .failed("\(error)"), maxAbsoluteError: 0)]
        }
        return sets.map { set in
            let name = "\(label)/\(set)"
            do {
                return try runSet(model, directory.appendingPathComponent(set), name: name)
            } catch let e as InferenceError {
                if case .unsupported = e { return CaseResult(name: name, outcome: .unsupported("\(e)"), maxAbsoluteError: 0) }
                return CaseResult(name: name, outcome: .failed("\(e)"), maxAbsoluteError: 0)
            } catch {
                return CaseResult(name: name, outcome: .failed("\(error)"), maxAbsoluteError: 0)
            }
        }
    }

    private func files(_ dir: URL, _ prefix: String) -> [URL] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".pb") }
        return names.sorted { a, b in
            Int(a.dropFirst(prefix.count).dropLast(3)) ?? 0 < Int(b.dropFirst(prefix.count).dropLast(3)) ?? 0
        }.map { dir.appendingPathComponent($0) }
    }

    private func runSet(_ model: Model, _ dir: URL, name: String) throws -> CaseResult {
        let inputFiles = files(dir, "input_")
        let outputFiles = files(dir, "output_")
        var feeds: [String: Tensor] = [:]
        var bound: [String: Tensor] = [:]
        var shapes: [String: [Int]] = [:]
        for (i, url) in inputFiles.enumerated() {
            var (inputName, t) = try TensorFile.read(url)
            if inputName.isEmpty || !model.inputs.contains(where: { $0.name == inputName }) {
                guard i < model.inputs.count else { throw InferenceError.badInput("\(url.lastPathComponent) has no matching model input") }
                inputName = model.inputs[i].name
            }
            if t.elementType == .float32 {
                feeds[inputName] = t
                shapes[inputName] = t.shape
            } else {
                bound[inputName] = t
            }
        }
        // Operator tests feed weights and parameters (Conv weights, Resize scales, Clip bounds) as graph
        // inputs, while the engine wants them constant: when a load says so, every input is bound as a
        // load-time constant and the graph is evaluated by the same kernels during folding.
        var session: Session
        var outputs: [String: Tensor]
        do {
            session = try Session(model: model, options: Session.Options(threads: threads, boundInputs: bound, inputShapes: shapes))
            outputs = try session.run(feeds)
        } catch InferenceError.unsupported(_, _, let detail) where detail.hasSuffix("must be a constant known at load time") {
            bound.merge(feeds) { a, _ in a }
            session = try Session(model: model, options: Session.Options(threads: threads, boundInputs: bound))
            outputs = try session.run([:])
        }
        guard outputFiles.count <= session.outputs.count else {
            return CaseResult(name: name, outcome: .failed("\(outputFiles.count) expected outputs, model has \(session.outputs.count)"), maxAbsoluteError: 0)
        }
        var worst: Float = 0
        for (i, url) in outputFiles.enumerated() {
            let (_, expected) = try TensorFile.read(url)
            let d = session.outputs[i]
            guard let actual = outputs[d.name] else { throw InferenceError.badInput("output \(d.name) missing") }
            guard actual.shape == expected.shape || actual.count == expected.count && expected.shape.isEmpty == false
                    && actual.shape.filter({ $0 != 1 }) == expected.shape.filter({ $0 != 1 }) else {
                return CaseResult(name: name, outcome: .failed("output \(d.name): shape \(actual.shape), expected \(expected.shape)"), maxAbsoluteError: worst)
            }
            if expected.elementType != .float32 {
                if actual.int64s != expected.int64s {
                    return CaseResult(name: name, outcome: .failed("output \(d.name): integer values differ"), maxAbsoluteError: worst)
                }
                continue
            }
            let a = actual.floats, e = expected.floats
            var bad = 0, firstBad = -1
            for j in e.indices {
                let x = a[j], y = e[j]
                if x.isNaN && y.isNaN { continue }
                if x == y { continue }
                let err = abs(x - y)
                if err.isNaN || err > atol + rtol * abs(y) {
                    bad += 1
                    if firstBad < 0 { firstBad = j }
                }
                if err.isFinite { worst = max(worst, err) }
            }
            if bad > 0 {
                return CaseResult(name: name, outcome: .failed(
                    "output \(d.name): \(bad) of \(e.count) values out of tolerance (first at \(firstBad): \(a[firstBad]) vs \(e[firstBad])), max abs error \(worst)"),
                    maxAbsoluteError: worst)
            }
        }
        return CaseResult(name: name, outcome: .passed, maxAbsoluteError: worst)
    }
}
