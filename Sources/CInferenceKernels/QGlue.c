// Byte kernels between the integer convolutions of quantised models: see include/QGlue.h.
//
// Everything is computed in the unsigned domain: an int8 value v with zero point z is the uint8 value v ^ 0x80
// (v + 128) with zero point z + 128, which leaves every difference v − z unchanged; a signed output is flipped back.

#include "CInferenceKernels.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define VG_X86 1
#endif

// Inside ±2^22 adding and subtracting 1.5·2^23 rounds half to even; beyond it the result saturates anyway.
// Separate statements: no contraction of the products and the sum into an FMA at the AVX-512 level, so every
// level gives the same bytes.
#define VG_QADD_BODY                                                                                    \
    do {                                                                                                \
        const uint8_t *pa = (const uint8_t *)a, *pb = (const uint8_t *)b;                               \
        uint8_t *py = (uint8_t *)y;                                                                     \
        const uint8_t fa = d->a_signed ? 0x80 : 0, fb = d->b_signed ? 0x80 : 0, fy = d->y_signed ? 0x80 : 0; \
        const float za = (float)(d->a_zero + (d->a_signed ? 128 : 0));                                 \
        const float zb = (float)(d->b_zero + (d->b_signed ? 128 : 0));                                 \
        const float zy = (float)(d->y_zero + (d->y_signed ? 128 : 0));                                 \
        const float lo = (float)(d->lo + (d->y_signed ? 128 : 0)), hi = (float)(d->hi + (d->y_signed ? 128 : 0)); \
        const float ra = d->a_ratio, rb = d->b_ratio, magic = 12582912.0f, bound = 4194304.0f;         \
        for (long i = 0; i < n; i++) {                                                                  \
            float xa = (float)(uint8_t)(pa[i] ^ fa) - za;                                               \
            float xb = (float)(uint8_t)(pb[i] ^ fb) - zb;                                               \
            float ta = xa * ra;                                                                         \
            float tb = xb * rb;                                                                         \
            float t = ta + tb;                                                                          \
            t = t < -bound ? -bound : (t > bound ? bound : t);                                          \
            float r = (t + magic) - magic;                                                              \
            float v = r + zy;                                                                           \
            v = v < lo ? lo : (v > hi ? hi : v);                                                        \
            py[i] = (uint8_t)((uint8_t)(int)v ^ fy);                                                    \
        }                                                                                               \
    } while (0)

static void g_qadd_base(const VKQAddDesc *d, const void *a, const void *b, void *y, long n) { VG_QADD_BODY; }

#ifdef VG_X86
__attribute__((target("avx2"))) static void g_qadd_avx2(const VKQAddDesc *d, const void *a, const void *b, void *y,
                                                        long n) {
    VG_QADD_BODY;
}

__attribute__((target("avx512f,avx512bw"))) static void g_qadd_avx512(const VKQAddDesc *d, const void *a,
                                                                      const void *b, void *y, long n) {
    VG_QADD_BODY;
}
#endif

void vk_qadd(const VKQAddDesc *d, const void *a, const void *b, void *y, long n) {
#ifdef VG_X86
    int level = vk_qisa();  // level 2 there includes AVX-512 BW
    if (level >= 2) {
        g_qadd_avx512(d, a, b, y, n);
        return;
    }
    if (level >= 1) {
        g_qadd_avx2(d, a, b, y, n);
        return;
    }
#endif
    g_qadd_base(d, a, b, y, n);
}

// ---- 256-entry byte lookup ----

static void g_lookup_base(const uint8_t *table, const uint8_t *x, uint8_t *y, long n) {
    for (long i = 0; i < n; i++) y[i] = table[x[i]];
}

#ifdef VG_X86
#include <immintrin.h>

static int g_cpu_vbmi(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v >= 0) return v;
    __builtin_cpu_init();
    v = __builtin_cpu_supports("avx512vbmi") ? 1 : 0;
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    return v;
}

// 64 bytes per step: vpermi2b looks each byte's low 7 bits up in one half of the table (128 entries in two zmm),
// bit 7 picks the half. `rows` rows of n bytes, `ld` apart in x and in y, with the table loaded once.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static void g_lookup_vbmi(const uint8_t *table, const uint8_t *x,
                                                                                uint8_t *y, long rows, long n, long ld) {
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    for (long r = 0; r < rows; r++, x += ld, y += ld) {
        long i = 0;
        for (; i + 64 <= n; i += 64) {
            __m512i v = _mm512_loadu_si512(x + i);
            __m512i lo = _mm512_permutex2var_epi8(t0, v, t1), hi = _mm512_permutex2var_epi8(t2, v, t3);
            __mmask64 high = _mm512_movepi8_mask(v);
            _mm512_storeu_si512(y + i, _mm512_mask_blend_epi8(high, lo, hi));
        }
        if (i < n) {
            __mmask64 m = (1ULL << (n - i)) - 1;  // n − i < 64 here
            __m512i v = _mm512_maskz_loadu_epi8(m, x + i);
            __m512i lo = _mm512_permutex2var_epi8(t0, v, t1), hi = _mm512_permutex2var_epi8(t2, v, t3);
            _mm512_mask_storeu_epi8(y + i, m, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), lo, hi));
        }
    }
}
#endif

void vk_qlookup_rows(const uint8_t *table, const void *x, void *y, long rows, long n, long ld) {
#ifdef VG_X86
    if (vk_qisa() >= 2 && g_cpu_vbmi()) {
        g_lookup_vbmi(table, (const uint8_t *)x, (uint8_t *)y, rows, n, ld);
        return;
    }
#endif
    for (long r = 0; r < rows; r++) g_lookup_base(table, (const uint8_t *)x + r * ld, (uint8_t *)y + r * ld, n);
}

void vk_qlookup(const uint8_t *table, const void *x, void *y, long n) { vk_qlookup_rows(table, x, y, 1, n, n); }

// ---- 256-entry byte → float lookup ----

static void g_lookup_f32_base(const float *table, const uint8_t *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = table[x[i]];
}

#ifdef VG_X86
// 16 floats per step by vpgatherdd from the 1 KiB table (L1-resident).
__attribute__((target("avx512f"))) static void g_lookup_f32_avx512(const float *table, const uint8_t *x, float *y,
                                                                  long n) {
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i idx = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(x + i)));
        _mm512_storeu_ps(y + i, _mm512_i32gather_ps(idx, table, 4));
    }
    for (; i < n; i++) y[i] = table[x[i]];
}
#endif

void vk_qlookup_f32(const float *table, const void *x, float *y, long n) {
#ifdef VG_X86
    if (vk_qisa() >= 2) {
        g_lookup_f32_avx512(table, (const uint8_t *)x, y, n);
        return;
    }
#endif
    g_lookup_f32_base(table, (const uint8_t *)x, y, n);
}

// ---- strided byte copies (a byte Transpose, DepthToSpace, Slice) ----

// dst[i·ways + j] = src[j·stride + i] for i < n, j < ways: SSE2 (baseline x86-64) 16 pixels of 2 rows, or 8 of 4, per
// step, then a scalar loop.
static void g_interleave(const uint8_t *src, long stride, int ways, long n, uint8_t *dst) {
    long i = 0;
#ifdef VG_X86
    if (ways == 2) {
        for (; i + 16 <= n; i += 16) {
            const __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
            const __m128i b = _mm_loadu_si128((const __m128i *)(src + stride + i));
            _mm_storeu_si128((__m128i *)(dst + 2 * i), _mm_unpacklo_epi8(a, b));
            _mm_storeu_si128((__m128i *)(dst + 2 * i + 16), _mm_unpackhi_epi8(a, b));
        }
    } else if (ways == 4) {
        for (; i + 8 <= n; i += 8) {
            const __m128i a = _mm_loadl_epi64((const __m128i *)(src + i));
            const __m128i b = _mm_loadl_epi64((const __m128i *)(src + stride + i));
            const __m128i c = _mm_loadl_epi64((const __m128i *)(src + 2 * stride + i));
            const __m128i e = _mm_loadl_epi64((const __m128i *)(src + 3 * stride + i));
            const __m128i ab = _mm_unpacklo_epi8(a, b), ce = _mm_unpacklo_epi8(c, e);
            _mm_storeu_si128((__m128i *)(dst + 4 * i), _mm_unpacklo_epi16(ab, ce));
            _mm_storeu_si128((__m128i *)(dst + 4 * i + 16), _mm_unpackhi_epi16(ab, ce));
        }
    }
#endif
    for (; i < n; i++) {
        for (int j = 0; j < ways; j++) dst[i * ways + j] = src[j * stride + i];
    }
}

#ifdef VG_X86
// Two rows interleaved with AVX-512 BW/VL masked loads and stores: no scalar tail (rows of a 7-wide map are 7 bytes).
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void g_interleave2_avx512(const uint8_t *src, long stride,
                                                                                      long n, uint8_t *dst) {
    for (long i = 0; i < n; i += 16) {
        const long rest = n - i;
        const __mmask16 m = rest >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << rest) - 1);
        const __m128i a = _mm_maskz_loadu_epi8(m, src + i), b = _mm_maskz_loadu_epi8(m, src + stride + i);
        const __mmask16 lo = rest >= 8 ? (__mmask16)0xFFFF : (__mmask16)((1u << (2 * rest)) - 1);
        const __mmask16 hi = rest >= 16 ? (__mmask16)0xFFFF : (rest > 8 ? (__mmask16)((1u << (2 * (rest - 8))) - 1) : 0);
        _mm_mask_storeu_epi8(dst + 2 * i, lo, _mm_unpacklo_epi8(a, b));
        _mm_mask_storeu_epi8(dst + 2 * i + 16, hi, _mm_unpackhi_epi8(a, b));
    }
}
#endif

void vk_strided_copy_bytes(const uint8_t *src, int rank, const long *dims, const long *strides, long o0, long o1,
                           uint8_t *dst) {
    if (rank < 1 || rank > VK_STRIDED_MAX_RANK) return;
    const int r = rank;
    // Rows: the innermost axis, or the innermost two interleaved (the last short and strided, the one before contiguous).
    const int interleave = r >= 3 && strides[r - 2] == 1 && dims[r - 1] >= 2 && dims[r - 1] <= 8 && strides[r - 1] != 1;
    const int row_axes = interleave ? 2 : 1;
    const long n = interleave ? dims[r - 1] * dims[r - 2] : dims[r - 1], st = strides[r - 1];
    long rows = 1;
    if (r >= 2) {
        rows = o1 > o0 ? o1 - o0 : 0;
        for (int d = 1; d < r - row_axes; d++) rows *= dims[d];
    }
    if (n == 0) return;
#ifdef VG_X86
    const int avx512 = interleave && dims[r - 1] == 2 && vk_qisa() >= 2;
#endif
    long idx[VK_STRIDED_MAX_RANK] = {0};
    long off = 0;
    if (r >= 2) {
        idx[0] = o0;
        off = o0 * strides[0];
    }
    for (long row = 0; row < rows; row++, dst += n) {
        const uint8_t *s = src + off;
        if (interleave) {
#ifdef VG_X86
            if (avx512) g_interleave2_avx512(s, st, dims[r - 2], dst);
            else
#endif
                g_interleave(s, st, (int)dims[r - 1], dims[r - 2], dst);
        } else if (st == 1) {
            memcpy(dst, s, (size_t)n);
        } else {
            for (long i = 0; i < n; i++) dst[i] = s[i * st];
        }
        // The next row: advance the axes outside the row, innermost first.
        for (int d = r - 1 - row_axes; d >= 0; d--) {
            off += strides[d];
            if (++idx[d] < dims[d]) break;
            off -= strides[d] * dims[d];
            idx[d] = 0;
        }
    }
}
