/// Element types the engine knows. Computation is float32; integer and boolean tensors exist only as
/// load-time constants (shape arithmetic, indices) and are stored as `Int64`.
public enum ElementType: String, Sendable, Equatable {
    case float32, int64, int32, int8, uint8, bool

    /// ONNX `TensorProto.DataType` code. Float16 and double arrive as float32 after loading.
    init?(onnx code: Int) {
        switch code {
        case 1, 10, 11: self = .float32
        case 7: self = .int64
        case 6, 4, 5, 12, 13: self = .int32
        case 3: self = .int8
        case 2: self = .uint8
        case 9: self = .bool
        default: return nil
        }
    }

    var isFloat: Bool { self == .float32 }
}

/// A dense tensor value in row-major (NCHW) order: float32 data, or integer data for constants and
/// shape arithmetic.
///
/// Thread safety: a value type; copies are independent.
public struct Tensor: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        case float([Float])
        case int64([Int64])
    }

    public var shape: [Int]
    public var elementType: ElementType
    public var storage: Storage

    public init(shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "shape \(shape) does not match \(floats.count) values")
        self.shape = shape
        self.elementType = .float32
        self.storage = .float(floats)
    }

    public init(shape: [Int], int64s: [Int64], elementType: ElementType = .int64) {
        precondition(shape.reduce(1, *) == int64s.count, "shape \(shape) does not match \(int64s.count) values")
        self.shape = shape
        self.elementType = elementType
        self.storage = .int64(int64s)
    }

    /// A float tensor filled with zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, floats: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { shape.reduce(1, *) }

    /// The float values; integer tensors are converted.
    public var floats: [Float] {
        switch storage {
        case .float(let f): return f
        case .int64(let i): return i.map { Float($0) }
        }
    }

    /// The integer values; float tensors are truncated toward zero.
    public var int64s: [Int64] {
        switch storage {
        case .int64(let i): return i
        case .float(let f): return f.map { $0.isFinite ? Int64($0) : 0 }
        }
    }
}

/// Static description of a graph input or output.
public struct ValueDescription: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var shape: [Int]
    public var elementType: ElementType

    public var description: String {
        "\(name) \(elementType.rawValue)[\(shape.map(String.init).joined(separator: "×"))]"
    }
}
