// Resize → QuantizeLinear of float or byte planes (QuantizedResize): see include/QGlue.h.
//
// The arithmetic is the float Resize's (ResizeKernel.resizePlane in Swift) operation by operation: a horizontal pass
// h = a + (b − a)·wx per input row, a vertical pass top + (bottom − top)·wy per output row, each as a subtraction, a
// product and a sum (never fused into an FMA: FP_CONTRACT is off in this file, and the vector forms use the separate
// instructions), then QuantizeLinear of the plane by vk_quantize_f32. So every level gives the same bytes, those of
// the float Resize followed by QuantizeLinear.

#include "CInferenceKernels.h"

#include <stdlib.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define VR_X86 1
#include <immintrin.h>
#endif

struct vk_qresize {
    VKQResizeDesc d;
    // Per output column: source columns and weight; per output row: source rows and weight (copies of the desc's).
    int32_t *x0, *x1, *y0, *y1;
    float *wx, *wy;
    float table[256];
    // Per input row: whether an output row reads it (the horizontal pass skips the others when downscaling).
    uint8_t *row_used;
};

// ---- level 0: portable ----

static void r_horizontal_base(const vk_qresize *r, const float *row, float *h) {
    for (int ox = 0; ox < r->d.out_w; ox++) {
        const float a = row[r->x0[ox]], b = row[r->x1[ox]];
        const float t = (b - a) * r->wx[ox];
        h[ox] = a + t;
    }
}

static void r_vertical_base(const float *top, const float *bottom, float w, int n, float *out) {
    for (int i = 0; i < n; i++) {
        const float t = (bottom[i] - top[i]) * w;
        out[i] = top[i] + t;
    }
}

static void r_nearest_row(const vk_qresize *r, const float *row, float *out) {
    for (int ox = 0; ox < r->d.out_w; ox++) out[ox] = row[r->x0[ox]];
}

#ifdef VR_X86
// ---- level 1: AVX2 (8 lanes, scalar tails) ----

__attribute__((target("avx2"))) static void r_horizontal_avx2(const vk_qresize *r, const float *row, float *h) {
    const int n = r->d.out_w;
    int ox = 0;
    for (; ox + 8 <= n; ox += 8) {
        const __m256 a = _mm256_i32gather_ps(row, _mm256_loadu_si256((const __m256i *)(r->x0 + ox)), 4);
        const __m256 b = _mm256_i32gather_ps(row, _mm256_loadu_si256((const __m256i *)(r->x1 + ox)), 4);
        const __m256 t = _mm256_mul_ps(_mm256_sub_ps(b, a), _mm256_loadu_ps(r->wx + ox));
        _mm256_storeu_ps(h + ox, _mm256_add_ps(a, t));
    }
    for (; ox < n; ox++) {
        const float a = row[r->x0[ox]], b = row[r->x1[ox]];
        const float t = (b - a) * r->wx[ox];
        h[ox] = a + t;
    }
}

__attribute__((target("avx2"))) static void r_vertical_avx2(const float *top, const float *bottom, float w, int n,
                                                            float *out) {
    const __m256 wv = _mm256_set1_ps(w);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 a = _mm256_loadu_ps(top + i);
        const __m256 t = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(bottom + i), a), wv);
        _mm256_storeu_ps(out + i, _mm256_add_ps(a, t));
    }
    for (; i < n; i++) {
        const float t = (bottom[i] - top[i]) * w;
        out[i] = top[i] + t;
    }
}

// ---- level 2: AVX-512 (16 lanes, masked tails) ----

// Rows of up to 16 inputs (the pose detector's 7 and 14) sit in one register: vpermps picks the sources (a gather of
// 16 took about 10 cycles, most of the resize's time).
__attribute__((target("avx512f"))) static void r_horizontal_avx512(const vk_qresize *r, const float *row, float *h) {
    const int n = r->d.out_w, in_w = r->d.in_w;
    const __m512 whole = in_w <= 16 ? _mm512_maskz_loadu_ps((__mmask16)((1u << in_w) - 1), row) : _mm512_setzero_ps();
    for (int ox = 0; ox < n; ox += 16) {
        const __mmask16 m = n - ox >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - ox)) - 1);
        const __m512i i0 = _mm512_maskz_loadu_epi32(m, r->x0 + ox), i1 = _mm512_maskz_loadu_epi32(m, r->x1 + ox);
        __m512 a, b;
        if (in_w <= 16) {
            a = _mm512_permutexvar_ps(i0, whole);
            b = _mm512_permutexvar_ps(i1, whole);
        } else {
            a = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, i0, row, 4);
            b = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, i1, row, 4);
        }
        const __m512 t = _mm512_mul_ps(_mm512_sub_ps(b, a), _mm512_maskz_loadu_ps(m, r->wx + ox));
        _mm512_mask_storeu_ps(h + ox, m, _mm512_add_ps(a, t));
    }
}

__attribute__((target("avx512f"))) static void r_vertical_avx512(const float *top, const float *bottom, float w, int n,
                                                                float *out) {
    const __m512 wv = _mm512_set1_ps(w);
    for (int i = 0; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        const __m512 a = _mm512_maskz_loadu_ps(m, top + i);
        const __m512 t = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, bottom + i), a), wv);
        _mm512_mask_storeu_ps(out + i, m, _mm512_add_ps(a, t));
    }
}
#endif

// ---- creation ----

static void *r_copy(const void *src, size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (p && bytes) memcpy(p, src, bytes);
    return p;
}

vk_qresize *vk_qresize_create(const VKQResizeDesc *d) {
    vk_qresize *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->d = *d;
    const size_t w = (size_t)d->out_w, h = (size_t)d->out_h;
    r->x0 = r_copy(d->x0, w * sizeof(int32_t));
    r->y0 = r_copy(d->y0, h * sizeof(int32_t));
    // Nearest reads only x0, y0: the others are copies of them (never read), so that every pointer is valid.
    r->x1 = r_copy(d->linear ? d->x1 : d->x0, w * sizeof(int32_t));
    r->y1 = r_copy(d->linear ? d->y1 : d->y0, h * sizeof(int32_t));
    r->wx = calloc(w ? w : 1, sizeof(float));
    r->wy = calloc(h ? h : 1, sizeof(float));
    r->row_used = calloc((size_t)(d->in_h > 0 ? d->in_h : 1), 1);
    if (!r->x0 || !r->y0 || !r->x1 || !r->y1 || !r->wx || !r->wy || !r->row_used) {
        vk_qresize_destroy(r);
        return NULL;
    }
    if (d->linear) {
        memcpy(r->wx, d->wx, w * sizeof(float));
        memcpy(r->wy, d->wy, h * sizeof(float));
    }
    if (d->table) memcpy(r->table, d->table, sizeof r->table);
    r->d.x0 = r->x0, r->d.x1 = r->x1, r->d.wx = r->wx;
    r->d.y0 = r->y0, r->d.y1 = r->y1, r->d.wy = r->wy;
    r->d.table = d->table ? r->table : NULL;
    for (size_t oy = 0; oy < h; oy++) r->row_used[r->y0[oy]] = r->row_used[r->y1[oy]] = 1;
    return r;
}

void vk_qresize_destroy(vk_qresize *r) {
    if (!r) return;
    free(r->x0), free(r->x1), free(r->y0), free(r->y1), free(r->wx), free(r->wy), free(r->row_used);
    free(r);
}

long vk_qresize_scratch(const vk_qresize *r) {
    const long in = (long)r->d.in_h * r->d.in_w, out = (long)r->d.out_h * r->d.out_w;
    return (r->d.table ? in : 0) + (r->d.linear ? (long)r->d.in_h * r->d.out_w : 0) + out;
}

// ---- one plane ----

// The plane's floats `plane` into the float output `out`: linear, every input row an output row reads interpolated
// horizontally into `hp` (in_h rows of out_w), then each output row from its two; nearest, the picked values.
static void r_plane(const vk_qresize *r, int level, const float *plane, float *hp, float *out) {
    const VKQResizeDesc *d = &r->d;
    (void)level;
    if (!d->linear) {
        for (int oy = 0; oy < d->out_h; oy++) r_nearest_row(r, plane + (long)r->y0[oy] * d->in_w, out + (long)oy * d->out_w);
        return;
    }
    for (int iy = 0; iy < d->in_h; iy++) {
        if (!r->row_used[iy]) continue;
        const float *row = plane + (long)iy * d->in_w;
        float *h = hp + (long)iy * d->out_w;
#ifdef VR_X86
        if (level >= 2) r_horizontal_avx512(r, row, h);
        else if (level == 1) r_horizontal_avx2(r, row, h);
        else
#endif
            r_horizontal_base(r, row, h);
    }
    for (int oy = 0; oy < d->out_h; oy++) {
        const float *top = hp + (long)r->y0[oy] * d->out_w, *bottom = hp + (long)r->y1[oy] * d->out_w;
        float *o = out + (long)oy * d->out_w;
#ifdef VR_X86
        if (level >= 2) r_vertical_avx512(top, bottom, r->wy[oy], d->out_w, o);
        else if (level == 1) r_vertical_avx2(top, bottom, r->wy[oy], d->out_w, o);
        else
#endif
            r_vertical_base(top, bottom, r->wy[oy], d->out_w, o);
    }
}

void vk_qresize_run(const vk_qresize *r, const void *x, void *y, long p0, long p1, float *scratch) {
    const VKQResizeDesc *d = &r->d;
    const long in = (long)d->in_h * d->in_w, out = (long)d->out_h * d->out_w;
    const int level = vk_qisa();
    float *input = scratch;
    float *hp = scratch + (d->table ? in : 0);
    float *result = hp + (d->linear ? (long)d->in_h * d->out_w : 0);
    for (long p = p0; p < p1; p++) {
        const float *plane = (const float *)x + p * in;
        if (d->table) {
            vk_qlookup_f32(d->table, (const uint8_t *)x + p * in, input, in);
            plane = input;
        }
        r_plane(r, level, plane, hp, result);
        vk_quantize_f32(result, (uint8_t *)y + p * out, out, d->scale, d->zero_point, d->is_signed);
    }
}
