/// The operators the engine implements, by ONNX op type. Anything else is a load error.
///
/// Thread safety: an immutable table built once (Swift global initialisation).
enum OperatorRegistry {
    typealias Factory = @Sendable (inout NodeContext) throws -> Kernel

    static let factories: [String: Factory] = {
        var f: [String: Factory] = [:]
        f["Conv"] = { try ConvKernel(&$0) }
        f["MaxPool"] = { try PoolKernel(&$0, max: true) }
        f["AveragePool"] = { try PoolKernel(&$0, max: false) }
        f["GlobalAveragePool"] = { try GlobalPoolKernel(&$0, max: false) }
        f["GlobalMaxPool"] = { try GlobalPoolKernel(&$0, max: true) }
        f["BatchNormalization"] = { try BatchNormalizationKernel(&$0) }
        for op in ["Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Clip"] {
            f[op] = { try ActivationKernel(&$0) }
        }
        for op in ["Tanh", "Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Floor", "Ceil", "Softplus", "Elu"] {
            f[op] = { try UnaryKernel(&$0) }
        }
        for op in ["Add", "Sub", "Mul", "Div", "Pow"] { f[op] = { try BinaryKernel(&$0) } }
        for op in ["Softmax", "LogSoftmax"] { f[op] = { try SoftmaxKernel(&$0) } }
        f["MatMul"] = { try MatMulKernel(&$0) }
        f["Gemm"] = { try GemmKernel(&$0) }
        f["Concat"] = { try ConcatKernel(&$0) }
        f["Split"] = { try SplitKernel(&$0) }
        f["Slice"] = { try SliceKernel(&$0) }
        f["Transpose"] = { try TransposeKernel(&$0) }
        for op in ["DepthToSpace", "SpaceToDepth"] { f[op] = { try DepthToSpaceKernel(&$0) } }
        for op in ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"] { f[op] = { try ReshapeKernel(&$0) } }
        f["Gather"] = { try GatherKernel(&$0) }
        for op in ["Shape", "Size"] { f[op] = { try ShapeKernel(&$0) } }
        f["Cast"] = { try CastKernel(&$0) }
        f["Pad"] = { try PadKernel(&$0) }
        for op in ["Resize", "Upsample"] { f[op] = { try ResizeKernel(&$0) } }
        f["QuantizeLinear"] = { try QuantizeLinearKernel(&$0) }
        f["DequantizeLinear"] = { try DequantizeLinearKernel(&$0) }
        f["QLinearConv"] = { try QLinearConvKernel(&$0) }
        f["ConvInteger"] = { try ConvIntegerKernel(&$0) }
        f["QLinearMatMul"] = { try QLinearMatMulKernel(&$0) }
        f["MatMulInteger"] = { try MatMulIntegerKernel(&$0) }
        return f
    }()

    /// The engine's own nodes, written by graph preparation (domain `QuantizedGraph.domain`).
    static let internalFactories: [String: Factory] = [
        "QuantizedLookup": { try QuantizedLookupKernel(&$0) },
        // QLinearConv with a lookup folded in (input 9, `QuantizedGraph.foldLookup`).
        "QLinearConv": { try QLinearConvKernel(&$0) },
        "DequantizeLookup": { try DequantizeLookupKernel(&$0) },
        "QuantizedAdd": { try QuantizedAddKernel(&$0) },
        "QuantizedPad": { try QuantizedPadKernel(&$0) },
        "QuantizedMove": { try QuantizedMoveKernel(&$0) },
        "QuantizedResize": { try QuantizedResizeKernel(&$0) },
    ]
}
