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

    @Test func fastKernelsAreOnForAnAVX2CPU() {
        #expect(FastKernels.enabled(cpuLevel: 1, portable: false, isa: nil))
        #expect(FastKernels.enabled(cpuLevel: 1, portable: false, isa: "avx2"))
        #expect(FastKernels.enabled(cpuLevel: 2, portable: false, isa: nil))
        #expect(!FastKernels.enabled(cpuLevel: 1, portable: false, isa: "none"))
        #expect(!FastKernels.enabled(cpuLevel: 1, portable: true, isa: nil))
        #expect(!FastKernels.enabled(cpuLevel: 0, portable: false, isa: nil))
    }
}
