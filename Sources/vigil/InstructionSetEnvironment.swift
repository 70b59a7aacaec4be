import CommandSupport
import Detection
import Inference
import VigilCore

/// The environment variables that cap the kernels' instruction sets (`VIGIL_NN_ISA` for the tensor engine,
/// `VIGIL_HOG_ISA` for the HOG people detector), checked before a command that runs them starts (`Vigil.main`,
/// `RunsKernels`). The kernels
/// take a value they do not know as unset, the best the CPU has: a mistyped cap (`avx-512`, `AVX2`) would give this
/// CPU's figures to someone reproducing a smaller one. A cap above what the CPU has is valid (it caps nothing).
enum InstructionSetEnvironment {
    /// A value of one of the variables that names no cap (exit 64, like a bad option).
    struct UnknownValue: UserFacingError {
        var variable: String, value: String, accepted: [String]
        var exitStatus: ExitStatus { .usage }
        var description: String {
            "\(variable)='\(value)' is not an instruction-set cap; accepted: \(accepted.joined(separator: ", ")) "
                + "(or unset: the best the CPU has)"
        }
    }

    /// Throws `UnknownValue` for the first variable set to a value its kernels do not know.
    static func check(_ environment: [String: String]) throws {
        if let v = environment["VIGIL_NN_ISA"], !KernelCap.isKnown(v) {
            throw UnknownValue(variable: "VIGIL_NN_ISA", value: v, accepted: KernelCap.names)
        }
        if let v = environment["VIGIL_HOG_ISA"], !HOGPeopleDetector.isKnownCap(v) {
            throw UnknownValue(variable: "VIGIL_HOG_ISA", value: v, accepted: HOGPeopleDetector.capNames)
        }
    }
}
