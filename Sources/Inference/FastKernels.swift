import CInferenceKernels
import Foundation

/// The hand-written C kernels of target `CInferenceKernels` (packed-weight GEMM micro-kernel, im2col
/// into packed panels, vectorised activations), used when the CPU has AVX-512F; otherwise the engine
/// keeps its portable Swift and OpenBLAS paths. `VIGIL_NN_PORTABLE=1` forces the portable paths
/// (tests compare the two).
///
/// Thread safety: immutable after the first read (Swift globals are initialised once).
enum FastKernels {
    static let available: Bool = vk_isa() >= 2 && getenv("VIGIL_NN_PORTABLE") == nil
    /// "AVX-512" or "portable", for `vigil nn bench`.
    static var name: String { available ? "AVX-512" : "portable" }
}

extension Activation {
    /// The C kernels' description of this activation.
    var kernelForm: VKActivation {
        switch self {
        case .none: return VKActivation(kind: 0, a: 0, b: 0)
        case .relu: return VKActivation(kind: 1, a: 0, b: 0)
        case .clip(let lo, let hi): return VKActivation(kind: 2, a: lo, b: hi)
        case .leakyRelu(let a): return VKActivation(kind: 3, a: a, b: 0)
        case .hardSigmoid(let a, let b): return VKActivation(kind: 4, a: a, b: b)
        case .hardSwish: return VKActivation(kind: 5, a: 0, b: 0)
        case .sigmoid: return VKActivation(kind: 6, a: 0, b: 0)
        case .silu: return VKActivation(kind: 7, a: 0, b: 0)
        }
    }
}
