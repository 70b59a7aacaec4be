import TestSupport
import CInferenceKernels
import Testing
@testable import Inference

/// Which kernels a CPU gets, for CPUs other than the one running the tests: an AVX2 + FMA CPU without AVX-512
/// (Intel N100-class) must get the AVX2 kernels by default, an AVX-512 one the AVX-512 kernels unless capped, and
/// a CPU without FMA or AVX2 the portable paths.
struct ISASelectionTests {
    @Test func avx2IsTheDefaultWithoutAVX512() {
        // vk_isa_for(avx512f, avx2, fma, limit)
        #expect(vk_isa_for(0, 1, 1, 2) == 1)
        #expect(vk_isa_for(1, 1, 1, 2) == 2)
        #expect(vk_isa_for(1, 1, 1, 1) == 1)
        #expect(vk_isa_for(0, 1, 1, 1) == 1)
        #expect(vk_isa_for(0, 1, 1, 0) == 0)
        #expect(vk_isa_for(0, 1, 0, 2) == 0)
        #expect(vk_isa_for(0, 0, 1, 2) == 0)
        #expect(vk_isa_for(0, 0, 0, 2) == 0)
        // This CPU's level comes from the same rule.
        #expect((0...2).contains(vk_cpu_isa()))
        #expect(vk_isa() <= vk_cpu_isa())
    }

    /// The integer kernels: an N100-class CPU (AVX2, AVX-VNNI, no AVX-512) gets AVX-VNNI unless capped at avx2, a
    /// Haswell-class one AVX2, an AVX-512 VNNI one AVX-512 VNNI unless capped (under avxvnni its width class is 1).
    @Test func avxVnniIsTheDefaultWithAVXVNNI() {
        // vk_qlevel_for(qisa, cap, avxvnni)
        #expect(vk_qlevel_for(1, VK_CAP_AVX512, 1) == VK_CAP_AVXVNNI)
        #expect(vk_qlevel_for(1, VK_CAP_AVXVNNI, 1) == VK_CAP_AVXVNNI)
        #expect(vk_qlevel_for(1, VK_CAP_AVX2, 1) == VK_CAP_AVX2)
        #expect(vk_qlevel_for(1, VK_CAP_AVX512, 0) == VK_CAP_AVX2)
        #expect(vk_qlevel_for(2, VK_CAP_AVX512, 1) == VK_CAP_AVX512)
        #expect(vk_qlevel_for(0, VK_CAP_NONE, 1) == VK_CAP_NONE)
        // The avxvnni cap keeps the float kernels at AVX2 at most, and the integer ones at AVX-VNNI at most.
        ISALevel.atCap(VK_CAP_AVXVNNI) {
            #expect(vk_isa() == min(1, vk_cpu_isa()))
            #expect(vk_qlevel() <= VK_CAP_AVXVNNI && vk_qisa() <= 1)
        }
        #expect(FastKernels.enabled(cpuLevel: 1, portable: false, isa: "avxvnni"))
    }

    @Test func fastKernelsAreOnForAnAVX2CPU() {
        #expect(FastKernels.enabled(cpuLevel: 1, portable: false, isa: nil))
        #expect(FastKernels.enabled(cpuLevel: 1, portable: false, isa: "avx2"))
        #expect(FastKernels.enabled(cpuLevel: 2, portable: false, isa: nil))
        #expect(!FastKernels.enabled(cpuLevel: 1, portable: false, isa: "none"))
        #expect(!FastKernels.enabled(cpuLevel: 1, portable: true, isa: nil))
        #expect(!FastKernels.enabled(cpuLevel: 0, portable: false, isa: nil))
    }
}
