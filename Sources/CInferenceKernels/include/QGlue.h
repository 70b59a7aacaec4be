// Byte kernels between the integer convolutions of quantised models (QGlue.c, QResize.c): 256-entry lookups, the
// quantised element-wise Add (QLinearAdd semantics, as ONNX Runtime's contrib op and its QDQ Add fusion compute it:
// each input's ratio of scales in float, round half to even, + output zero point, saturate, clamp), and Resize →
// QuantizeLinear.
//
// Levels (vk_qisa, so VIGIL_NN_ISA caps them too): AVX-512 (2), AVX2 (1), baseline x86-64 (0), same arithmetic in the
// same order (no contraction into FMA): the same bytes at every level.
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
/// vk_qlookup on `rows` rows of n bytes each, `ld` bytes apart in x and in y (in place when x == y): the level chosen
/// and the table loaded once for all of them.
void vk_qlookup_rows(const uint8_t *table, const void *x, void *y, long rows, long n, long ld);

/// y[i] = table[x[i]] for n bytes into floats (a 256-entry float table, indexed by the byte as unsigned): a
/// DequantizeLinear and the element-wise chain after it, evaluated at load on every byte value.
void vk_qlookup_f32(const float *table, const void *x, float *y, long n);

/// The most axes vk_strided_copy_bytes takes.
#define VK_STRIDED_MAX_RANK 16

/// A strided copy of bytes (the Swift StridedCopy's, for byte moves): dst receives, in order, src[Σ idx[d]·strides[d]]
/// for every index of dims (rank axes, outermost first), the outermost axis only from o0 to o1 (with one axis: all of
/// it). Rows are the innermost axis (memcpy when contiguous) or, when that axis is 2…8 long and strided and the one
/// before it contiguous, the innermost two as interleaved rows (a DepthToSpace's block columns): SSE2 for 2 and 4
/// rows, AVX-512 BW masked loads and stores for 2 at vk_qisa() 2. Nothing when rank is outside 1…VK_STRIDED_MAX_RANK.
void vk_strided_copy_bytes(const uint8_t *src, int rank, const long *dims, const long *strides, long o0, long o1,
                           uint8_t *dst);

/// A Resize on the two innermost axes followed by a per-tensor QuantizeLinear (QuantizedResize, QResize.c): the float
/// Resize's interpolation (ResizeKernel's tables and arithmetic, never fused into an FMA) and vk_quantize_f32, so the
/// bytes of the float Resize then QuantizeLinear. Planes are floats, or bytes read through `table` (256 floats).
typedef struct {
    int in_h, in_w, out_h, out_w;
    /// 1: linear (out = a + (b − a)·w, horizontally then vertically); 0: nearest (x0, y0 only; the rest may be NULL).
    int linear;
    /// Per output column: source columns (0 ≤ x < in_w) and the weight of x1; per output row likewise.
    const int32_t *x0, *x1;
    const float *wx;
    const int32_t *y0, *y1;
    const float *wy;
    /// NULL: the planes are floats; else 256 floats, indexed by each byte as unsigned.
    const float *table;
    /// The QuantizeLinear: y = saturate(round_half_even(v / scale) + zero_point), int8 when is_signed.
    float scale;
    int zero_point, is_signed;
} VKQResizeDesc;

/// A prepared QuantizedResize (copies of the tables); immutable, may be run from several threads.
typedef struct vk_qresize vk_qresize;

/// NULL when out of memory.
vk_qresize *vk_qresize_create(const VKQResizeDesc *d);
void vk_qresize_destroy(vk_qresize *r);
/// Floats of scratch vk_qresize_run needs (per calling thread).
long vk_qresize_scratch(const vk_qresize *r);
/// Planes p0 ..< p1 of x (in_h × in_w each, floats or bytes) into the byte planes of y (out_h × out_w each). Levels
/// (vk_qisa): AVX-512F gathers (2), AVX2 gathers (1), scalar (0); the same bytes at every level.
void vk_qresize_run(const vk_qresize *r, const void *x, void *y, long p0, long p1, float *scratch);

#ifdef __cplusplus
}
#endif

#endif
