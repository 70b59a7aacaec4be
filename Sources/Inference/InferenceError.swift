import VigilCore

/// Errors of the tensor engine. Load errors name the node and the operator.
///
/// Thread safety: an immutable value.
public enum InferenceError: Error, CustomStringConvertible, UserFacingError {
    /// The file is not a readable ONNX model (protobuf decoding failed, no graph, external data).
    case invalidModel(String)
    /// An operator, attribute or attribute value the engine does not implement.
    case unsupported(node: String, op: String, detail: String)
    /// Inputs, attributes or shapes are inconsistent.
    case invalidGraph(node: String, op: String, detail: String)
    /// Inputs given to `run` do not match the model.
    case badInput(String)

    public var description: String {
        switch self {
        case .invalidModel(let m): return "invalid model: \(m)"
        case .unsupported(let node, let op, let detail): return "node '\(node)' (\(op)): unsupported: \(detail)"
        case .invalidGraph(let node, let op, let detail): return "node '\(node)' (\(op)): \(detail)"
        case .badInput(let m): return "bad input: \(m)"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .badInput: return .usage
        default: return .dataError
        }
    }
}
