import Foundation

/// A pointwise activation, either a node of its own or fused into the preceding Conv.
enum Activation: Sendable, Equatable {
    case none
    case relu
    case clip(Float, Float)
    case leakyRelu(Float)
    case hardSigmoid(alpha: Float, beta: Float)
    case hardSwish
    case sigmoid
    case silu

    var name: String {
        switch self {
        case .none: return "None"
        case .relu: return "Relu"
        case .clip: return "Clip"
        case .leakyRelu: return "LeakyRelu"
        case .hardSigmoid: return "HardSigmoid"
        case .hardSwish: return "HardSwish"
        case .sigmoid: return "Sigmoid"
        case .silu: return "SiLU"
        }
    }

    /// Applies in place to `n` floats, eight lanes at a time.
    @inline(__always)
    func apply(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        apply(from: p, to: p, n)
    }

    func apply(from x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, _ n: Int) {
        if self == .none {
            if x != UnsafePointer(y) { y.update(from: x, count: n) }
            return
        }
        var i = 0
        let xr = UnsafeRawPointer(x), yr = UnsafeMutableRawPointer(y)
        while i + 8 <= n {
            let v = xr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            yr.storeBytes(of: apply8(v), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        if i < n {
            var v = SIMD8<Float>(repeating: 0)
            for j in 0..<(n - i) { v[j] = x[i + j] }
            let r = apply8(v)
            for j in 0..<(n - i) { y[i + j] = r[j] }
        }
    }

    @inline(__always)
    func apply8(_ v: SIMD8<Float>) -> SIMD8<Float> {
        let zero = SIMD8<Float>(repeating: 0)
        switch self {
        case .none: return v
        case .relu: return v.replacing(with: zero, where: v .< zero)
        case .clip(let lo, let hi):
            return v.clamped(lowerBound: SIMD8(repeating: lo), upperBound: SIMD8(repeating: hi))
        case .leakyRelu(let a): return v.replacing(with: v * a, where: v .< zero)
        case .hardSigmoid(let a, let b):
            return (v * a + b).clamped(lowerBound: zero, upperBound: SIMD8(repeating: 1))
        case .hardSwish:
            return v * (v * (1 / 6 as Float) + 0.5).clamped(lowerBound: zero, upperBound: SIMD8(repeating: 1))
        case .sigmoid: return Activation.sigmoid8(v)
        case .silu: return v * Activation.sigmoid8(v)
        }
    }

    @inline(__always)
    static func sigmoid8(_ v: SIMD8<Float>) -> SIMD8<Float> {
        1 / (1 + exp8(-v))
    }

    /// exp for eight lanes: range reduction by ln 2 and a degree-6 polynomial (max relative error
    /// about 2e-7 on [-87, 88]; saturates outside).
    @inline(__always)
    static func exp8(_ x0: SIMD8<Float>) -> SIMD8<Float> {
        let x = x0.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.3))
        let n = (x * 1.442_695_04).rounded(.toNearestOrEven)
        let r = x - n * 0.693_145_75 - n * 1.428_606_8e-6
        var p = SIMD8<Float>(repeating: 1.987_569_1e-4)
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_65
        p = p * r + 0.5
        p = p * r * r + r + 1
        let e = SIMD8<Int32>(n, rounding: .towardZero) &+ 127
        let scale = unsafeBitCast(e &<< 23, to: SIMD8<Float>.self)
        return p * scale
    }
}
