/// Runs a QLinearConv on the integer kernels (`QuantizedConv`).
///
/// Thread safety: see `Kernel`.
final class QuantizedConvRunner {
    var pathDescription: String { "int8" }

    init?(shape: IntegerConvShape, weights: Tensor, weightQuant: QuantScale, input: QuantScale, output: QuantScale,
          bias: [Int32]?, clamp: ClosedRange<Int32>) {
        return nil
    }

    func run(_ x: UnsafeRawPointer, _ y: UnsafeMutableRawPointer, batch: Int, _ ctx: ExecutionContext) {}
}
