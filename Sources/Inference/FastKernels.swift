import CInferenceKernels
import Foundation

/// The hand-written C kernels of target `CInferenceKernels` (packed-weight GEMM micro-kernel, im2col
/// into packed panels, vectorised activations), used when the CPU has AVX-512F or AVX2 + FMA;
/// otherwise the engine keeps its portable Swift and OpenBLAS paths. `VIGIL_NN_PORTABLE=1` forces the
/// portable paths (tests compare the two); `VIGIL_NN_ISA=avx2` caps the C kernels at their AVX2 forms
/// on an AVX-512 CPU. The C side picks the instruction set per call (`vk_isa()`), so tests can also
/// switch levels with `vk_set_isa_limit`.
///
/// Thread safety: immutable after the first read (Swift globals are initialised once).
enum FastKernels {
    /// On when the CPU has AVX2 + FMA (the AVX2 kernels where AVX-512 is missing, as on Intel N100-class
    /// CPUs), unless `VIGIL_NN_PORTABLE` or `VIGIL_NN_ISA=none` ask for the portable paths.
    static let available: Bool = enabled(cpuLevel: vk_cpu_isa(), portable: getenv("VIGIL_NN_PORTABLE") != nil,
                                         isa: getenv("VIGIL_NN_ISA").map { String(cString: $0) })

    /// Whether the C kernels are used on a CPU of `cpuLevel` (`vk_isa_for`: 1 AVX2 + FMA, 2 AVX-512F) given the
    /// environment (`portable`: `VIGIL_NN_PORTABLE` set; `isa`: the value of `VIGIL_NN_ISA`).
    static func enabled(cpuLevel: Int32, portable: Bool, isa: String?) -> Bool {
        !portable && isa != "none" && cpuLevel >= 1
    }
    /// Depthwise convolution through the C kernel (AVX2 or AVX-512; the entry point falls back to scalar code
    /// if the level drops after load).
    static var depthwise: Bool { available && vk_isa() >= 1 }
    /// Depthwise → 1×1 pairs run in bands of rows as one step (`DepthwisePointwiseKernel`); read at each load,
    /// so `VIGIL_NN_PAIR=0` (the steps apart, for comparing) applies to sessions loaded after it is set.
    static var pairDepthwisePointwise: Bool {
        available && getenv("VIGIL_NN_PAIR").map({ String(cString: $0) }) != "0"
    }
    /// "AVX-512", "AVX2" or "portable", for `vigil nn bench`.
    static var name: String { !available ? "portable" : (vk_isa() >= 2 ? "AVX-512" : "AVX2") }
}

/// The values of `VIGIL_NN_ISA`, the cap of the C kernels' instruction set (`vk_isa_cap_named`).
public enum KernelCap {
    /// The accepted values, narrowest first: `none` (no C kernels), `avx2` (AVX2 + FMA), `avxvnni` (AVX2 + AVX-VNNI),
    /// `avx512` (the best the CPU has, as when unset). A cap above what the CPU has is valid: it caps nothing.
    public static let names = ["none", "avx2", "avxvnni", "avx512"]

    /// Whether `value` is one of `names`, exactly (`AVX2` and `avx2 ` are not: the kernels would take them as unset).
    public static func isKnown(_ value: String) -> Bool { vk_isa_cap_named(value) >= 0 }
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
