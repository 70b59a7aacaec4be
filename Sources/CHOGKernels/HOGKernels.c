// The per-pixel work of the HOG people detector. See CHOGKernels.h.
//
// Each kernel is written once as an always-inline body and instantiated three times: a baseline x86-64 (or
// portable) copy, an AVX2+FMA copy and an AVX-512 copy (the compiler vectorises the loops for each, 16 lanes wide in
// the last); the widest the CPU (and the OS) support is chosen at run time. The histogram's scatter into the bins
// is written with intrinsics (an AVX2 and an AVX-512 version), the SVM and the block normalisation with 8-lane
// vector types. Package.swift compiles this target with -O2 and -fno-math-errno in every configuration (the
// detector runs in debug test builds too, and sqrtf must be an instruction to vectorise) and with
// -ffp-contract=off, so that the bodies give the same features whatever the machine: the AVX2 and AVX-512 bodies
// the same bits (every sum runs in one order, each product fused or not alike), the baseline the same to about
// 1e-7 (its row histogram adds a pixel's shares unfused); the SVM sums every window in the same order in all three.

#include "CHOGKernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HOG_INLINE static inline __attribute__((always_inline))

// Eight lanes (one register in the AVX2 body, two in the baseline), for the sums written lane by lane.
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v8f_unaligned __attribute__((vector_size(32), aligned(4)));
// (Macros, not functions: a baseline body must not pass 32-byte vectors by value.)
#define load8(p) (*(const v8f_unaligned *)(p))
#define store8(p, v) (*(v8f_unaligned *)(p) = (v))
#define splat8(a) ((v8f){(a), (a), (a), (a), (a), (a), (a), (a)})

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define HOG_X86 1
#define HOG_AVX2 __attribute__((target("avx2,fma"), noinline)) static
#define HOG_AVX512 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl"), noinline)) static
#include <immintrin.h>
#endif

int vigil_hog_isa(void) {
    static int cached = -1;  // a data race on an int written with the same value by every thread: benign
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v >= 0) return v;
    v = 0;
#if HOG_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) v = 1;
    if (v == 1 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        v = 2;
#endif
    const int cap = vigil_hog_isa_cap_named(getenv("VIGIL_HOG_ISA"));  // a narrower body, e.g. to compare them
    if (cap >= 0 && v > cap) v = cap;  // an unknown value (refused by the vigil command at start-up): no cap
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    return v;
}

int vigil_hog_isa_cap_named(const char *name) {
    if (!name || strcmp(name, "avx512") == 0) return 2;
    if (strcmp(name, "avx2") == 0 || strcmp(name, "avxvnni") == 0) return 1;
    if (strcmp(name, "none") == 0 || strcmp(name, "baseline") == 0) return 0;
    return -1;
}

// MARK: - Cell weights, angle, bins, L2-Hys

void vigil_hog_cell_weights(float out[32]) {
    for (int j = 0; j < 16; j++) {
        float d = (float)j - 8;
        float gauss = (float)exp((double)(-d * d / 32));  // σ = (16 + 16) / 8 = 4
        float c = ((float)j + 0.5f) / 8 - 0.5f;
        for (int k = 0; k < 2; k++) {
            float t = 1 - fabsf(c - (float)k);
            out[j * 2 + k] = gauss * (t > 0 ? t : 0);
        }
    }
}

HOG_INLINE float angle_of(float dx, float dy) {
    int flip = dy < 0 || (dy == 0 && dx < 0);
    float x = flip ? -dx : dx, y = flip ? -dy : dy;
    float ax = x < 0 ? -x : x;
    const float small = 2.220446e-16f;  // OpenCV's DBL_EPSILON: 0/0 gives 0
    int steep = y > ax;
    float t = (steep ? ax : y) / ((steep ? y : ax) + small);  // one division a lane, not one per side
    float t2 = t * t;
    float a = ((((-0.04432655554792128f) * t2 + 0.1555786518463281f) * t2 - 0.3258083974640975f) * t2
               + 0.9997878412794807f) * t;
    a = steep ? 1.5707963267948966f - a : a;
    return x < 0 ? 3.141592653589793f - a : a;
}

// OpenCV's binning: a = angle·9/π − ½, lower bin ⌊a⌋ (wrapped), the magnitude split by a's fraction.
HOG_INLINE void bin_of(float dx, float dy, float magnitude, float *w0, float *w1, int32_t *h0, int32_t *h1) {
    float a = angle_of(dx, dy) * (9.0f / 3.141592653589793f) - 0.5f;  // −0.5 … 8.5
    float fl = floorf(a);
    int32_t lower = (int32_t)fl;
    float frac = a - fl;
    *h0 = lower < 0 ? lower + 9 : lower;
    *h1 = lower + 1 >= 9 ? 0 : lower + 1;
    *w0 = magnitude * (1 - frac);
    *w1 = magnitude * frac;
}

float vigil_hog_angle(float dx, float dy) { return angle_of(dx, dy); }

void vigil_hog_bin(float dx, float dy, float magnitude, float *w0, float *w1, int32_t *h0, int32_t *h1) {
    bin_of(dx, dy, magnitude, w0, w1, h0, h1);
}

void vigil_hog_l2hys(float *v, int n) {
    float sum = 0;
    for (int k = 0; k < n; k++) sum += v[k] * v[k];
    float scale = 1 / (sqrtf(sum) + (float)n * 0.1f);
    sum = 0;
    for (int k = 0; k < n; k++) {
        float x = v[k] * scale;
        x = x < 0.2f ? x : 0.2f;
        v[k] = x;
        sum += x * x;
    }
    scale = 1 / (sqrtf(sum) + 1e-3f);
    for (int k = 0; k < n; k++) v[k] *= scale;
}

// MARK: - Sampling

HOG_INLINE void tap(float f, int limit, int *i, int *j, float *a) {
    float c = f > 0 ? f : 0;
    c = c < (float)(limit - 1) ? c : (float)(limit - 1);
    int k = (int)c;
    *i = k;
    *j = k + 1 < limit ? k + 1 : limit - 1;
    *a = c - (float)k;
}

// One output row of one channel along x from the vertically interpolated source row.
HOG_INLINE void sample_row(float *restrict out, const float *restrict row, const int32_t *restrict x0,
                           const int32_t *restrict x1, const float *restrict ax, int w) {
    for (int x = 0; x < w; x++) {
        float p = row[x0[x]], q = row[x1[x]];
        out[x] = sqrtf(rintf(p + ax[x] * (q - p)));  // rounded to 8 bits, then OpenCV's gamma √
    }
}

#if HOG_X86
// The three channels of one output row at once: each output pixel's two taps read as one 4-value load each
// (R, G, B and the next pixel's R, unused) from the interleaved source row, four pixels' loads turned into planes
// (a 4×4 transpose per half register), then the same sum, rounding and √ as sample_row, eight pixels a step.
__attribute__((target("avx2,fma"))) static inline void sample_rows_avx2(float *out, long planeSize, const float *row,
                                                                        const int32_t *x0, const int32_t *x1,
                                                                        const float *ax, int w) {
    int x = 0;
    for (; x + 8 <= w; x += 8) {
        __m256 p[4], q[4];
        for (int i = 0; i < 4; i++) {  // pixel x + i in the low half, x + 4 + i in the high one
            p[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(row + x0[x + i])),
                                        _mm_loadu_ps(row + x0[x + 4 + i]), 1);
            q[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(row + x1[x + i])),
                                        _mm_loadu_ps(row + x1[x + 4 + i]), 1);
        }
        __m256 planes[2][3];
        for (int t = 0; t < 2; t++) {
            const __m256 *v = t ? q : p;
            const __m256 lo01 = _mm256_unpacklo_ps(v[0], v[1]), lo23 = _mm256_unpacklo_ps(v[2], v[3]);
            const __m256 hi01 = _mm256_unpackhi_ps(v[0], v[1]), hi23 = _mm256_unpackhi_ps(v[2], v[3]);
            planes[t][0] = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(lo01), _mm256_castps_pd(lo23)));
            planes[t][1] = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(lo01), _mm256_castps_pd(lo23)));
            planes[t][2] = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(hi01), _mm256_castps_pd(hi23)));
        }
        const __m256 a = _mm256_loadu_ps(ax + x);
        for (int c = 0; c < 3; c++) {
            const __m256 pc = planes[0][c], v = _mm256_add_ps(pc, _mm256_mul_ps(a, _mm256_sub_ps(planes[1][c], pc)));
            _mm256_storeu_ps(out + c * planeSize + x,
                             _mm256_sqrt_ps(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
        }
    }
    for (; x < w; x++) {
        for (int c = 0; c < 3; c++) {
            const float p = row[x0[x] + c], q = row[x1[x] + c];
            out[c * planeSize + x] = sqrtf(rintf(p + ax[x] * (q - p)));
        }
    }
}
#endif

HOG_INLINE void sample_body(VigilHOGMap *m, const uint8_t *rgb, int fw, int fh, long fs, float rx, float ry, float sx,
                            float sy, int32_t *x0, int32_t *x1, float *ax, float *rowBuffer, int isa) {
    const int w = m->width, h = m->height;
    for (int x = 0; x < w; x++) {
        int i, j;
        float a;
        tap(rx + ((float)x + 0.5f) * sx - 0.5f, fw, &i, &j, &a);
        x0[x] = i * 3; x1[x] = j * 3; ax[x] = a;
    }
    const int first = x0[0], span = x1[w - 1] + 3 - first;  // the bytes of a source row the level reads
    float *row = rowBuffer - first;
    const long planeSize = (long)h * m->rowStride;
    for (int y = 0; y < h; y++) {
        int i, j;
        float ay;
        tap(ry + ((float)y + 0.5f) * sy - 0.5f, fh, &i, &j, &ay);
        const uint8_t *top = rgb + (long)i * fs, *bottom = rgb + (long)j * fs;
        for (int k = first; k < first + span; k++) {
            float t = (float)top[k];
            row[k] = t + ay * ((float)bottom[k] - t);
        }
        float *out = m->planes + (long)y * m->rowStride + 1;
#if HOG_X86
        if (isa >= 1) { sample_rows_avx2(out, planeSize, row, x0, x1, ax, w); continue; }
#else
        (void)isa;
#endif
        for (int c = 0; c < 3; c++) sample_row(out + c * planeSize, row + c, x0, x1, ax, w);
    }
}

// MARK: - Gradients and histograms

// OpenCV's computeGradient for one row: per pixel the channel with the largest gradient (R first, ties keep the
// earlier), its two bins and the magnitude's share of each.
HOG_INLINE void gradient_body(const float *const r[9], int n, float *m0, float *m1, int32_t *b0, int32_t *b1) {
    const float *ru = r[0], *rm = r[1], *rd = r[2], *gu = r[3], *gm = r[4], *gd = r[5];
    const float *bu = r[6], *bm = r[7], *bd = r[8];
    for (int x = 0; x < n; x++) {
        float dx = rm[x + 1] - rm[x - 1], dy = rd[x] - ru[x], best = dx * dx + dy * dy;
        float gx = gm[x + 1] - gm[x - 1], gy = gd[x] - gu[x], g2 = gx * gx + gy * gy;
        int g = best < g2;
        dx = g ? gx : dx; dy = g ? gy : dy; best = g ? g2 : best;
        float cx = bm[x + 1] - bm[x - 1], cy = bd[x] - bu[x], c2 = cx * cx + cy * cy;
        int b = best < c2;
        dx = b ? cx : dx; dy = b ? cy : dy; best = b ? c2 : best;
        bin_of(dx, dy, sqrtf(best), &m0[x], &m1[x], &b0[x], &b1[x]);
    }
}

// y[0..<n] += a · x[0..<n].
HOG_INLINE void axpy(long n, float a, const float *restrict x, float *restrict y) {
    for (long i = 0; i < n; i++) y[i] += a * x[i];
}

// The row histogram, one pixel at a time (the baseline body).
HOG_INLINE void row_histogram_scalar(VigilHOGMap *m, int columns, const float *tw) {
    float *h = m->rowHistogram;
    const float *w0s = m->magnitude0, *w1s = m->magnitude1;
    const int32_t *b0 = m->bin0, *b1 = m->bin1;
    const int blocksX = m->blocksX;
    for (int x = 0; x < columns; x++) {
        const int j = x & 7, bx = x >> 3;
        const int a0 = b0[x], a1 = b1[x];
        const float w0 = w0s[x], w1 = w1s[x];
        if (bx < blocksX) {  // this block, pixel column j
            float *p = h + bx * 18;
            const float c0 = tw[j * 2], c1 = tw[j * 2 + 1];
            p[a0] += c0 * w0; p[a1] += c0 * w1; p[9 + a0] += c1 * w0; p[9 + a1] += c1 * w1;
        }
        if (bx >= 1) {  // the block to the left, pixel column j + 8
            float *p = h + (bx - 1) * 18;
            const float c0 = tw[(j + 8) * 2], c1 = tw[(j + 8) * 2 + 1];
            p[a0] += c0 * w0; p[a1] += c0 * w1; p[9 + a0] += c1 * w0; p[9 + a1] += c1 * w1;
        }
    }
}

// The block rows row y's pixels fall in, with their weight: the block row starting at this row (pixel row i of it)
// and the one above (i + 8), each for both cells down; `dst[t]` the accumulator of target t. Returns the count.
HOG_INLINE int row_targets(VigilHOGMap *m, int y, const float *tw, float *dst[4], float weight[4]) {
    int n = 0;
    for (int s = 0; s < 2; s++) {
        const int row = (y >> 3) - s, k = (y & 7) + 8 * s;
        if (row < 0 || row >= m->blocksY) continue;
        for (int cy = 0; cy < 2; cy++) {
            const float c = tw[k * 2 + cy];
            if (c != 0) { dst[n] = m->accumulator + (row * 2 + cy) * m->histLength; weight[n++] = c; }
        }
    }
    return n;
}

// Row y's pixels into the blocks holding them (the baseline body): along x through the row histogram (each pixel
// column j of a block, for both cells across), then along y into the accumulators of the block rows and cells.
HOG_INLINE void accumulate_scalar(VigilHOGMap *m, int y, int columns, const float *tw) {
    float *h = m->rowHistogram, *dst[4], weight[4];
    memset(h, 0, (size_t)m->histLength * sizeof(float));
    row_histogram_scalar(m, columns, tw);
    const int n = row_targets(m, y, tw, dst, weight);
    for (int t = 0; t < n; t++) axpy(m->histLength, weight[t], h, dst[t]);
}

#if HOG_X86

// r[j] lane c ← r[c] lane j.
__attribute__((target("avx2,fma"))) static inline void transpose8(__m256 r[8]) {
    __m256 t[8], s[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        s[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        s[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        s[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        s[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x31);
    }
}

// Bin 8 of every cell column of the row (the vectors below hold bins 0…7): per pixel its share of bin 8, eight
// columns at a time with a lane per pixel, turned (transposed) to a lane per column, then summed down the column's
// eight pixels in order with the four cell weights (cell 0 and 1 of block c, of block c − 1), into out[w][c].
__attribute__((target("avx2,fma"))) static inline void bin8_sums(const VigilHOGMap *m, int cells, const float *tw,
                                                                 float *out[4]) {
    const __m256i eight = _mm256_set1_epi32(8);
    for (int c0 = 0; c0 < cells; c0 += 8) {
        __m256 v[8];
        for (int i = 0; i < 8; i++) {
            const int x = (c0 + i) * 8;
            if (c0 + i >= cells) { v[i] = _mm256_setzero_ps(); continue; }
            const __m256 e0 = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_loadu_si256((const __m256i *)(m->bin0 + x)), eight));
            const __m256 e1 = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_loadu_si256((const __m256i *)(m->bin1 + x)), eight));
            v[i] = _mm256_add_ps(_mm256_and_ps(e0, _mm256_loadu_ps(m->magnitude0 + x)),
                                 _mm256_and_ps(e1, _mm256_loadu_ps(m->magnitude1 + x)));
        }
        transpose8(v);
        __m256 s[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        for (int j = 0; j < 8; j++) {
            const float c[4] = {tw[j * 2], tw[j * 2 + 1], tw[(j + 8) * 2], tw[(j + 8) * 2 + 1]};
            for (int w = 0; w < 4; w++) s[w] = _mm256_add_ps(s[w], _mm256_mul_ps(_mm256_set1_ps(c[w]), v[j]));
        }
        for (int w = 0; w < 4; w++) _mm256_storeu_ps(out[w] + c0, s[w]);
    }
}

// Row y's pixels into the blocks holding them, with AVX2. Per cell column c (eight pixels; cell 0 of block c and
// cell 1 of block c − 1), each pixel's two bins' shares as one vector over bins 0…7 (a permutation of
// (share 0, share 1, 0) chosen by its lower bin) added into four registers, one per cell weight along x; bin 8 aside
// (bin8_sums). Block c − 1's row histogram is then complete (column c − 1's part kept in registers plus column c's)
// and goes straight into the accumulators of its block rows with their weights along y.
__attribute__((target("avx2,fma"), noinline)) static void accumulate_avx2(VigilHOGMap *m, int y, int columns,
                                                                         const float *tw) {
    float *dst[4], weight[4];
    const int targets = row_targets(m, y, tw, dst, weight), cells = columns / 8;  // columns: whole cells
    if (targets == 0) return;
    float *h8[4];
    for (int w = 0; w < 4; w++) h8[w] = m->rowHistogram + w * ((cells + 7) & ~7);
    bin8_sums(m, cells, tw, h8);
    // Lane i of pattern b: share 0 (lane 0 of the source) on bin b, share 1 (lane 1) on bin b + 1 mod 9, else 0.
    static const int32_t patterns[9][8] __attribute__((aligned(32))) = {
        {0, 1, 2, 2, 2, 2, 2, 2}, {2, 0, 1, 2, 2, 2, 2, 2}, {2, 2, 0, 1, 2, 2, 2, 2},
        {2, 2, 2, 0, 1, 2, 2, 2}, {2, 2, 2, 2, 0, 1, 2, 2}, {2, 2, 2, 2, 2, 0, 1, 2},
        {2, 2, 2, 2, 2, 2, 0, 1}, {2, 2, 2, 2, 2, 2, 2, 0}, {1, 2, 2, 2, 2, 2, 2, 2}};
    const float *w0s = m->magnitude0, *w1s = m->magnitude1;
    const int32_t *b0 = m->bin0;
    __m256 p0 = _mm256_setzero_ps(), p1 = p0;  // cell column c − 1's part of block c − 1
    for (int c = 0; c < cells; c++) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, l0 = a0, l1 = a0;
        for (int j = 0; j < 8; j++) {
            const int x = c * 8 + j;
            const __m128 pair = _mm_unpacklo_ps(_mm_load_ss(w0s + x), _mm_load_ss(w1s + x));
            const __m256 v = _mm256_permutevar8x32_ps(_mm256_zextps128_ps256(pair),
                                                      _mm256_load_si256((const __m256i *)patterns[b0[x]]));
            a0 = _mm256_fmadd_ps(_mm256_set1_ps(tw[j * 2]), v, a0);
            a1 = _mm256_fmadd_ps(_mm256_set1_ps(tw[j * 2 + 1]), v, a1);
            l0 = _mm256_fmadd_ps(_mm256_set1_ps(tw[(j + 8) * 2]), v, l0);
            l1 = _mm256_fmadd_ps(_mm256_set1_ps(tw[(j + 8) * 2 + 1]), v, l1);
        }
        if (c >= 1) {  // block c − 1: (cell x 0 | 8, cell x 1 | 17), each row's share added as a product then a sum
            const __m256 t0 = _mm256_add_ps(p0, l0), t1 = _mm256_add_ps(p1, l1);
            const float t0h = h8[0][c - 1] + h8[2][c], t1h = h8[1][c - 1] + h8[3][c];
            for (int t = 0; t < targets; t++) {
                float *p = dst[t] + (c - 1) * 18;
                const __m256 wt = _mm256_set1_ps(weight[t]);
                _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), _mm256_mul_ps(wt, t0)));
                _mm256_storeu_ps(p + 9, _mm256_add_ps(_mm256_loadu_ps(p + 9), _mm256_mul_ps(wt, t1)));
                p[8] += weight[t] * t0h;
                p[17] += weight[t] * t1h;
            }
        }
        p0 = a0; p1 = a1;
    }
}

// accumulate_avx2 with 16 lanes: both cells across in one register (lanes 0…7 cell 0, 8…15 cell 1), so two
// products a pixel instead of four, each lane's the same as there; the sixteen weight registers stay loaded.
HOG_AVX512 void accumulate_avx512(VigilHOGMap *m, int y, int columns, const float *tw) {
    float *dst[4], weight[4];
    const int targets = row_targets(m, y, tw, dst, weight), cells = columns / 8;
    if (targets == 0) return;
    float *h8[4];
    for (int w = 0; w < 4; w++) h8[w] = m->rowHistogram + w * ((cells + 7) & ~7);
    bin8_sums(m, cells, tw, h8);
    static const int32_t patterns[9][16] __attribute__((aligned(64))) = {
        {0, 1, 2, 2, 2, 2, 2, 2, 0, 1, 2, 2, 2, 2, 2, 2}, {2, 0, 1, 2, 2, 2, 2, 2, 2, 0, 1, 2, 2, 2, 2, 2},
        {2, 2, 0, 1, 2, 2, 2, 2, 2, 2, 0, 1, 2, 2, 2, 2}, {2, 2, 2, 0, 1, 2, 2, 2, 2, 2, 2, 0, 1, 2, 2, 2},
        {2, 2, 2, 2, 0, 1, 2, 2, 2, 2, 2, 2, 0, 1, 2, 2}, {2, 2, 2, 2, 2, 0, 1, 2, 2, 2, 2, 2, 2, 0, 1, 2},
        {2, 2, 2, 2, 2, 2, 0, 1, 2, 2, 2, 2, 2, 2, 0, 1}, {2, 2, 2, 2, 2, 2, 2, 0, 2, 2, 2, 2, 2, 2, 2, 0},
        {1, 2, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 2}};
    __m512 cw[8], dw[8];  // pixel column j's weights for cells 0 | 1 of block c, and of block c − 1
    for (int j = 0; j < 8; j++) {
        cw[j] = _mm512_insertf32x8(_mm512_set1_ps(tw[j * 2]), _mm256_set1_ps(tw[j * 2 + 1]), 1);
        dw[j] = _mm512_insertf32x8(_mm512_set1_ps(tw[(j + 8) * 2]), _mm256_set1_ps(tw[(j + 8) * 2 + 1]), 1);
    }
    const float *w0s = m->magnitude0, *w1s = m->magnitude1;
    const int32_t *b0 = m->bin0;
    __m512 previous = _mm512_setzero_ps();
    for (int c = 0; c < cells; c++) {
        __m512 a = _mm512_setzero_ps(), l = a;
        for (int j = 0; j < 8; j++) {
            const int x = c * 8 + j;
            const __m128 pair = _mm_unpacklo_ps(_mm_load_ss(w0s + x), _mm_load_ss(w1s + x));
            const __m512 v = _mm512_permutexvar_ps(_mm512_load_si512(patterns[b0[x]]), _mm512_zextps128_ps512(pair));
            a = _mm512_fmadd_ps(cw[j], v, a);
            l = _mm512_fmadd_ps(dw[j], v, l);
        }
        if (c >= 1) {
            const __m512 t = _mm512_add_ps(previous, l);
            const __m256 t0 = _mm512_castps512_ps256(t), t1 = _mm512_extractf32x8_ps(t, 1);
            const float t0h = h8[0][c - 1] + h8[2][c], t1h = h8[1][c - 1] + h8[3][c];
            for (int k = 0; k < targets; k++) {
                float *p = dst[k] + (c - 1) * 18;
                const __m256 wt = _mm256_set1_ps(weight[k]);
                _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), _mm256_mul_ps(wt, t0)));
                _mm256_storeu_ps(p + 9, _mm256_add_ps(_mm256_loadu_ps(p + 9), _mm256_mul_ps(wt, t1)));
                p[8] += weight[k] * t0h;
                p[17] += weight[k] * t1h;
            }
        }
        previous = a;
    }
}
#endif

// L2-Hys of every block, written in OpenCV's in-block order (cell x, cell y, bin) into the feature planes; eight
// blocks at a time, one per lane (the sums run down each lane, so they vectorise without reordering a sum).
#if HOG_X86
// v[k][l] ← value k of block l (k = (cell x · 2 + cell y) · 9 + bin), eight whole blocks of a block row from their
// accumulators (18 values a block, `[cell x][bin]`, per cell y): three 8×8 transposes per cell y.
__attribute__((target("avx2,fma"))) static inline void block_values8(const float *top, const float *bottom,
                                                                     float v[36][8]) {
    for (int cy = 0; cy < 2; cy++) {
        const float *src = cy ? bottom : top;
        for (int part = 0; part < 3; part++) {
            const int first = part == 2 ? 10 : part * 8;  // values first…first + 7 (cell x · 9 + bin) of each block
            __m256 r[8];
            for (int l = 0; l < 8; l++) r[l] = _mm256_loadu_ps(src + l * 18 + first);
            transpose8(r);
            for (int i = part == 2 ? 6 : 0; i < 8; i++) {
                const int value = first + i;
                _mm256_storeu_ps(v[(value / 9) * 18 + cy * 9 + value % 9], r[i]);
            }
        }
    }
}
#endif

HOG_INLINE void normalise_body(VigilHOGMap *m, int isa) {
    const long stride = m->planeStride, histLength = m->histLength;
    v8f v[36];  // v[k] lane l: value k of block bx0 + l
    const v8f clip = splat8(0.2f);
    for (int by = 0; by < m->blocksY; by++) {
        const float *top = m->accumulator + by * 2 * histLength, *bottom = top + histLength;
        float *out = m->features + by * 36 * stride;
        for (int bx0 = 0; bx0 < m->blocksX; bx0 += 8) {
            const int lanes = m->blocksX - bx0 < 8 ? m->blocksX - bx0 : 8;
#if HOG_X86
            if (isa >= 1 && lanes == 8) {
                block_values8(top + bx0 * 18, bottom + bx0 * 18, (float (*)[8])v);
            } else
#else
            (void)isa;
#endif
            for (int k = 0; k < 36; k++) {  // k = (cell x · 2 + cell y) · 9 + bin
                const int cx = k / 18, cy = (k / 9) & 1, b = k % 9;
                const float *src = (cy ? bottom : top) + bx0 * 18 + cx * 9 + b;
                for (int l = 0; l < 8; l++) v[k][l] = l < lanes ? src[l * 18] : 0;
            }
            v8f sum = splat8(0.0f), scale;
            for (int k = 0; k < 36; k++) sum += v[k] * v[k];
            for (int l = 0; l < 8; l++) scale[l] = 1 / (sqrtf(sum[l]) + 36 * 0.1f);
            sum = splat8(0.0f);
            for (int k = 0; k < 36; k++) {
                const v8f x = v[k] * scale;
                const v8i below = x < clip;  // min(x, 0.2) lane by lane
                v[k] = (v8f)(((v8i)x & below) | ((v8i)clip & ~below));
                sum += v[k] * v[k];
            }
            for (int l = 0; l < 8; l++) scale[l] = 1 / (sqrtf(sum[l]) + 1e-3f);
            // planeStride ≥ blocksX + 16: the lanes past the last block write zeros inside the row's slack
            for (int k = 0; k < 36; k++) store8(out + k * stride + bx0, v[k] * scale);
        }
    }
}

HOG_INLINE void compute_body(VigilHOGMap *m, int isa) {
    float tw[32];
    vigil_hog_cell_weights(tw);
    const int w = m->width, h = m->height;
    memset(m->accumulator, 0, (size_t)(m->blocksY * 2 * m->histLength) * sizeof(float));
    for (int c = 0; c < 3; c++) {
        for (int y = 0; y < h; y++) {  // BORDER_REFLECT_101
            float *r = m->planes + (long)(c * h + y) * m->rowStride + 1;
            r[-1] = w > 1 ? r[1] : r[0];
            r[w] = w > 1 ? r[w - 2] : r[0];
        }
    }
    const int usedRows = h < (m->blocksY + 1) * 8 ? h : (m->blocksY + 1) * 8;
    const int usedColumns = w < (m->blocksX + 1) * 8 ? w : (m->blocksX + 1) * 8;
    for (int y = 0; y < usedRows; y++) {
        const int up = y > 0 ? y - 1 : (h > 1 ? 1 : 0), down = y + 1 < h ? y + 1 : (h > 1 ? h - 2 : 0);
        const float *rows[9];
        for (int c = 0; c < 3; c++) {
            const float *plane = m->planes + (long)c * h * m->rowStride + 1;
            rows[c * 3] = plane + (long)up * m->rowStride;
            rows[c * 3 + 1] = plane + (long)y * m->rowStride;
            rows[c * 3 + 2] = plane + (long)down * m->rowStride;
        }
        gradient_body(rows, usedColumns, m->magnitude0, m->magnitude1, m->bin0, m->bin1);
#if HOG_X86
        if (isa == 2) { accumulate_avx512(m, y, usedColumns, tw); continue; }
        if (isa == 1) { accumulate_avx2(m, y, usedColumns, tw); continue; }
#else
        (void)isa;
#endif
        accumulate_scalar(m, y, usedColumns, tw);
    }
    normalise_body(m, isa);
}

// MARK: - The SVM


// One block row's share of a window row: acc[i] (windows 8i…8i + 7 of a run) += Σ_k Σ_x weights[k][x] ·
// plane_k[8i + x + lane], products then sums in the order k, x (as every body sums a window).
HOG_INLINE void score_row(v8f *acc, int nv, const float *features, long stride, const float *weights) {
    for (int k = 0; k < 36; k++) {
        const float *plane = features + k * stride, *w = weights + k * 7;
        for (int x = 0; x < 7; x++) {
            const v8f wx = splat8(w[x]);
            for (int i = 0; i < nv; i++) acc[i] += wx * load8(plane + x + 8 * i);
        }
    }
}

// The same for two window rows at once, on the block row that is row y of the first window and y − 1 of the second
// (each plane's values are loaded once for both).
HOG_INLINE void score_row_pair(v8f *acc0, v8f *acc1, int nv, const float *features, long stride, const float *w0,
                               const float *w1) {
    for (int k = 0; k < 36; k++) {
        const float *plane = features + k * stride;
        for (int x = 0; x < 7; x++) {
            const v8f wx0 = splat8(w0[k * 7 + x]), wx1 = splat8(w1[k * 7 + x]);
            for (int i = 0; i < nv; i++) {
                const v8f f = load8(plane + x + 8 * i);
                acc0[i] += wx0 * f;
                acc1[i] += wx1 * f;
            }
        }
    }
}

// The scores of windows wx…wx + 8·nv − 1 of window rows wy (into out0) and, when `pair`, wy + 1 (out1): the bias,
// then block row by block row down the window, the sums in the order (y, k, x). The accumulators stay in registers
// across the 3780 products (nv: 1 or 4 vectors a row, a constant after inlining).
HOG_INLINE void score_run(const VigilHOGMap *m, const float *weights, float bias, int wy, int wx, int nv, int pair,
                          float *out0, float *out1) {
    const int bys = 15, n = 36;
    const long stride = m->planeStride;
    const float *rows = m->features + (long)wy * n * stride + wx;
    v8f acc0[4], acc1[4];
    for (int i = 0; i < nv; i++) acc0[i] = acc1[i] = splat8(bias);
    if (!pair) {
        for (int y = 0; y < bys; y++) score_row(acc0, nv, rows + y * n * stride, stride, weights + y * n * 7);
    } else {
        score_row(acc0, nv, rows, stride, weights);  // block row wy: the first window row's only
        for (int y = 1; y < bys; y++) {
            score_row_pair(acc0, acc1, nv, rows + y * n * stride, stride, weights + y * n * 7,
                           weights + (y - 1) * n * 7);
        }
        score_row(acc1, nv, rows + bys * n * stride, stride, weights + (bys - 1) * n * 7);  // the second's last
    }
    for (int i = 0; i < nv; i++) {
        memcpy(out0 + 8 * i, &acc0[i], sizeof(v8f));
        if (pair) memcpy(out1 + 8 * i, &acc1[i], sizeof(v8f));
    }
}

// Every window two rows at a time, in runs of 32 windows along the row and then of 8 (the lanes past the last
// window read the planes' slack and are dropped); hits in row order, as the windows lie.
HOG_INLINE int score_body(const VigilHOGMap *m, const float *weights, float bias, float threshold, float *acc,
                          int32_t *hitsX, int32_t *hitsY, float *scores) {
    const int across = m->blocksX - 7 + 1, down = m->blocksY - 15 + 1;
    if (across <= 0 || down <= 0) return 0;
    const int rowLength = (across + 15) & ~15;
    int hits = 0;
    for (int wy = 0; wy < down; wy += 2) {
        const int pair = wy + 1 < down;
        int wx = 0;
        for (; wx + 32 <= across; wx += 32) {
            if (pair) score_run(m, weights, bias, wy, wx, 4, 1, acc + wx, acc + rowLength + wx);
            else score_run(m, weights, bias, wy, wx, 4, 0, acc + wx, acc + rowLength + wx);
        }
        for (; wx < across; wx += 8) {
            if (pair) score_run(m, weights, bias, wy, wx, 1, 1, acc + wx, acc + rowLength + wx);
            else score_run(m, weights, bias, wy, wx, 1, 0, acc + wx, acc + rowLength + wx);
        }
        for (int r = 0; r <= pair; r++) {
            const float *row = acc + r * rowLength;
            for (int x = 0; x < across; x++) {
                if (row[x] >= threshold) { hitsX[hits] = x; hitsY[hits] = wy + r; scores[hits] = row[x]; hits++; }
            }
        }
    }
    return hits;
}

// MARK: - Entry points: a baseline, an AVX2+FMA and an AVX-512 instance of each body

static void sample_base(VigilHOGMap *m, const uint8_t *rgb, int fw, int fh, long fs, float rx, float ry, float sx,
                        float sy, int32_t *x0, int32_t *x1, float *ax, float *row) {
    sample_body(m, rgb, fw, fh, fs, rx, ry, sx, sy, x0, x1, ax, row, 0);
}
static void compute_base(VigilHOGMap *m) { compute_body(m, 0); }
static int score_base(const VigilHOGMap *m, const float *w, float bias, float t, float *acc, int32_t *hx, int32_t *hy,
                      float *s) {
    return score_body(m, w, bias, t, acc, hx, hy, s);
}

#if HOG_X86
HOG_AVX2 void sample_avx2(VigilHOGMap *m, const uint8_t *rgb, int fw, int fh, long fs, float rx, float ry, float sx,
                          float sy, int32_t *x0, int32_t *x1, float *ax, float *row) {
    sample_body(m, rgb, fw, fh, fs, rx, ry, sx, sy, x0, x1, ax, row, 1);
}
HOG_AVX2 void compute_avx2(VigilHOGMap *m) { compute_body(m, 1); }
HOG_AVX2 int score_avx2(const VigilHOGMap *m, const float *w, float bias, float t, float *acc, int32_t *hx,
                        int32_t *hy, float *s) {
    return score_body(m, w, bias, t, acc, hx, hy, s);
}
HOG_AVX512 void sample_avx512(VigilHOGMap *m, const uint8_t *rgb, int fw, int fh, long fs, float rx, float ry,
                              float sx, float sy, int32_t *x0, int32_t *x1, float *ax, float *row) {
    sample_body(m, rgb, fw, fh, fs, rx, ry, sx, sy, x0, x1, ax, row, 2);
}
HOG_AVX512 void compute_avx512(VigilHOGMap *m) { compute_body(m, 2); }
HOG_AVX512 int score_avx512(const VigilHOGMap *m, const float *w, float bias, float t, float *acc, int32_t *hx,
                            int32_t *hy, float *s) {
    return score_body(m, w, bias, t, acc, hx, hy, s);
}
#endif

// The body to run: the one asked for, if the CPU has it, else the widest it has.
static int body_for(int isa) {
    const int best = vigil_hog_isa();
    return isa >= 0 && isa < best ? isa : best;
}

void vigil_hog_sample_with(int isa, VigilHOGMap *map, const uint8_t *rgb, int frameWidth, int frameHeight,
                           long frameStride, float rx, float ry, float sx, float sy, int32_t *x0, int32_t *x1,
                           float *ax, float *row) {
    switch (body_for(isa)) {
#if HOG_X86
    case 2: sample_avx512(map, rgb, frameWidth, frameHeight, frameStride, rx, ry, sx, sy, x0, x1, ax, row); return;
    case 1: sample_avx2(map, rgb, frameWidth, frameHeight, frameStride, rx, ry, sx, sy, x0, x1, ax, row); return;
#endif
    default: sample_base(map, rgb, frameWidth, frameHeight, frameStride, rx, ry, sx, sy, x0, x1, ax, row);
    }
}

void vigil_hog_compute_with(int isa, VigilHOGMap *map) {
    switch (body_for(isa)) {
#if HOG_X86
    case 2: compute_avx512(map); return;
    case 1: compute_avx2(map); return;
#endif
    default: compute_base(map);
    }
}

int vigil_hog_score_with(int isa, const VigilHOGMap *map, const float *weights, float bias, float threshold,
                         float *acc, int32_t *hitsX, int32_t *hitsY, float *hitScores) {
    switch (body_for(isa)) {
#if HOG_X86
    case 2: return score_avx512(map, weights, bias, threshold, acc, hitsX, hitsY, hitScores);
    case 1: return score_avx2(map, weights, bias, threshold, acc, hitsX, hitsY, hitScores);
#endif
    default: return score_base(map, weights, bias, threshold, acc, hitsX, hitsY, hitScores);
    }
}

void vigil_hog_sample(VigilHOGMap *map, const uint8_t *rgb, int frameWidth, int frameHeight, long frameStride,
                      float rx, float ry, float sx, float sy, int32_t *x0, int32_t *x1, float *ax, float *row) {
    vigil_hog_sample_with(-1, map, rgb, frameWidth, frameHeight, frameStride, rx, ry, sx, sy, x0, x1, ax, row);
}

void vigil_hog_compute(VigilHOGMap *map) { vigil_hog_compute_with(-1, map); }

int vigil_hog_score(const VigilHOGMap *map, const float *weights, float bias, float threshold, float *acc,
                    int32_t *hitsX, int32_t *hitsY, float *hitScores) {
    return vigil_hog_score_with(-1, map, weights, bias, threshold, acc, hitsX, hitsY, hitScores);
}
