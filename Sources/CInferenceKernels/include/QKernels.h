// Integer (int8 / uint8) convolution kernels of Vigil's tensor engine (QKernels.c), for quantised models:
// QLinearConv semantics (ONNX), with the requantisation of ONNX Runtime's MLAS (multiplier in float,
// clamp in float, round half to even, + output zero point). Included from CInferenceKernels.h.
//
// Levels (vk_qlevel, on the scale of the caps): VK_CAP_AVX512 AVX-512 VNNI (vpdpbusd on zmm, u8 × s8 → int32),
// VK_CAP_AVXVNNI AVX-VNNI (the VEX vpdpbusd on ymm, same arithmetic), VK_CAP_AVX2 AVX2 (zero-extended u8 × s16
// weights by vpmaddwd: exact, never saturates, unlike vpmaddubsw), VK_CAP_NONE portable C. vk_set_isa_cap /
// VIGIL_NN_ISA cap it like the float kernels. Every level gives the same bytes.
#ifndef VK_QKERNELS_H
#define VK_QKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A quantised convolution: `groups` groups, each with geometry `g` (g.channels = input channels per group)
/// and `m` output channels. Output channel o = group·m + r.
typedef struct {
    VKConvGeometry g;
    int groups, m;
    /// Storage types: 1 when int8, 0 when uint8.
    int in_signed, out_signed;
    /// Zero points as stored (−128…127 or 0…255).
    int in_zero, out_zero;
    /// Output bounds in the stored domain: saturation to the type intersected with a fused clamp.
    int lo, hi;
    /// groups·m rows of g.channels·k_h·k_w int8 weights (ONNX order: channel, ky, kx).
    const int8_t *weights;
    /// Per output channel: weight zero point; bias (int32, may be NULL); multiplier
    /// in_scale·w_scale[o] / out_scale.
    const int32_t *w_zero;
    const int32_t *bias;
    const float *multiplier;
    /// May be NULL. 256 bytes: each output byte b (as stored, read as unsigned) becomes lookup[b], applied by the
    /// work item that wrote it (a QuantizeLinear(f(DequantizeLinear(·))) chain after the convolution, folded in).
    const uint8_t *lookup;
} VKQConvDesc;

/// A prepared convolution (packed weights, per-channel sums); immutable, may be run from several threads.
typedef struct vk_qconv vk_qconv;

/// The vector width class of the integer code: min(vk_isa(), what the CPU has), where 2 (zmm) also needs
/// AVX-512 BW and VNNI (an AVX-512 CPU without VNNI runs 1); 1 ymm (AVX2, with or without AVX-VNNI), 0 none.
int vk_qisa(void);
/// Which integer dot-product kernels run (VK_CAP_*): VK_CAP_AVX512 when vk_qisa() is 2; when it is 1,
/// VK_CAP_AVXVNNI if the CPU has AVX-VNNI (CPUID 7.1 EAX bit 4, with the OS saving the AVX state) and the cap
/// allows it, else VK_CAP_AVX2; VK_CAP_NONE when it is 0.
int vk_qlevel(void);
/// Whether the CPU (and OS) support AVX-VNNI, whatever the cap.
int vk_cpu_avxvnni(void);
/// The rule of vk_qlevel for a width class `qisa` (vk_qisa), a cap and whether the CPU has AVX-VNNI (exposed so that
/// the choice on CPUs other than this one can be tested).
int vk_qlevel_for(int qisa, int cap, int avxvnni);
/// Copies what it needs from d. NULL when out of memory.
vk_qconv *vk_qconv_create(const VKQConvDesc *d);
void vk_qconv_destroy(vk_qconv *c);
/// Which code runs it: 0 im2col GEMM, 1 GEMM reading the input directly (1×1, stride 1, no padding), 2 the native
/// depthwise kernels, 3 the implicit GEMM (one group, stride 1 or 2, several taps, weight zero points 0) at the
/// SIMD levels (VK_CAP_AVX2: 4 input channels or more), the im2col GEMM otherwise.
int vk_qconv_kind(const vk_qconv *c);
/// x: batch × groups·g.channels × in_h × in_w bytes; y: batch × groups·m × out_h × out_w bytes. Work is
/// split over the pool's threads (pool may be NULL: the calling thread only).
void vk_qconv_run(const vk_qconv *c, const void *x, void *y, int batch, vk_pool *pool);

/// QuantizeLinear of n floats: y[i] = saturate(round_half_even(x[i] / scale) + zero_point) into uint8 (is_signed
/// 0) or int8 (1); NaN gives the zero point (ONNX Runtime's saturating conversion). The same bytes at every level
/// (AVX-512 when vk_isa() ≥ 2, AVX2 when 1, else baseline x86-64; all the same loop vectorised by the compiler).
void vk_quantize_f32(const float *x, void *y, long n, float scale, int zero_point, int is_signed);

#ifdef __cplusplus
}
#endif

#endif
