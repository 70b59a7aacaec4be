// The per-pixel work of the HOG people detector. See CHOGKernels.h.
//
// Each kernel is written once as an always-inline body; a baseline x86-64 copy and an AVX2+FMA copy are
// instantiated from it (the compiler vectorises the loops for each), and the AVX2 one is chosen at run time when
// the CPU (and the OS) support it. Package.swift compiles this target with -O2 and -fno-math-errno in every
// configuration (the detector runs in debug test builds too, and sqrtf must be an instruction to vectorise) and
// with -ffp-contract=off, so that both bodies give the same features (to 1e-7; only the row histogram's sums run
// in another order), whatever the machine.

#include "CHOGKernels.h"

#include <math.h>
#include <string.h>

#define HOG_INLINE static inline __attribute__((always_inline))

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define HOG_X86 1
#define HOG_AVX2 __attribute__((target("avx2,fma"), noinline)) static
#endif

int vigil_hog_isa(void) {
#if HOG_X86
    static int cached = -1;  // a data race on an int written with the same value by every thread: benign
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
#else
    return 0;
#endif
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
    float t = steep ? ax / (y + small) : y / (ax + small);
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

HOG_INLINE void sample_body(VigilHOGMap *m, const uint8_t *rgb, int fw, int fh, long fs, float rx, float ry, float sx,
                            float sy, int32_t *x0, int32_t *x1, float *ax, float *rowBuffer) {
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

#if HOG_X86
#include <immintrin.h>

// The row histogram with AVX2: per pixel its two bins' shares as one vector over bins 0…7 (bin 8 aside), added
// into four accumulators held in registers across the eight pixels of a cell column (this column is cell 0 of
// block c and cell 1 of block c − 1, each with both cells across), then added to the row histogram once.
__attribute__((target("avx2,fma"), noinline)) static void row_histogram_avx2(VigilHOGMap *m, int columns,
                                                                                        const float *tw) {
    float *h = m->rowHistogram;
    const float *w0s = m->magnitude0, *w1s = m->magnitude1;
    const int32_t *b0 = m->bin0, *b1 = m->bin1;
    const int blocksX = m->blocksX;
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int c = 0; c * 8 < columns; c++) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, l0 = a0, l1 = a0;
        float a0h = 0, a1h = 0, l0h = 0, l1h = 0;
        const int end = columns - c * 8 < 8 ? columns - c * 8 : 8;
        for (int j = 0; j < end; j++) {
            const int x = c * 8 + j;
            const __m256 e0 = _mm256_castsi256_ps(_mm256_cmpeq_epi32(iota, _mm256_set1_epi32(b0[x])));
            const __m256 e1 = _mm256_castsi256_ps(_mm256_cmpeq_epi32(iota, _mm256_set1_epi32(b1[x])));
            const __m256 v = _mm256_add_ps(_mm256_and_ps(e0, _mm256_set1_ps(w0s[x])),
                                           _mm256_and_ps(e1, _mm256_set1_ps(w1s[x])));
            const float vh = (b0[x] == 8 ? w0s[x] : 0) + (b1[x] == 8 ? w1s[x] : 0);
            const float c0 = tw[j * 2], c1 = tw[j * 2 + 1], d0 = tw[(j + 8) * 2], d1 = tw[(j + 8) * 2 + 1];
            a0 = _mm256_fmadd_ps(_mm256_set1_ps(c0), v, a0); a1 = _mm256_fmadd_ps(_mm256_set1_ps(c1), v, a1);
            l0 = _mm256_fmadd_ps(_mm256_set1_ps(d0), v, l0); l1 = _mm256_fmadd_ps(_mm256_set1_ps(d1), v, l1);
            a0h += c0 * vh; a1h += c1 * vh; l0h += d0 * vh; l1h += d1 * vh;
        }
        if (c < blocksX) {
            float *p = h + c * 18;
            _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), a0)); p[8] += a0h;
            _mm256_storeu_ps(p + 9, _mm256_add_ps(_mm256_loadu_ps(p + 9), a1)); p[17] += a1h;
        }
        if (c >= 1 && c - 1 < blocksX) {
            float *p = h + (c - 1) * 18;
            _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), l0)); p[8] += l0h;
            _mm256_storeu_ps(p + 9, _mm256_add_ps(_mm256_loadu_ps(p + 9), l1)); p[17] += l1h;
        }
    }
}
#endif

// Row y's pixels into the blocks holding them: along x through the row histogram (each pixel column j of a block,
// for both cells across), then along y into the accumulators of the (one or two) block rows and their cells.
HOG_INLINE void accumulate_body(VigilHOGMap *m, int y, int columns, const float *tw, int avx2) {
    const long histLength = m->histLength;
    float *h = m->rowHistogram;
    memset(h, 0, (size_t)histLength * sizeof(float));
#if HOG_X86
    if (avx2) row_histogram_avx2(m, columns, tw); else row_histogram_scalar(m, columns, tw);
#else
    (void)avx2;
    row_histogram_scalar(m, columns, tw);
#endif
    for (int s = 0; s < 2; s++) {  // the block row starting at this row (pixel row i), and the one above (i + 8)
        const int row = (y >> 3) - s, k = (y & 7) + 8 * s;
        if (row < 0 || row >= m->blocksY) continue;
        for (int cy = 0; cy < 2; cy++) {
            const float c = tw[k * 2 + cy];
            if (c != 0) axpy(histLength, c, h, m->accumulator + (row * 2 + cy) * histLength);
        }
    }
}

// L2-Hys of every block, written in OpenCV's in-block order (cell x, cell y, bin) into the feature planes; eight
// blocks at a time, one per lane (the sums run down each lane, so they vectorise without reordering a sum).
HOG_INLINE void normalise_body(VigilHOGMap *m) {
    const long stride = m->planeStride, histLength = m->histLength;
    float v[36][8];
    for (int by = 0; by < m->blocksY; by++) {
        const float *top = m->accumulator + by * 2 * histLength, *bottom = top + histLength;
        float *out = m->features + by * 36 * stride;
        for (int bx0 = 0; bx0 < m->blocksX; bx0 += 8) {
            const int lanes = m->blocksX - bx0 < 8 ? m->blocksX - bx0 : 8;
            for (int k = 0; k < 36; k++) {  // k = (cell x · 2 + cell y) · 9 + bin
                const int cx = k / 18, cy = (k / 9) & 1, b = k % 9;
                const float *src = (cy ? bottom : top) + bx0 * 18 + cx * 9 + b;
                for (int l = 0; l < 8; l++) v[k][l] = l < lanes ? src[l * 18] : 0;
            }
            float sum[8] = {0}, scale[8];
            for (int k = 0; k < 36; k++)
                for (int l = 0; l < 8; l++) sum[l] += v[k][l] * v[k][l];
            for (int l = 0; l < 8; l++) { scale[l] = 1 / (sqrtf(sum[l]) + 36 * 0.1f); sum[l] = 0; }
            for (int k = 0; k < 36; k++) {
                for (int l = 0; l < 8; l++) {
                    float x = v[k][l] * scale[l];
                    x = x < 0.2f ? x : 0.2f;
                    v[k][l] = x;
                    sum[l] += x * x;
                }
            }
            for (int l = 0; l < 8; l++) scale[l] = 1 / (sqrtf(sum[l]) + 1e-3f);
            // planeStride ≥ blocksX + 16: the lanes past the last block write zeros inside the row's slack
            for (int k = 0; k < 36; k++)
                for (int l = 0; l < 8; l++) out[k * stride + bx0 + l] = v[k][l] * scale[l];
        }
    }
}

HOG_INLINE void compute_body(VigilHOGMap *m, int avx2) {
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
        accumulate_body(m, y, usedColumns, tw, avx2);
    }
    normalise_body(m);
}

// MARK: - The SVM

HOG_INLINE int score_body(const VigilHOGMap *m, const float *weights, float bias, float threshold, float *acc,
                          int32_t *hitsX, int32_t *hitsY, float *scores) {
    const int bxs = 7, bys = 15, n = 36;
    const int across = m->blocksX - bxs + 1, down = m->blocksY - bys + 1;
    if (across <= 0 || down <= 0) return 0;
    const long stride = m->planeStride;
    int hits = 0;
    for (int wy = 0; wy < down; wy++) {
        for (int x = 0; x < across; x++) acc[x] = bias;
        for (int y = 0; y < bys; y++) {
            const float *rows = m->features + (long)(wy + y) * n * stride;
            for (int k = 0; k < n; k++) {
                const float *plane = rows + k * stride, *wk = weights + (y * n + k) * bxs;
                for (int x = 0; x < bxs; x++) axpy(across, wk[x], plane + x, acc);
            }
        }
        for (int wx = 0; wx < across; wx++) {
            if (acc[wx] >= threshold) { hitsX[hits] = wx; hitsY[hits] = wy; scores[hits] = acc[wx]; hits++; }
        }
    }
    return hits;
}

// MARK: - Entry points: one baseline and one AVX2+FMA instance of each body

static void sample_base(VigilHOGMap *m, const uint8_t *rgb, int fw, int fh, long fs, float rx, float ry, float sx,
                        float sy, int32_t *x0, int32_t *x1, float *ax, float *row) {
    sample_body(m, rgb, fw, fh, fs, rx, ry, sx, sy, x0, x1, ax, row);
}
static void compute_base(VigilHOGMap *m) { compute_body(m, 0); }
static int score_base(const VigilHOGMap *m, const float *w, float bias, float t, float *acc, int32_t *hx, int32_t *hy,
                      float *s) {
    return score_body(m, w, bias, t, acc, hx, hy, s);
}

#if HOG_X86
HOG_AVX2 void sample_avx2(VigilHOGMap *m, const uint8_t *rgb, int fw, int fh, long fs, float rx, float ry, float sx,
                          float sy, int32_t *x0, int32_t *x1, float *ax, float *row) {
    sample_body(m, rgb, fw, fh, fs, rx, ry, sx, sy, x0, x1, ax, row);
}
HOG_AVX2 void compute_avx2(VigilHOGMap *m) { compute_body(m, 1); }
HOG_AVX2 int score_avx2(const VigilHOGMap *m, const float *w, float bias, float t, float *acc, int32_t *hx,
                        int32_t *hy, float *s) {
    return score_body(m, w, bias, t, acc, hx, hy, s);
}
#endif

void vigil_hog_sample(VigilHOGMap *map, const uint8_t *rgb, int frameWidth, int frameHeight, long frameStride,
                      float rx, float ry, float sx, float sy, int32_t *x0, int32_t *x1, float *ax, float *row) {
#if HOG_X86
    if (vigil_hog_isa() == 1) {
        sample_avx2(map, rgb, frameWidth, frameHeight, frameStride, rx, ry, sx, sy, x0, x1, ax, row);
        return;
    }
#endif
    sample_base(map, rgb, frameWidth, frameHeight, frameStride, rx, ry, sx, sy, x0, x1, ax, row);
}

void vigil_hog_compute(VigilHOGMap *map) {
#if HOG_X86
    if (vigil_hog_isa() == 1) { compute_avx2(map); return; }
#endif
    compute_base(map);
}

int vigil_hog_score(const VigilHOGMap *map, const float *weights, float bias, float threshold, float *acc,
                    int32_t *hitsX, int32_t *hitsY, float *hitScores) {
#if HOG_X86
    if (vigil_hog_isa() == 1) return score_avx2(map, weights, bias, threshold, acc, hitsX, hitsY, hitScores);
#endif
    return score_base(map, weights, bias, threshold, acc, hitsX, hitsY, hitScores);
}
