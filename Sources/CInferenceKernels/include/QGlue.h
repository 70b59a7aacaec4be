// Byte kernels between the integer convolutions of quantised models (QGlue.c): 256-entry lookups, the quantised
// element-wise Add
// (QLinearAdd semantics, as ONNX Runtime's contrib op and its QDQ Add fusion compute it: each input's ratio of
// scales in float, round half to even, + output zero point, saturate, clamp).
//
// Levels (vk_qisa, so VIGIL_NN_ISA caps them too): AVX-512 BW (2), AVX2 (1), baseline x86-64 (0); one C body compiled for each, vectorised by the
// compiler, same arithmetic in the same order (no contraction into FMA): the same bytes at every level.
#ifndef VK_QGLUE_H
#define VK_QGLUE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One quantised Add: y = clamp(round_half_even((a − a_zero)·a_ratio + (b − b_zero)·b_ratio) + y_zero, lo, hi),
/// where a_ratio = a_scale / y_scale and b_ratio = b_scale / y_scale. Zero points and bounds are given in the stored
/// domain of each tensor (−128…127 when its *_signed is 1, else 0…255); lo…hi lies within the output type.
typedef struct {
    int a_signed, b_signed, y_signed;
    int a_zero, b_zero, y_zero;
    float a_ratio, b_ratio;
    int lo, hi;
} VKQAddDesc;

/// n elements of a and b (same shape) into y.
void vk_qadd(const VKQAddDesc *d, const void *a, const void *b, void *y, long n);

/// y[i] = table[x[i]] for n bytes (a 256-entry table, indexed by the byte as unsigned): vpermi2b with AVX-512 VBMI
/// at level 2, a scalar loop otherwise.
void vk_qlookup(const uint8_t *table, const void *x, void *y, long n);

/// y[i] = table[x[i]] for n bytes into floats (a 256-entry float table, indexed by the byte as unsigned): a
/// DequantizeLinear and the element-wise chain after it, evaluated at load on every byte value.
void vk_qlookup_f32(const float *table, const void *x, float *y, long n);

#ifdef __cplusplus
}
#endif

#endif
