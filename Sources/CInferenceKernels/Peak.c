// Loops that measure the machine's peak rates for `vigil bench nn --peak`: the FMA throughput per ISA
// level (independent accumulator chains, so only the FMA pipes limit it) and the core clock (a chain of
// dependent integer adds, one per cycle). The figures of docs/inference.md's "% of peak" come from these.
#include "CInferenceKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

// 16 independent chains (Zen 4 and Intel cores need latency × pipes = 8–10 in flight), 16 FMAs per step.
#define PEAK_STEP(f)                                                                              \
    a0 = f(a0, m, c); a1 = f(a1, m, c); a2 = f(a2, m, c); a3 = f(a3, m, c);                        \
    a4 = f(a4, m, c); a5 = f(a5, m, c); a6 = f(a6, m, c); a7 = f(a7, m, c);                        \
    a8 = f(a8, m, c); a9 = f(a9, m, c); a10 = f(a10, m, c); a11 = f(a11, m, c);                    \
    a12 = f(a12, m, c); a13 = f(a13, m, c); a14 = f(a14, m, c); a15 = f(a15, m, c);

__attribute__((target("avx512f"), noinline)) static double peak512(long steps) {
    __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    __m512 a0 = _mm512_set1_ps(1.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    __m512 a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
    for (long i = 0; i < steps; i++) {
        PEAK_STEP(_mm512_fmadd_ps)
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7));
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                             _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)),
                                       _mm512_add_ps(_mm512_add_ps(a12, a13), _mm512_add_ps(a14, a15))));
    return (double)_mm512_reduce_add_ps(s);
}

// AVX2 has 16 ymm registers: 12 chains plus the two operands, so nothing is spilled.
__attribute__((target("avx2,fma"), noinline)) static double peak256(long steps) {
    __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    __m256 a0 = _mm256_set1_ps(1.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    __m256 a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    for (long i = 0; i < steps; i++) {
        a0 = _mm256_fmadd_ps(a0, m, c); a1 = _mm256_fmadd_ps(a1, m, c); a2 = _mm256_fmadd_ps(a2, m, c);
        a3 = _mm256_fmadd_ps(a3, m, c); a4 = _mm256_fmadd_ps(a4, m, c); a5 = _mm256_fmadd_ps(a5, m, c);
        a6 = _mm256_fmadd_ps(a6, m, c); a7 = _mm256_fmadd_ps(a7, m, c); a8 = _mm256_fmadd_ps(a8, m, c);
        a9 = _mm256_fmadd_ps(a9, m, c); a10 = _mm256_fmadd_ps(a10, m, c); a11 = _mm256_fmadd_ps(a11, m, c);
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    float v[8];
    _mm256_storeu_ps(v, s);
    return (double)(v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]);
}
#undef PEAK_STEP

double vk_peak_fma(int level, long steps, double *checksum) {
    if (steps <= 0 || level < 1 || level > vk_cpu_isa()) return 0;
    double s = level == 2 ? peak512(steps) : peak256(steps);
    if (checksum) *checksum = s;
    // zmm: 16 FMAs × 16 lanes × 2; ymm: 12 FMAs × 8 lanes × 2.
    return (double)steps * (level == 2 ? 16.0 * 32.0 : 12.0 * 16.0);
}

long vk_clock_cycles(long steps) {
    if (steps <= 0) return 0;
    long x = 0, n = steps, one = 1;
    // Eight dependent register-register adds per iteration: one cycle each on every x86-64 core of the last 15
    // years; the loop counter runs beside them. Not `add $1`: Golden Cove and later (Sapphire/Emerald Rapids,
    // Alder Lake's P-cores) fold chains of immediate adds at rename, several per cycle (that read 11.7 GHz on
    // an Emerald Rapids Xeon whose register chain reads 2.95).
    __asm__ volatile("1:\n\t"
                     "add %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\t"
                     "add %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\t"
                     "dec %1\n\tjnz 1b"
                     : "+r"(x), "+r"(n)
                     : "r"(one)
                     : "cc");
    return x;
}

#else
double vk_peak_fma(int level, long steps, double *checksum) {
    (void)level; (void)steps; (void)checksum;
    return 0;
}
long vk_clock_cycles(long steps) { return steps > 0 ? steps * 8 : 0; }
#endif
