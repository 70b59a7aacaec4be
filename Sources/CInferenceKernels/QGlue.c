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
