import Foundation
import SwiftProtobuf

/// One attribute value of a node, decoded from `AttributeProto`.
enum Attribute: Sendable {
    case int(Int)
    case float(Float)
    case string(String)
    case ints([Int])
    case floats([Float])
    case strings([String])
    case tensor(Tensor)
    case unsupported(String)
}

/// A node of the graph as read from the file (or rewritten by graph preparation).
struct Node: Sendable {
    var name: String
    var opType: String
    var domain: String
    var inputs: [String]
    var outputs: [String]
    var attributes: [String: Attribute]
    /// Activation fused into this node by graph preparation (Conv only).
    var fusedActivation: Activation = .none
    /// Conv only: input 3 is added to the (activated) result, then `postActivation` applies.
    var fusedResidual = false
    var postActivation: Activation = .none

    /// The operator as prepared, e.g. `Conv+SiLU+Add` or `Conv+Add+Relu`.
    var preparedName: String {
        var n = opType
        if fusedActivation != .none { n += "+" + fusedActivation.name }
        if fusedResidual { n += "+Add" }
        if postActivation != .none { n += "+" + postActivation.name }
        return n
    }
}

/// A decoded ONNX model: the graph in file order plus initializers and declared inputs/outputs.
///
/// Thread safety: an immutable value after loading.
struct Model: Sendable {
    var nodes: [Node]
    var initializers: [String: Tensor]
    var inputs: [ValueDescription]
    var outputs: [ValueDescription]
    /// Opset version of the default (`ai.onnx`) domain.
    var opset: Int
    var producer: String

    init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw InferenceError.invalidModel("cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(serialized: data)
    }

    init(serialized data: Data) throws {
        let proto: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 1000
            proto = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw InferenceError.invalidModel("protobuf decoding failed: \(error)")
        }
        guard proto.hasGraph else { throw InferenceError.invalidModel("no graph") }
        var opset = 0
        for o in proto.opsetImport where o.domain == "" || o.domain == "ai.onnx" {
            opset = Int(o.version)
        }
        if opset == 0 { opset = 1 }
        self.opset = opset
        self.producer = proto.producerName
        let g = proto.graph
        var inits: [String: Tensor] = [:]
        for t in g.initializer {
            inits[t.name] = try Model.tensor(from: t)
        }
        if !g.sparseInitializer.isEmpty {
            throw InferenceError.invalidModel("sparse initializers are not supported")
        }
        self.initializers = inits
        self.inputs = try g.input.filter { inits[$0.name] == nil }.map(Model.describe)
        self.outputs = try g.output.map(Model.describe)
        // Domains other than the default are accepted in opset imports (e.g. ai.onnx.ml) but a node
        // using one is rejected when it is prepared.
        self.nodes = try g.node.enumerated().map { index, n in
            let name = n.name.isEmpty ? "\(n.opType)_\(index)" : n.name
            if n.domain == QuantizedGraph.domain {
                throw InferenceError.unsupported(node: name, op: n.opType, detail: "operator domain '\(n.domain)'")
            }
            var attrs: [String: Attribute] = [:]
            for a in n.attribute {
                attrs[a.name] = try Model.attribute(a, node: name, op: n.opType)
            }
            return Node(name: name, opType: n.opType, domain: n.domain, inputs: n.input, outputs: n.output,
                        attributes: attrs)
        }
    }

    static func describe(_ v: Onnx_ValueInfoProto) throws -> ValueDescription {
        if let value = v.type.value, case .tensorType = value {} else if v.type.value != nil {
            throw InferenceError.unsupported(node: v.name, op: "ValueInfo", detail: "non-tensor graph input or output (sequence, map, optional)")
        }
        let tt = v.type.tensorType
        let shape = tt.shape.dim.map { d -> Int in
            if case .dimValue(let x)? = d.value { return Int(x) }
            return -1
        }
        let et = ElementType(onnx: Int(tt.elemType)) ?? .float32
        return ValueDescription(name: v.name, shape: shape, elementType: et)
    }

    static func attribute(_ a: Onnx_AttributeProto, node: String, op: String) throws -> Attribute {
        switch a.type {
        case .int: return .int(Int(a.i))
        case .float: return .float(a.f)
        case .string: return .string(String(decoding: a.s, as: UTF8.self))
        case .ints: return .ints(a.ints.map { Int($0) })
        case .floats: return .floats(a.floats)
        case .strings: return .strings(a.strings.map { String(decoding: $0, as: UTF8.self) })
        case .tensor: return .tensor(try tensor(from: a.t))
        default:
            // Older exporters leave `type` unset; infer from the populated field.
            if a.hasI { return .int(Int(a.i)) }
            if a.hasF { return .float(a.f) }
            if a.hasS { return .string(String(decoding: a.s, as: UTF8.self)) }
            if a.hasT { return .tensor(try tensor(from: a.t)) }
            if !a.ints.isEmpty { return .ints(a.ints.map { Int($0) }) }
            if !a.floats.isEmpty { return .floats(a.floats) }
            return .unsupported("attribute '\(a.name)' of type \(a.type)")
        }
    }

    /// Decodes a `TensorProto`: `raw_data` (little-endian) or the typed fields. Float16 and double
    /// become float32; every integer and boolean type becomes Int64 storage.
    static func tensor(from t: Onnx_TensorProto) throws -> Tensor {
        let shape = t.dims.map { Int($0) }
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow, p <= Int(Int32.max) else {
                throw InferenceError.invalidModel("tensor '\(t.name)' has an invalid shape \(shape)")
            }
            count = p
        }
        if t.dataLocation == .external {
            throw InferenceError.invalidModel("tensor '\(t.name)' uses external data, which is not supported")
        }
        guard let et = ElementType(onnx: Int(t.dataType)) else {
            throw InferenceError.unsupported(node: t.name, op: "TensorProto", detail: "data type \(t.dataType)")
        }
        let raw = t.rawData
        func check(_ n: Int) throws {
            guard n == count else {
                throw InferenceError.invalidModel("tensor '\(t.name)': \(n) values for shape \(shape)")
            }
        }
        switch Int(t.dataType) {
        case 1: // float
            if !raw.isEmpty {
                try check(raw.count / 4)
                var out = [Float](repeating: 0, count: count)
                out.withUnsafeMutableBytes { dst in _ = raw.copyBytes(to: dst) }
                return Tensor(shape: shape, floats: out)
            }
            try check(t.floatData.count)
            return Tensor(shape: shape, floats: t.floatData)
        case 10: // float16: raw bytes or the low 16 bits of int32_data
            var bits: [UInt16]
            if !raw.isEmpty {
                bits = [UInt16](repeating: 0, count: raw.count / 2)
                bits.withUnsafeMutableBytes { dst in _ = raw.copyBytes(to: dst) }
            } else {
                bits = t.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            }
            try check(bits.count)
            return Tensor(shape: shape, floats: bits.map { Float(Float16(bitPattern: $0)) })
        case 11: // double
            var d: [Double]
            if !raw.isEmpty {
                d = [Double](repeating: 0, count: raw.count / 8)
                d.withUnsafeMutableBytes { dst in _ = raw.copyBytes(to: dst) }
            } else { d = t.doubleData }
            try check(d.count)
            return Tensor(shape: shape, floats: d.map { Float($0) })
        case 7: // int64
            var v: [Int64]
            if !raw.isEmpty {
                v = [Int64](repeating: 0, count: raw.count / 8)
                v.withUnsafeMutableBytes { dst in _ = raw.copyBytes(to: dst) }
            } else { v = t.int64Data }
            try check(v.count)
            return Tensor(shape: shape, int64s: v, elementType: .int64)
        case 6, 4, 5, 12, 13, 2, 3, 9:
            return try integerTensor(t, shape: shape, type: et, check: check)
        default:
            throw InferenceError.unsupported(node: t.name, op: "TensorProto", detail: "data type \(t.dataType)")
        }
    }

    /// The integer and boolean cases of `tensor(from:)`: int32 (and uint16, int16, uint32, uint64 from their
    /// typed field) as Int32 values, uint8, int8 and bool one byte each; all stored as Int64.
    private static func integerTensor(_ t: Onnx_TensorProto, shape: [Int], type et: ElementType,
                                      check: (Int) throws -> Void) throws -> Tensor {
        let raw = t.rawData
        switch Int(t.dataType) {
        case 6, 4, 5, 12, 13: // int32, uint16, int16, uint32, uint64 (as Int64)
            if Int(t.dataType) != 6 && !raw.isEmpty {
                throw InferenceError.unsupported(node: t.name, op: "TensorProto", detail: "raw data of type \(t.dataType)")
            }
            var v: [Int64]
            if !raw.isEmpty {
                var w = [Int32](repeating: 0, count: raw.count / 4)
                w.withUnsafeMutableBytes { dst in _ = raw.copyBytes(to: dst) }
                v = w.map { Int64($0) }
            } else { v = t.int32Data.map { Int64($0) } }
            try check(v.count)
            return Tensor(shape: shape, int64s: v, elementType: .int32)
        case 2, 3, 9: // uint8, int8, bool: one byte each
            var v: [Int64]
            if !raw.isEmpty {
                v = raw.map { t.dataType == 3 ? Int64(Int8(bitPattern: $0)) : Int64($0) }
            } else { v = t.int32Data.map { Int64($0) } }
            try check(v.count)
            return Tensor(shape: shape, int64s: v, elementType: et)
        default:
            throw InferenceError.unsupported(node: t.name, op: "TensorProto", detail: "data type \(t.dataType)")
        }
    }
}

/// Reads one serialized `TensorProto` file (as in ONNX backend test directories: `input_0.pb`).
public enum TensorFile {
    public static func read(_ url: URL) throws -> (name: String, tensor: Tensor) {
        let data = try Data(contentsOf: url)
        let proto: Onnx_TensorProto
        do { proto = try Onnx_TensorProto(serializedBytes: data) } catch {
            throw InferenceError.invalidModel("\(url.lastPathComponent): not a TensorProto: \(error)")
        }
        return (proto.name, try Model.tensor(from: proto))
    }
}
