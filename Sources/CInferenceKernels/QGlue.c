// Byte kernels between the integer convolutions of quantised models: see include/QGlue.h.
//
// Everything is computed in the unsigned domain: an int8 value v with zero point z is the uint8 value v ^ 0x80
// (v + 128) with zero point z + 128, which leaves every difference v − z unchanged; a signed output is flipped back.

#include "CInferenceKernels.h"

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
// bit 7 picks the half.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static void g_lookup_vbmi(const uint8_t *table, const uint8_t *x,
                                                                                uint8_t *y, long n) {
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
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
#endif

void vk_qlookup(const uint8_t *table, const void *x, void *y, long n) {
#ifdef VG_X86
    if (vk_qisa() >= 2 && g_cpu_vbmi()) {
        g_lookup_vbmi(table, (const uint8_t *)x, (uint8_t *)y, n);
        return;
    }
#endif
    g_lookup_base(table, (const uint8_t *)x, (uint8_t *)y, n);
}

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
