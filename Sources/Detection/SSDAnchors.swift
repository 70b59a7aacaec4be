/// Anchor centres of a MediaPipe SSD model (SsdAnchorsCalculator with `fixed_anchor_size`, so every anchor is
/// 1×1 in normalised units and only the centres and the count per cell matter), row-major per feature map.
///
/// Thread safety: a value type; safe to share.
public struct SSDAnchors: Sendable, Equatable {
    /// Feature-map strides, one per layer; consecutive layers with the same stride share one feature map.
    public var strides: [Int]
    /// Input size S (square models).
    public var inputSize: Int
    /// MediaPipe's `interpolated_scale_aspect_ratio`; > 0 adds one anchor per layer.
    public var interpolatedAspectRatio: Float
    public var offset: Float = 0.5

    public init(strides: [Int], inputSize: Int, interpolatedAspectRatio: Float) {
        self.strides = strides; self.inputSize = inputSize; self.interpolatedAspectRatio = interpolatedAspectRatio
    }

    /// `(xCenter, yCenter)` pairs in [0, 1], as MediaPipe lists them.
    public func centres() -> [(x: Float, y: Float)] { centres(width: inputSize, height: inputSize) }

    /// The centres for an input of `width`×`height` (a fully convolutional model run at another shape: each
    /// feature map is ⌈width ÷ stride⌉ × ⌈height ÷ stride⌉ cells), normalised to that input, row-major.
    public func centres(width: Int, height: Int) -> [(x: Float, y: Float)] {
        var out: [(x: Float, y: Float)] = []
        var layer = 0
        while layer < strides.count {
            var last = layer
            var perCell = 0
            while last < strides.count, strides[last] == strides[layer] {
                perCell += 1 + (interpolatedAspectRatio > 0 ? 1 : 0)
                last += 1
            }
            let stride = strides[layer]
            let fw = (width + stride - 1) / stride, fh = (height + stride - 1) / stride
            for y in 0..<fh {
                for x in 0..<fw {
                    let cx = (Float(x) + offset) / Float(fw), cy = (Float(y) + offset) / Float(fh)
                    for _ in 0..<perCell { out.append((cx, cy)) }
                }
            }
            layer = last
        }
        return out
    }
}
