import CInferenceKernels
import Foundation

/// A pointwise activation, either a node of its own or fused into the preceding Conv.
///
/// Thread safety: an immutable value; `apply` touches only the buffer it is given.
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

    /// Applies in place to `n` floats. (A separate single-pointer loop: with two pointers that are
    /// equal, the vectoriser's overlap check fails and the scalar loop runs.)
    func apply(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if FastKernels.available {
            if self != .none { vk_activation(p, n, kernelForm) }
            return
        }
        switch self {
        case .none:
            break
        case .relu:
            for i in 0..<n { let v = p[i]; p[i] = v > 0 ? v : 0 }
        case .clip(let lo, let hi):
            for i in 0..<n { let v = p[i]; let u = v > lo ? v : lo; p[i] = u < hi ? u : hi }
        case .leakyRelu(let a):
            for i in 0..<n { let v = p[i]; p[i] = v < 0 ? v * a : v }
        case .hardSigmoid(let a, let b):
            for i in 0..<n { let v = p[i] * a + b; let u = v > 0 ? v : 0; p[i] = u < 1 ? u : 1 }
        case .hardSwish:
            for i in 0..<n {
                let v = p[i]
                let g = v * (1 / 6 as Float) + 0.5
                let u = g > 0 ? g : 0
                p[i] = v * (u < 1 ? u : 1)
            }
        case .sigmoid:
            for i in 0..<n { p[i] = 1 / (1 + Activation.exp(-p[i])) }
        case .silu:
            for i in 0..<n { let v = p[i]; p[i] = v / (1 + Activation.exp(-v)) }
        }
    }

    /// Out of place: one branch-free loop per activation, written so that the compiler vectorises it
    /// (no calls, no per-element switch).
    func apply(from x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, _ n: Int) {
        if x == UnsafePointer(y) {
            apply(y, n)
            return
        }
        if FastKernels.available {
            vk_activation_to(x, y, n, kernelForm)
            return
        }
        switch self {
        case .none:
            if x != UnsafePointer(y) { y.update(from: x, count: n) }
        case .relu:
            for i in 0..<n { let v = x[i]; y[i] = v > 0 ? v : 0 }
        case .clip(let lo, let hi):
            for i in 0..<n { let v = x[i]; let u = v > lo ? v : lo; y[i] = u < hi ? u : hi }
        case .leakyRelu(let a):
            for i in 0..<n { let v = x[i]; y[i] = v < 0 ? v * a : v }
        case .hardSigmoid(let a, let b):
            for i in 0..<n { let v = x[i] * a + b; let u = v > 0 ? v : 0; y[i] = u < 1 ? u : 1 }
        case .hardSwish:
            for i in 0..<n {
                let v = x[i]
                let g = v * (1 / 6 as Float) + 0.5
                let u = g > 0 ? g : 0
                y[i] = v * (u < 1 ? u : 1)
            }
        case .sigmoid:
            for i in 0..<n { y[i] = 1 / (1 + Activation.exp(-x[i])) }
        case .silu:
            for i in 0..<n { let v = x[i]; y[i] = v / (1 + Activation.exp(-v)) }
        }
    }

    /// exp(x): range reduction by ln 2 (rounding with the 1.5·2²³ trick) and a degree-6 polynomial;
    /// max relative error about 2e-7 on [-87, 88], saturating outside. Pure arithmetic, so loops over
    /// it vectorise.
    @inline(__always)
    static func exp(_ x0: Float) -> Float {
        let x = x0 < -87.3 ? -87.3 : (x0 > 88.3 ? 88.3 : x0)
        let shifter: Float = 12_582_912 // 1.5 · 2^23
        let shifted = x * 1.442_695_04 + shifter
        // The low mantissa bits of `shifted` hold round(x·log2 e) as an integer.
        let ni = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000
        let n = shifted - shifter
        let r = x - n * 0.693_145_75 - n * 1.428_606_8e-6
        var p: Float = 1.987_569_1e-4
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_65
        p = p * r + 0.5
        p = p * r * r + r + 1
        let e = (ni &+ 127) &<< 23
        return p * Float(bitPattern: UInt32(bitPattern: e))
    }
}
