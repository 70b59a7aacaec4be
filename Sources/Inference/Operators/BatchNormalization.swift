/// BatchNormalization in inference mode (when it could not be folded into a Conv).
///
/// Thread safety: see `Kernel`.
final class BatchNormalizationKernel: Kernel {
    let outputInfos: [ValueInfo]
    let scale: [Float], shift: [Float]
    let batch: Int, channels: Int, plane: Int

    init(_ ctx: inout NodeContext) throws {
        let x = try ctx.shape(0)
        try ctx.requireFloat(0)
        let eps = try ctx.float("epsilon", 1e-5)
        _ = try ctx.float("momentum", 0.9)
        if try ctx.int("training_mode", 0) != 0 { throw ctx.unsupported("training_mode 1") }
        if try ctx.int("spatial", 1) != 1 { throw ctx.unsupported("spatial 0") }
        if ctx.node.outputs.count > 1 && ctx.node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            throw ctx.unsupported("training outputs")
        }
        let s = try ctx.constant(1, "scale").floats, b = try ctx.constant(2, "bias").floats
        let m = try ctx.constant(3, "mean").floats, v = try ctx.constant(4, "var").floats
        guard x.count >= 2 else { throw ctx.invalid("rank") }
        channels = x[1]; batch = x[0]; plane = x[2...].reduce(1, *)
        guard s.count == channels, b.count == channels, m.count == channels, v.count == channels else {
            throw ctx.invalid("parameter sizes")
        }
        scale = (0..<channels).map { s[$0] / (v[$0] + eps).squareRoot() }
        shift = (0..<channels).map { b[$0] - m[$0] * s[$0] / (v[$0] + eps).squareRoot() }
        outputInfos = [ValueInfo(shape: x, type: .float32)]
    }

    func run(_ x: [UnsafeMutablePointer<Float>], _ y: [UnsafeMutablePointer<Float>], _ ctx: ExecutionContext) {
        for n in 0..<batch {
            for c in 0..<channels {
                let o = (n * channels + c) * plane
                let k = scale[c], b = shift[c]
                for i in 0..<plane { y[0][o + i] = x[0][o + i] * k + b }
            }
        }
    }
}
