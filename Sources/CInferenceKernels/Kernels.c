// GEMM, packing, im2col and activations for Vigil's tensor engine. See CInferenceKernels.h.
//
// Compiled for baseline x86-64; the AVX-512 functions carry target attributes and are reached only
// when vk_isa() returns 2. On other architectures vk_isa() returns 0 and the engine keeps its
// portable Swift/OpenBLAS paths (the fast-path entry points are then never called).

#include "CInferenceKernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define VK_X86 1
#include <immintrin.h>
#endif

static int min_int(int a, int b) { return a < b ? a : b; }

// Output rows per step of the register-blocked depthwise kernels: each input row loaded once feeds every
// accumulator whose output row's window covers it. The AVX2 form: 8 rows of 8 columns.
#define DW_ROWS256 8
// The AVX-512 form: 8 rows with 3×3 taps (9 weights + 8 accumulators in registers: each input row loaded
// once feeds up to 3 of 8 chains, so the FMA latency is hidden), 4 with 5×5 (25 weights + 4 accumulators).
#define DW512_ROWS_K3 8
#define DW512_ROWS_K5 4

// Whether the register-blocked depthwise kernels take this geometry (square 3×3 or 5×5, equal strides 1 or
// 2, dilation 1).
__attribute__((unused)) static int dw_direct(const VKConvGeometry *g) {
    return g->k_h == g->k_w && (g->k_w == 3 || g->k_w == 5) && g->stride_h == g->stride_w &&
           (g->stride_w == 1 || g->stride_w == 2) && g->dilation_h == 1 && g->dilation_w == 1;
}

size_t vk_packed_a_floats(int m, int k) { return (size_t)((m + VK_MR - 1) / VK_MR) * VK_MR * (size_t)k; }

void vk_pack_a(const float *a, int lda, int m, int k, float *dst) {
    for (int i0 = 0; i0 < m; i0 += VK_MR) {
        int rows = min_int(VK_MR, m - i0);
        for (int p = 0; p < k; p++) {
            for (int r = 0; r < VK_MR; r++) dst[r] = r < rows ? a[(size_t)(i0 + r) * lda + p] : 0.0f;
            dst += VK_MR;
        }
    }
}

size_t vk_packed_at_floats(int m, int k) { return (size_t)((m + VK_MT - 1) / VK_MT) * VK_MT * (size_t)k; }

void vk_pack_at(const float *a, int lda, int m, int k, float *dst) {
    for (int i0 = 0; i0 < m; i0 += VK_MT) {
        const int rows = min_int(VK_MT, m - i0);
        for (int p = 0; p < k; p++) {
            for (int r = 0; r < VK_MT; r++) dst[r] = r < rows ? a[(size_t)(i0 + r) * lda + p] : 0.0f;
            dst += VK_MT;
        }
    }
}

void vk_pack_b(const float *b, long ldb, int k, int n, float *dst) {
    for (int j0 = 0; j0 < n; j0 += VK_NR) {
        int cols = min_int(VK_NR, n - j0);
        float *panel = dst + (size_t)(j0 / VK_NR) * k * VK_NR;
        if (cols == VK_NR) {
            for (int p = 0; p < k; p++) memcpy(panel + (size_t)p * VK_NR, b + p * ldb + j0, VK_NR * sizeof(float));
        } else {
            for (int p = 0; p < k; p++) {
                float *d = panel + (size_t)p * VK_NR;
                memcpy(d, b + p * ldb + j0, (size_t)cols * sizeof(float));
                memset(d + cols, 0, (size_t)(VK_NR - cols) * sizeof(float));
            }
        }
    }
}

// Writes `count` values of packed-B row r for pixels starting at q (relative to the tile), splitting
// at panel boundaries. `src` may be NULL (zeros) and is read with `step`.
static inline void put_run(float *dst, int k, int r, int q, int count, const float *src, int step) {
    while (count > 0) {
        int panel = q / VK_NR, lane = q % VK_NR;
        int len = min_int(count, VK_NR - lane);
        float *d = dst + ((size_t)panel * k + r) * VK_NR + lane;
        if (src == NULL) {
            memset(d, 0, (size_t)len * sizeof(float));
        } else if (step == 1) {
            memcpy(d, src, (size_t)len * sizeof(float));
            src += len;
        } else {
            for (int i = 0; i < len; i++) d[i] = src[(long)i * step];
            src += (long)len * step;
        }
        q += len;
        count -= len;
    }
}

void vk_im2col_pack(const float *src, const VKConvGeometry *g, int p0, int p1, float *dst) {
    const int k = g->channels * g->k_h * g->k_w;
    const int n = p1 - p0;
    // Padding lanes of the last panel.
    int tail = n % VK_NR;
    if (tail != 0) {
        float *last = dst + (size_t)(n / VK_NR) * k * VK_NR;
        for (int r = 0; r < k; r++) memset(last + (size_t)r * VK_NR + tail, 0, (size_t)(VK_NR - tail) * sizeof(float));
    }
    int r = 0;
    for (int c = 0; c < g->channels; c++) {
        const float *plane = src + (size_t)c * g->in_h * g->in_w;
        for (int ky = 0; ky < g->k_h; ky++) {
            for (int kx = 0; kx < g->k_w; kx++, r++) {
                const int xoff = kx * g->dilation_w - g->pad_left;
                // Output columns whose input column lies inside the row.
                int lo = xoff >= 0 ? 0 : (-xoff + g->stride_w - 1) / g->stride_w;
                int hiIncl = g->in_w - 1 - xoff;
                int hi = hiIncl < 0 ? 0 : min_int(g->out_w, hiIncl / g->stride_w + 1);
                if (lo > hi) lo = hi;
                int p = p0;
                while (p < p1) {
                    int oy = p / g->out_w, ox0 = p % g->out_w;
                    int ox1 = min_int(g->out_w, ox0 + (p1 - p));
                    int q = p - p0 - ox0;  // tile position of column 0 of this output row
                    int iy = oy * g->stride_h - g->pad_top + ky * g->dilation_h;
                    if (iy < 0 || iy >= g->in_h) {
                        put_run(dst, k, r, q + ox0, ox1 - ox0, NULL, 1);
                    } else {
                        int a = ox0 > lo ? ox0 : lo, b = ox1 < hi ? ox1 : hi;
                        if (a >= b) {
                            put_run(dst, k, r, q + ox0, ox1 - ox0, NULL, 1);
                        } else {
                            if (a > ox0) put_run(dst, k, r, q + ox0, a - ox0, NULL, 1);
                            const float *row = plane + (size_t)iy * g->in_w + xoff;
                            put_run(dst, k, r, q + a, b - a, row + (long)a * g->stride_w, g->stride_w);
                            if (b < ox1) put_run(dst, k, r, q + b, ox1 - b, NULL, 1);
                        }
                    }
                    p += ox1 - ox0;
                }
            }
        }
    }
}

static int dw_padded_w(const VKConvGeometry *g) {
    // Row mode: 32-wide steps start at ox < out_w - 16 and 16-wide steps at ox < out_w, so reads stay
    // below (round16(out_w) + 16)·stride + (k_w-1)·dilation.
    int w = (((g->out_w + 15) & ~15) + 16) * g->stride_w + (g->k_w - 1) * g->dilation_w;
    int whole = g->in_w + g->pad_left + 16;
    return ((w > whole ? w : whole) + 15) & ~15;
}

static int dw_padded_h(const VKConvGeometry *g) {
    int need = (g->out_h - 1) * g->stride_h + (g->k_h - 1) * g->dilation_h + 1;
    int have = g->in_h + g->pad_top;
    return need > have ? need : have;
}

// Flattened mode: the padded plane has just the columns the windows read; output (oy, ox) is
// virtual output oy·pitch + ox, whose window starts at input stride·(oy·pitch + ox), so consecutive
// virtual outputs read consecutive (stride 1) or every other (stride 2) input floats across rows.
static int dw_flat_pitch(const VKConvGeometry *g) {
    int need = (g->out_w - 1) * g->stride_w + (g->k_w - 1) * g->dilation_w + 1;
    int have = g->in_w + g->pad_left;
    return need > have ? need : have;
}

static long dw_flat_virtual(const VKConvGeometry *g) { return (long)(g->out_h - 1) * dw_flat_pitch(g) + g->out_w; }

// Whether the flattened mode computes fewer vectors than the row mode (16-wide steps per row).
static int dw_use_flat(const VKConvGeometry *g) {
    if (g->stride_w != g->stride_h || g->stride_w > 2) return 0;
    long rowwise = (long)g->out_h * ((g->out_w + 15) / 16);
    long flat = (dw_flat_virtual(g) + 15) / 16;
    return flat * 5 < rowwise * 4;
}

size_t vk_depthwise_scratch_floats(const VKConvGeometry *g) {
    size_t rows = (size_t)dw_padded_h(g) * dw_padded_w(g) + 64;
    size_t flat = (size_t)dw_padded_h(g) * dw_flat_pitch(g) + 64 * (size_t)g->stride_w + 64 +
                  (size_t)dw_flat_virtual(g) + 64;
    return rows > flat ? rows : flat;
}

void vk_pad_plane(const float *x, int in_h, int in_w, int pad_top, int pad_left, int ph, int pitch, float *dst) {
    for (int r = 0; r < ph; r++) {
        float *row = dst + (size_t)r * pitch;
        int iy = r - pad_top;
        if (iy < 0 || iy >= in_h) {
            memset(row, 0, (size_t)pitch * sizeof(float));
        } else {
            memset(row, 0, (size_t)pad_left * sizeof(float));
            memcpy(row + pad_left, x + (size_t)iy * in_w, (size_t)in_w * sizeof(float));
            memset(row + pad_left + in_w, 0, (size_t)(pitch - pad_left - in_w) * sizeof(float));
        }
    }
}

// Scalar form; rows of parity plane (ry, rx) hold input columns 2j + rx - pad_left.
static void pad_plane_s2_scalar(const float *x, int in_h, int in_w, int pad_top, int pad_left, int hh, int hw,
                                float *dst) {
    for (int q = 0; q < 4; q++) {
        const int ry = q >> 1, rx = q & 1;
        float *plane = dst + (size_t)q * hh * hw;
        for (int r = 0; r < hh; r++) {
            float *row = plane + (size_t)r * hw;
            const int iy = 2 * r + ry - pad_top;
            if (iy < 0 || iy >= in_h) {
                memset(row, 0, (size_t)hw * sizeof(float));
                continue;
            }
            const float *src = x + (size_t)iy * in_w;
            for (int j = 0; j < hw; j++) {
                const int ix = 2 * j + rx - pad_left;
                row[j] = ix >= 0 && ix < in_w ? src[ix] : 0.0f;
            }
        }
    }
}

#ifdef VK_X86
__attribute__((target("avx512f"))) static void pad_plane_s2_512(const float *x, int in_h, int in_w, int pad_top,
                                                               int pad_left, int hh, int hw, float *dst) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (int q = 0; q < 4; q++) {
        const int ry = q >> 1, rx = q & 1, o = rx - pad_left;
        // Columns j whose input column 2j + o lies in [0, in_w).
        int j0 = o >= 0 ? 0 : (-o + 1) / 2;
        int j1 = (in_w - 1 - o) < 0 ? 0 : (in_w - 1 - o) / 2 + 1;
        if (j1 > hw) j1 = hw;
        if (j0 > j1) j0 = j1;
        float *plane = dst + (size_t)q * hh * hw;
        for (int r = 0; r < hh; r++) {
            float *row = plane + (size_t)r * hw;
            const int iy = 2 * r + ry - pad_top;
            if (iy < 0 || iy >= in_h) {
                memset(row, 0, (size_t)hw * sizeof(float));
                continue;
            }
            const float *src = x + (size_t)iy * in_w + o;
            memset(row, 0, (size_t)j0 * sizeof(float));
            int j = j0;
            // Whole 16-column steps read src[2j .. 2j + 31], inside the row while 2j + o + 31 < in_w.
            for (; j + 16 <= j1 && 2 * j + o + 31 < in_w; j += 16) {
                __m512 lo = _mm512_loadu_ps(src + 2 * j), hi = _mm512_loadu_ps(src + 2 * j + 16);
                _mm512_storeu_ps(row + j, _mm512_permutex2var_ps(lo, even, hi));
            }
            for (; j < j1; j++) row[j] = src[2 * j];
            memset(row + j1, 0, (size_t)(hw - j1) * sizeof(float));
        }
    }
}
#endif

void vk_pad_plane_s2(const float *x, int in_h, int in_w, int pad_top, int pad_left, int hh, int hw, float *dst) {
#ifdef VK_X86
    if (vk_isa() >= 2) {
        pad_plane_s2_512(x, in_h, in_w, pad_top, pad_left, hh, hw, dst);
        return;
    }
#endif
    pad_plane_s2_scalar(x, in_h, in_w, pad_top, pad_left, hh, hw, dst);
}

static int pool_row_floats(const VKConvGeometry *g) {
    int w = (((g->out_w + 15) & ~15) + 16) * g->stride_w + (g->k_w - 1) * g->dilation_w;
    int whole = g->in_w + g->pad_left + 16;
    return w > whole ? w : whole;
}

size_t vk_maxpool_scratch_floats(const VKConvGeometry *g) { return (size_t)pool_row_floats(g) + 64; }

// Portable scalar activation (the same formulas as the engine's Swift Activation).
static inline float exp_approx(float x0) {
    float x = x0 < -87.3f ? -87.3f : (x0 > 88.3f ? 88.3f : x0);
    const float shifter = 12582912.0f;
    float shifted = x * 1.44269504f + shifter;
    int bits;
    memcpy(&bits, &shifted, 4);
    int ni = bits - 0x4B400000;
    float n = shifted - shifter;
    float r = x - n * 0.69314575f - n * 1.4286068e-6f;
    float p = 1.9875691e-4f;
    p = p * r + 1.3981999e-3f;
    p = p * r + 8.333452e-3f;
    p = p * r + 4.1665796e-2f;
    p = p * r + 0.16666665f;
    p = p * r + 0.5f;
    p = p * r * r + r + 1;
    unsigned e = (unsigned)(ni + 127) << 23;
    float scale;
    memcpy(&scale, &e, 4);
    return p * scale;
}

static inline float act_scalar(float v, VKActivation a) {
    switch (a.kind) {
    case 1: return v > 0 ? v : 0;
    case 2: { float u = v > a.a ? v : a.a; return u < a.b ? u : a.b; }
    case 3: return v < 0 ? v * a.a : v;
    case 4: { float t = v * a.a + a.b; float u = t > 0 ? t : 0; return u < 1 ? u : 1; }
    case 5: { float t = v * (1.0f / 6.0f) + 0.5f; float u = t > 0 ? t : 0; return v * (u < 1 ? u : 1); }
    case 6: return 1 / (1 + exp_approx(-v));
    case 7: return v / (1 + exp_approx(-v));
    default: return v;
    }
}

// Scalar references of the fast-path entry points: the whole implementation off x86-64, and the
// level-1 (AVX2) fallback of the kernels that have no AVX2 form.
static void maxpool_scalar(const float *x, float *y, const VKConvGeometry *g) {
    for (int oy = 0; oy < g->out_h; oy++) {
        for (int ox = 0; ox < g->out_w; ox++) {
            float acc = -__builtin_inff();
            for (int ky = 0; ky < g->k_h; ky++) {
                int iy = oy * g->stride_h - g->pad_top + ky * g->dilation_h;
                if (iy < 0 || iy >= g->in_h) continue;
                for (int kx = 0; kx < g->k_w; kx++) {
                    int ix = ox * g->stride_w - g->pad_left + kx * g->dilation_w;
                    if (ix >= 0 && ix < g->in_w) { float v = x[iy * g->in_w + ix]; if (v > acc) acc = v; }
                }
            }
            y[oy * g->out_w + ox] = acc;
        }
    }
}

static void implicit_scalar(int m, int k, const float *pa, const int *offsets, const float *src, int pitch, int out_w,
                      long v0, long v1, float *y, long ldy, const VKEpilogue *ep) {
    for (int i = 0; i < m; i++) {
        for (long v = v0; v < v1; v++) {
            int oy = (int)(v / pitch), ox = (int)(v % pitch);
            if (ox >= out_w) continue;
            float s = 0;
            const float *a = pa + (size_t)(i / VK_MR) * k * VK_MR + i % VK_MR;
            for (int p = 0; p < k; p++) s += a[p * VK_MR] * src[offsets[p] + v];
            long at = (long)i * ldy + (long)oy * out_w + ox;
            if (ep) {
                s = act_scalar(s + (ep->bias ? ep->bias[i] : 0), ep->activation);
                if (ep->residual) s = act_scalar(s + ep->residual[at], ep->post);
            }
            y[at] = s;
        }
    }
}

static void conv_channels_scalar(int m, int k, const float *pt, const int *offsets, const float *src, int pitch,
                                 int out_h, int out_w, int panel0, int panel1, float *y, long ldy, const VKEpilogue *ep) {
    for (int i = panel0 * VK_MT; i < panel1 * VK_MT && i < m; i++) {
        const float *a = pt + (size_t)(i / VK_MT) * k * VK_MT + i % VK_MT;
        for (int oy = 0; oy < out_h; oy++) {
            for (int ox = 0; ox < out_w; ox++) {
                const long v = (long)oy * pitch + ox;
                float s = 0;
                for (int p = 0; p < k; p++) s += a[(size_t)p * VK_MT] * src[offsets[p] + v];
                const long at = (long)i * ldy + (long)oy * out_w + ox;
                if (ep) {
                    s = act_scalar(s + (ep->bias ? ep->bias[i] : 0), ep->activation);
                    if (ep->residual) s = act_scalar(s + ep->residual[at], ep->post);
                }
                y[at] = s;
            }
        }
    }
}

static void depthwise_scalar(const float *x, const float *w, float bias, float *y, const float *res, VKActivation act,
                  VKActivation post, const VKConvGeometry *g) {
    for (int oy = 0; oy < g->out_h; oy++) {
        for (int ox = 0; ox < g->out_w; ox++) {
            float acc = bias;
            for (int ky = 0; ky < g->k_h; ky++) {
                int iy = oy * g->stride_h - g->pad_top + ky * g->dilation_h;
                if (iy < 0 || iy >= g->in_h) continue;
                for (int kx = 0; kx < g->k_w; kx++) {
                    int ix = ox * g->stride_w - g->pad_left + kx * g->dilation_w;
                    if (ix >= 0 && ix < g->in_w) acc += x[iy * g->in_w + ix] * w[ky * g->k_w + kx];
                }
            }
            float v = act_scalar(acc, act);
            if (res) v = act_scalar(v + res[oy * g->out_w + ox], post);
            y[oy * g->out_w + ox] = v;
        }
    }
}

static void gemm_scalar(int m, int n, int k, const float *pa, const float *pb, float *c, long ldc, const VKEpilogue *ep) {
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float s = 0;
            const float *a = pa + (size_t)(i / VK_MR) * k * VK_MR + i % VK_MR;
            const float *b = pb + (size_t)(j / VK_NR) * k * VK_NR + j % VK_NR;
            for (int p = 0; p < k; p++) s += a[p * VK_MR] * b[p * VK_NR];
            if (ep) {
                s = act_scalar(s + (ep->bias ? ep->bias[i] : 0), ep->activation);
                if (ep->residual) s = act_scalar(s + ep->residual[(long)i * ldc + j], ep->post);
            }
            c[(long)i * ldc + j] = s;
        }
    }
}

// Any CPU: AVX-512F is level 2, AVX2 with FMA level 1 (an AVX2 CPU without AVX-512, such as Intel's N100, gets
// the AVX2 kernels by default), else 0; capped by limit.
int vk_isa_for(int avx512f, int avx2, int fma, int limit) {
    const int level = avx512f ? 2 : (avx2 && fma ? 1 : 0);
    return level < limit ? level : limit;
}

int vk_isa_cap_named(const char *name) {
    if (!name) return VK_CAP_AVX512;
    if (strcmp(name, "none") == 0) return VK_CAP_NONE;
    if (strcmp(name, "avx2") == 0) return VK_CAP_AVX2;
    if (strcmp(name, "avxvnni") == 0) return VK_CAP_AVXVNNI;
    if (strcmp(name, "avx512") == 0) return VK_CAP_AVX512;
    return -1;
}

#ifdef VK_X86

static int detected_isa(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v >= 0) return v;
    __builtin_cpu_init();
    // __builtin_cpu_supports also checks that the OS saves the AVX / AVX-512 state (XCR0).
    v = vk_isa_for(__builtin_cpu_supports("avx512f"), __builtin_cpu_supports("avx2"), __builtin_cpu_supports("fma"), 2);
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    return v;
}

// The cap (VK_CAP_*); -1: not yet read from VIGIL_NN_ISA.
static int isa_cap = -1;

// VIGIL_NN_ISA's cap; an unknown value (which the vigil command refuses at start-up) is no cap.
static int cap_named(const char *e) {
    const int cap = vk_isa_cap_named(e);
    return cap < 0 ? VK_CAP_AVX512 : cap;
}

static int current_cap(void) {
    int c = __atomic_load_n(&isa_cap, __ATOMIC_RELAXED);
    if (c >= 0) return c;
    int expected = -1;
    __atomic_compare_exchange_n(&isa_cap, &expected, cap_named(getenv("VIGIL_NN_ISA")), 0, __ATOMIC_RELAXED,
                                __ATOMIC_RELAXED);
    return __atomic_load_n(&isa_cap, __ATOMIC_RELAXED);
}

// The float kernels' level a cap allows: AVX-VNNI adds nothing to them, so it allows AVX2's.
static int cap_level(int cap) { return cap >= VK_CAP_AVX512 ? 2 : (cap >= VK_CAP_AVX2 ? 1 : 0); }

int vk_cpu_isa(void) { return detected_isa(); }

int vk_isa(void) {
    const int d = detected_isa();
    return vk_isa_for(d >= 2, d >= 1, d >= 1, cap_level(current_cap()));
}

int vk_isa_cap(void) { return current_cap(); }

int vk_set_isa_cap(int cap) {
    const int old = current_cap();
    cap = cap < VK_CAP_NONE ? VK_CAP_NONE : (cap > VK_CAP_AVX512 ? VK_CAP_AVX512 : cap);
    __atomic_store_n(&isa_cap, cap, __ATOMIC_RELAXED);
    return old;
}

int vk_set_isa_limit(int level) {
    return cap_level(vk_set_isa_cap(level >= 2 ? VK_CAP_AVX512 : (level == 1 ? VK_CAP_AVX2 : VK_CAP_NONE)));
}

// ---- AVX2 + FMA (level 1): the same layouts, 8-float ymm vectors ----

#define T256 __attribute__((target("avx2,fma"), always_inline)) static inline

// e^x with the portable code's range reduction and polynomial, evaluated with a short dependency chain (FMAs for
// the reduction, Estrin's scheme for the polynomial: 9 steps instead of 15). With ymm vectors a SiLU holds twice
// as many instructions in flight as with zmm ones for the same floats, and the long chain left Zen 4's FP
// scheduler full: the AVX2 SiLU took 1.83× the AVX-512 one's time per float (C harness, 204,800 floats).
T256 __m256 exp256(__m256 x) {
    // Clamp with x as the second operand, so that NaN passes through (as in the portable code).
    x = _mm256_min_ps(_mm256_set1_ps(88.3f), _mm256_max_ps(_mm256_set1_ps(-87.3f), x));
    const __m256 shifter = _mm256_set1_ps(12582912.0f);
    const __m256 shifted = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504f), shifter);
    const __m256i e = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_set1_epi32(0x4B400000 - 127)), 23);
    const __m256 n = _mm256_sub_ps(shifted, shifter);
    const __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.4286068e-6f), _mm256_fnmadd_ps(n, _mm256_set1_ps(0.69314575f), x));
    // 1 + r + r²·(a + b·r + c·r² + d·r³ + f·r⁴ + g·r⁵) as 1 + r + r²·((a + b·r) + r²·((c + d·r) + r²·(f + g·r))).
    const __m256 r2 = _mm256_mul_ps(r, r);
    const __m256 p01 = _mm256_fmadd_ps(_mm256_set1_ps(0.16666665f), r, _mm256_set1_ps(0.5f));
    const __m256 p23 = _mm256_fmadd_ps(_mm256_set1_ps(8.333452e-3f), r, _mm256_set1_ps(4.1665796e-2f));
    const __m256 p45 = _mm256_fmadd_ps(_mm256_set1_ps(1.9875691e-4f), r, _mm256_set1_ps(1.3981999e-3f));
    const __m256 p = _mm256_fmadd_ps(_mm256_fmadd_ps(p45, r2, p23), r2, p01);
    const __m256 q = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    return _mm256_mul_ps(q, _mm256_castsi256_ps(e));
}

T256 __m256 act256(__m256 v, VKActivation a) {
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    switch (a.kind) {
    case 1: return _mm256_max_ps(v, zero);
    case 2: return _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(a.a)), _mm256_set1_ps(a.b));
    case 3: return _mm256_blendv_ps(v, _mm256_mul_ps(v, _mm256_set1_ps(a.a)), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
    case 4: return _mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(v, _mm256_set1_ps(a.a), _mm256_set1_ps(a.b)), zero), one);
    case 5: {
        __m256 t = _mm256_fmadd_ps(v, _mm256_set1_ps(1.0f / 6.0f), _mm256_set1_ps(0.5f));
        return _mm256_mul_ps(v, _mm256_min_ps(_mm256_max_ps(t, zero), one));
    }
    case 6: return _mm256_div_ps(one, _mm256_add_ps(one, exp256(_mm256_sub_ps(zero, v))));
    case 7: return _mm256_div_ps(v, _mm256_add_ps(one, exp256(_mm256_sub_ps(zero, v))));
    default: return v;
    }
}

// Partial vectors without AVX2's masked loads and stores (VMASKMOVPS): those are microcoded on AMD (a masked
// store costs tens of cycles; a masked-off lane on an unmapped page, a microcode assist), so lanes [lo, hi) go
// through a small buffer instead; lanes outside are zero (loads) or left alone (stores).
T256 __m256 load_range256(const float *p, int lo, int hi) {
    if (lo <= 0 && hi >= 8) return _mm256_loadu_ps(p);
    float t[8] = {0};
    if (lo < 0) lo = 0;
    if (hi > 8) hi = 8;
    if (hi > lo) memcpy(t + lo, p + lo, (size_t)(hi - lo) * sizeof(float));
    return _mm256_loadu_ps(t);
}

T256 void store_range256(float *p, __m256 v, int lo, int hi) {
    if (lo <= 0 && hi >= 8) {
        _mm256_storeu_ps(p, v);
        return;
    }
    float t[8];
    _mm256_storeu_ps(t, v);
    if (lo < 0) lo = 0;
    if (hi > 8) hi = 8;
    if (hi > lo) memcpy(p + lo, t + lo, (size_t)(hi - lo) * sizeof(float));
}

// Lanes [lo, hi) of an 8-lane mask for VMASKMOVPS loads (masked-off lanes are not read). On AMD masked loads
// are cheap, unless a masked-off lane lies on an unmapped page (a microcode assist, possible only next to the
// ends of an allocation); it is the masked stores that are slow.
T256 __m256i lanes256(int lo, int hi) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(hi), idx),
                            _mm256_cmpgt_epi32(idx, _mm256_set1_epi32(lo - 1)));
}

__attribute__((target("avx2,fma"))) static void activation256(const float *x, float *y, long n, VKActivation a) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, act256(_mm256_loadu_ps(x + i), a));
    if (i < n) store_range256(y + i, act256(load_range256(x + i, 0, (int)(n - i)), a), 0, (int)(n - i));
}

// 4 rows × 16 columns of a packed 8×32 tile over kc steps: a points at the tile's row half
// (stride 8 floats per step), b at its column half (stride 32 floats per step).
#define VK_ACC4x16                                                                                                     \
    __m256 x0 = _mm256_setzero_ps(), x1 = x0, x2 = x0, x3 = x0, y0 = x0, y1 = x0, y2 = x0, y3 = x0;
#define VK_FMA4x16(ap, b0, b1)                                                                                         \
    {                                                                                                                  \
        __m256 av;                                                                                                     \
        av = _mm256_broadcast_ss((ap) + 0); x0 = _mm256_fmadd_ps(av, b0, x0); y0 = _mm256_fmadd_ps(av, b1, y0);       \
        av = _mm256_broadcast_ss((ap) + 1); x1 = _mm256_fmadd_ps(av, b0, x1); y1 = _mm256_fmadd_ps(av, b1, y1);       \
        av = _mm256_broadcast_ss((ap) + 2); x2 = _mm256_fmadd_ps(av, b0, x2); y2 = _mm256_fmadd_ps(av, b1, y2);       \
        av = _mm256_broadcast_ss((ap) + 3); x3 = _mm256_fmadd_ps(av, b0, x3); y3 = _mm256_fmadd_ps(av, b1, y3);       \
    }

// GEMM: rows [r0, r0 + rows) (rows ≤ 4) and columns [c0, c0 + 16) of an 8×32 tile; nc: valid columns
// of the whole tile. `first`: start from zero, else add to C; `last`: apply the epilogue.
__attribute__((target("avx2,fma"))) static void kernel4x16(int kc, const float *a, const float *b, float *c, long ldc,
                                                          int rows, int c0, int nc, int first, int last,
                                                          const VKEpilogue *ep, const float *res, const float *bias) {
    VK_ACC4x16
    int p = 0;
    for (; p + 2 <= kc; p += 2) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        VK_FMA4x16(a, b0, b1)
        b0 = _mm256_loadu_ps(b + 32);
        b1 = _mm256_loadu_ps(b + 40);
        VK_FMA4x16(a + 8, b0, b1)
        a += 16;
        b += 64;
    }
    if (p < kc) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        VK_FMA4x16(a, b0, b1)
    }
    const int n0 = nc - c0, n1 = nc - c0 - 8;  // valid lanes of the two vectors
    __m256 xs[4] = {x0, x1, x2, x3}, ys[4] = {y0, y1, y2, y3};
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc + c0;
        __m256 v0 = xs[r], v1 = ys[r];
        if (!first) {
            v0 = _mm256_add_ps(v0, load_range256(cr, 0, n0));
            v1 = _mm256_add_ps(v1, load_range256(cr + 8, 0, n1));
        }
        if (last && ep) {
            __m256 bv = _mm256_set1_ps(ep->bias ? bias[r] : 0.0f);
            v0 = act256(_mm256_add_ps(v0, bv), ep->activation);
            v1 = act256(_mm256_add_ps(v1, bv), ep->activation);
            if (res) {
                const float *rr = res + r * ldc + c0;
                v0 = act256(_mm256_add_ps(v0, load_range256(rr, 0, n0)), ep->post);
                v1 = act256(_mm256_add_ps(v1, load_range256(rr + 8, 0, n1)), ep->post);
            }
        }
        store_range256(cr, v0, 0, n0);
        store_range256(cr + 8, v1, 0, n1);
    }
}

#define VK_KC2 128

static void gemm256(int m, int n, int k, const float *pa, const float *pb, float *c, long ldc, const VKEpilogue *ep) {
    const int mp = (m + VK_MR - 1) / VK_MR, np = (n + VK_NR - 1) / VK_NR;
    // K blocks of 128: one column half of a B block is 8 KiB, reused from L1 by every row half.
    for (int k0 = 0; k0 < k; k0 += VK_KC2) {
        const int kc = min_int(VK_KC2, k - k0);
        const int first = k0 == 0, last = k0 + kc >= k;
        for (int j = 0; j < np; j++) {
            const float *b = pb + ((size_t)j * k + k0) * VK_NR;
            const int nc = min_int(VK_NR, n - j * VK_NR);
            for (int c0 = 0; c0 < nc; c0 += 16) {
                for (int i = 0; i < mp; i++) {
                    const float *a = pa + ((size_t)i * k + k0) * VK_MR;
                    const int mr = min_int(VK_MR, m - i * VK_MR);
                    const long off = (long)i * VK_MR * ldc + (long)j * VK_NR;
                    for (int r0 = 0; r0 < mr; r0 += 4) {
                        const long o = off + (long)r0 * ldc;
                        const float *res = ep && ep->residual ? ep->residual + o : 0;
                        const float *bias = ep && ep->bias ? ep->bias + i * VK_MR + r0 : 0;
                        kernel4x16(kc, a + r0, b + c0, c + o, ldc, min_int(4, mr - r0), c0, nc, first, last, ep, res,
                                   bias);
                    }
                }
            }
        }
    }
}

// Implicit GEMM: rows [row0, row0 + rows) (rows ≤ 4, a at their packed row half) × virtual columns
// [v, v + 24) of which `lanes` are valid (lanes past them are not read). Twelve accumulators, three B vectors
// and a broadcast fill the 16 ymm registers: 12 FMAs per 8 loads, and 12 independent chains cover the FMA
// latency (a 4×16 block has 8 FMAs per 7 loads and just the 8 chains two FMA pipes need).
#define VK_FMA4x24(ap, b0, b1, b2)                                                                                     \
    {                                                                                                                  \
        __m256 av;                                                                                                     \
        av = _mm256_broadcast_ss((ap) + 0);                                                                            \
        u0 = _mm256_fmadd_ps(av, b0, u0); w0 = _mm256_fmadd_ps(av, b1, w0); z0 = _mm256_fmadd_ps(av, b2, z0);          \
        av = _mm256_broadcast_ss((ap) + 1);                                                                            \
        u1 = _mm256_fmadd_ps(av, b0, u1); w1 = _mm256_fmadd_ps(av, b1, w1); z1 = _mm256_fmadd_ps(av, b2, z1);          \
        av = _mm256_broadcast_ss((ap) + 2);                                                                            \
        u2 = _mm256_fmadd_ps(av, b0, u2); w2 = _mm256_fmadd_ps(av, b1, w2); z2 = _mm256_fmadd_ps(av, b2, z2);          \
        av = _mm256_broadcast_ss((ap) + 3);                                                                            \
        u3 = _mm256_fmadd_ps(av, b0, u3); w3 = _mm256_fmadd_ps(av, b1, w3); z3 = _mm256_fmadd_ps(av, b2, z3);          \
    }

// Stores lanes [lo, hi) of one row's 24-column block at o (lane 0's place) after the epilogue (bias, activation,
// residual, post-activation); whole vectors where the range covers them.
T256 void implicit_row24(float *o, const float *res, const __m256 *vs, int lo, int hi, const VKEpilogue *ep,
                         float bias) {
    for (int q = 0; q < 3; q++) {
        const int l = lo - 8 * q, h = hi - 8 * q;
        if (h <= 0 || l >= 8) continue;
        __m256 v = vs[q];
        if (ep) {
            v = act256(_mm256_add_ps(v, _mm256_set1_ps(bias)), ep->activation);
            if (res) v = act256(_mm256_add_ps(v, load_range256(res + 8 * q, l, h)), ep->post);
        }
        store_range256(o + 8 * q, v, l, h);
    }
}

// The 4×24 block's sums over k ≥ 1 steps into vs (row r, vector q). The inner loop is written out in assembly:
// the 12 accumulators, 3 B vectors and the broadcast need all 16 ymm registers, and the compilers, left to
// schedule it, keep one accumulator on the stack (a store and a reload in every step, 1.9× the time).
T256 void sums4x24(int k, const float *a, const int *off, const float *base, __m256 vs[4][3]) {
    __m256 u0 = _mm256_setzero_ps(), u1 = u0, u2 = u0, u3 = u0, w0 = u0, w1 = u0, w2 = u0, w3 = u0;
    __m256 z0 = u0, z1 = u0, z2 = u0, z3 = u0;
    long n = k, t;
    __asm__ volatile(
        "1:\n\t"
        "movslq (%[off]), %[t]\n\t"
        "vmovups (%[base],%[t],4), %%ymm12\n\t"
        "vmovups 32(%[base],%[t],4), %%ymm13\n\t"
        "vmovups 64(%[base],%[t],4), %%ymm14\n\t"
        "vbroadcastss (%[a]), %%ymm15\n\t"
        "vfmadd231ps %%ymm12, %%ymm15, %[u0]\n\t"
        "vfmadd231ps %%ymm13, %%ymm15, %[w0]\n\t"
        "vfmadd231ps %%ymm14, %%ymm15, %[z0]\n\t"
        "vbroadcastss 4(%[a]), %%ymm15\n\t"
        "vfmadd231ps %%ymm12, %%ymm15, %[u1]\n\t"
        "vfmadd231ps %%ymm13, %%ymm15, %[w1]\n\t"
        "vfmadd231ps %%ymm14, %%ymm15, %[z1]\n\t"
        "vbroadcastss 8(%[a]), %%ymm15\n\t"
        "vfmadd231ps %%ymm12, %%ymm15, %[u2]\n\t"
        "vfmadd231ps %%ymm13, %%ymm15, %[w2]\n\t"
        "vfmadd231ps %%ymm14, %%ymm15, %[z2]\n\t"
        "vbroadcastss 12(%[a]), %%ymm15\n\t"
        "vfmadd231ps %%ymm12, %%ymm15, %[u3]\n\t"
        "vfmadd231ps %%ymm13, %%ymm15, %[w3]\n\t"
        "vfmadd231ps %%ymm14, %%ymm15, %[z3]\n\t"
        "add $4, %[off]\n\t"
        "add $32, %[a]\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        : [u0] "+x"(u0), [u1] "+x"(u1), [u2] "+x"(u2), [u3] "+x"(u3), [w0] "+x"(w0), [w1] "+x"(w1),
          [w2] "+x"(w2), [w3] "+x"(w3), [z0] "+x"(z0), [z1] "+x"(z1), [z2] "+x"(z2), [z3] "+x"(z3),
          [a] "+r"(a), [off] "+r"(off), [n] "+r"(n), [t] "=&r"(t)
        : [base] "r"(base)
        : "ymm12", "ymm13", "ymm14", "ymm15", "cc", "memory");
    vs[0][0] = u0; vs[0][1] = w0; vs[0][2] = z0; vs[1][0] = u1; vs[1][1] = w1; vs[1][2] = z1;
    vs[2][0] = u2; vs[2][1] = w2; vs[2][2] = z2; vs[3][0] = u3; vs[3][1] = w3; vs[3][2] = z3;
}

__attribute__((target("avx2,fma"), noinline)) static void implicit_sums4x24(int k, const float *a, const int *off,
                                                                           const float *base, __m256 vs[4][3]) {
    sums4x24(k, a, off, base, vs);
}

// The activation on n vectors, the switch on its kind taken once: the n evaluations (independent) follow each
// other without a jump between them, so that the out-of-order core overlaps them.
#define VK_ACT_N(KIND) \
    case KIND: \
        for (int i = 0; i < n; i++) v[i] = act256(v[i], (VKActivation){KIND, a.a, a.b}); \
        return;
T256 void act256_n(__m256 *v, const int n, VKActivation a) {
    switch (a.kind) {
    VK_ACT_N(1) VK_ACT_N(2) VK_ACT_N(3) VK_ACT_N(4) VK_ACT_N(5) VK_ACT_N(6) VK_ACT_N(7)
    default: return;
    }
}
#undef VK_ACT_N

// The common block, k ≥ 1 steps: all 24 columns new and in one output row (or rows back to back without pad
// columns), at y + at in row row0 + r (rows ≤ 4). Sums, epilogue and whole-vector stores in one function: the sums
// stay in registers, the bias comes straight from ep, and the activation runs on all 12 vectors behind one switch.
// Through implicit_store256 (the sums stored to the stack and read back, a stack array for the bias, one switch
// per vector, the block's place computed with two divisions per 4-row call) a 1×1 convolution with K = 8
// (BlazeFace-192's 8 → 32 on 96×96) spent as long in the store as in the sums.
__attribute__((target("avx2,fma"), noinline)) static void implicit_whole4x24(int k, const float *a, const int *off,
                                                                            const float *b, int rows, float *y,
                                                                            long ldy, long at,
                                                                            const VKEpilogue *ep, int row0) {
    __m256 vs[4][3];
    sums4x24(k, a, off, b, vs);
    const float *residual = ep ? ep->residual : 0;
    if (ep) {
        for (int r = 0; r < 4; r++) {
            const __m256 bias = _mm256_set1_ps(ep->bias && r < rows ? ep->bias[row0 + r] : 0.0f);
            for (int q = 0; q < 3; q++) vs[r][q] = _mm256_add_ps(vs[r][q], bias);
        }
        act256_n(&vs[0][0], 12, ep->activation);
    }
    for (int r = 0; r < rows; r++) {
        const long row = (long)(row0 + r) * ldy + at;
        if (residual) {
            for (int q = 0; q < 3; q++) vs[r][q] = _mm256_add_ps(vs[r][q], _mm256_loadu_ps(residual + row + 8 * q));
            act256_n(vs[r], 3, ep->post);
        }
        for (int q = 0; q < 3; q++) _mm256_storeu_ps(y + row + 8 * q, vs[r][q]);
    }
}

// The same for the last block of a range, `lanes` < 24 valid: masked loads (once per range; lanes past the
// range are not read).
__attribute__((target("avx2,fma"), noinline)) static void implicit_tail4x24(int k, const float *a, const int *off,
                                                                           const float *base, int lanes,
                                                                           __m256 vs[4][3]) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), idx);
    const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes - 8), idx);
    const __m256i m2 = _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes - 16), idx);
    __m256 u0 = _mm256_setzero_ps(), u1 = u0, u2 = u0, u3 = u0, w0 = u0, w1 = u0, w2 = u0, w3 = u0;
    __m256 z0 = u0, z1 = u0, z2 = u0, z3 = u0;
    for (int p = 0; p < k; p++) {
        const float *bp = base + off[p];
        __m256 b0 = _mm256_maskload_ps(bp, m0), b1 = _mm256_maskload_ps(bp + 8, m1);
        __m256 b2 = _mm256_maskload_ps(bp + 16, m2);
        VK_FMA4x24(a + p * 8, b0, b1, b2)
    }
    vs[0][0] = u0; vs[0][1] = w0; vs[0][2] = z0; vs[1][0] = u1; vs[1][1] = w1; vs[1][2] = z1;
    vs[2][0] = u2; vs[2][1] = w2; vs[2][2] = z2; vs[3][0] = u3; vs[3][1] = w3; vs[3][2] = z3;
}

// Stores rows [row0, row0 + rows) of an implicit-GEMM block (vs[r]: row r's lanes 0–23 in three vectors) after the
// epilogue; lanes [from, lanes) are stored (the ones before were stored by an overlapping block).
__attribute__((target("avx2,fma"))) static void implicit_store256(__m256 (*vs)[3], int rows, long v, int from,
                                                                 int lanes, float *y, long ldy, int pitch, int out_w,
                                                                 const VKEpilogue *ep, int row0) {
    const float *residual = ep ? ep->residual : 0;
    float bias[VK_MR] = {0};
    if (ep && ep->bias)
        for (int r = 0; r < rows; r++) bias[r] = ep->bias[row0 + r];
    // Store by output-row segments: lanes [l, l + len) go to row oy from column ox. Without pad columns
    // (pitch = out_w: 1×1 and unpadded convolutions) the rows lie back to back: one segment.
    int l = from;
    while (l < lanes) {
        long vv = v + l;
        int oy = (int)(vv / pitch), ox = (int)(vv % pitch);
        int seg = pitch == out_w ? lanes - l : pitch - ox;
        if (seg > lanes - l) seg = lanes - l;
        int valid = pitch == out_w ? seg : out_w - ox;
        if (valid > seg) valid = seg;
        if (valid > 0) {
            const long at = (long)oy * out_w + ox - l;
            for (int r = 0; r < rows; r++) {
                const long row = (long)(row0 + r) * ldy + at;
                implicit_row24(y + row, residual ? residual + row : 0, vs[r], l, l + valid, ep, bias[r]);
            }
        }
        l += seg;
    }
}

// A 4×24 block over k steps; lanes [from, lanes) are stored (the ones before were stored by an overlapping
// block).
// Sums read from b (the block's first column) at the offsets `off`.
__attribute__((target("avx2,fma"))) static void implicit4x24(int k, const float *a, const int *off, const float *b,
                                                            long v, int from, int lanes, int rows, float *y, long ldy,
                                                            int pitch, int out_w, const VKEpilogue *ep, int row0) {
    __m256 vs[4][3];
    if (lanes >= 24 && k > 0) implicit_sums4x24(k, a, off, b, vs);
    else implicit_tail4x24(k, a, off, b, lanes, vs);
    implicit_store256(vs, rows, v, from, lanes, y, ldy, pitch, out_w, ep, row0);
}

// K steps up to which implicit256 copies a block's input columns into one contiguous buffer on the stack
// (96·k bytes: 108 KiB at most; the pool's helpers have 512 KiB stacks) before its row blocks read them. Up to
// 256 at first; raising it to 1152 made the 1×1 layers with K = 320–672 and the stride-2 3×3 layers with K = 288–1152
// (their taps lie in four parity planes) 5–9 % faster in scripts/kernel-harness (load 14: AVX2 1×1 384 → 128 on
// 40×40 1.90 → 1.74 ms, 3×3 s2 128 → 256 on 20×20 0.75 → 0.69 ms).
#ifndef VK_IPACK2
#define VK_IPACK2 1152
#endif

// Copies the block's 24 input columns at `base` (k taps at `off`) into dst, 24 floats per tap, so that every row
// block reads them from consecutive lines. Read in place, the taps of a 1×1 convolution on 64×64 or 32×32
// planes lie a multiple of 4 KiB apart, all in the same L1 sets: past 8 of them they evicted each other, and
// every 4-row block read them from L2 again (BlazeFace's 24-channel 64×64 1×1 took 1.47× the AVX-512 time).
__attribute__((target("avx2,fma"))) static void implicit_pack24(int k, const int *off, const float *base, float *dst) {
    for (int p = 0; p < k; p++) {
        const float *q = base + off[p];
        _mm256_storeu_ps(dst + 24 * p, _mm256_loadu_ps(q));
        _mm256_storeu_ps(dst + 24 * p + 8, _mm256_loadu_ps(q + 8));
        _mm256_storeu_ps(dst + 24 * p + 16, _mm256_loadu_ps(q + 16));
    }
}

// The last 1–8 virtual columns of a range as 8 rows (a whole packed panel, `a` at its start) × one vector: a
// range's last lanes no longer cost a whole 4×24 block shifted back over finished columns (a 7×7 plane, 49
// columns, was computed as 72; now 56). Eight accumulators cover the FMA latency; lanes past `lanes` are
// not read.
__attribute__((target("avx2,fma"))) static void implicit8x8(int k, const float *a, const int *off, const float *src,
                                                           long v, int lanes, int rows, float *y, long ldy, int pitch,
                                                           int out_w, const VKEpilogue *ep, int row0) {
    const __m256i m = lanes256(0, lanes);
    __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    const float *base = src + v;
    for (int p = 0; p < k; p++) {
        const __m256 b = _mm256_maskload_ps(base + off[p], m);
        const float *ap = a + p * VK_MR;
        c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(ap + 0), b, c0);
        c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(ap + 1), b, c1);
        c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(ap + 2), b, c2);
        c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(ap + 3), b, c3);
        c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(ap + 4), b, c4);
        c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(ap + 5), b, c5);
        c6 = _mm256_fmadd_ps(_mm256_broadcast_ss(ap + 6), b, c6);
        c7 = _mm256_fmadd_ps(_mm256_broadcast_ss(ap + 7), b, c7);
    }
    __m256 vs[VK_MR][3] = {{c0}, {c1}, {c2}, {c3}, {c4}, {c5}, {c6}, {c7}};
    implicit_store256(vs, rows, v, 0, lanes, y, ldy, pitch, out_w, ep, row0);
}

// Small K (≤ VK_CHUNK_K taps) and at least 32 output channels, with packed inputs: the whole 24-column blocks of
// [v0, v1) in chunks of up to 64 blocks whose packed inputs fill at most VK_CHUNK_FLOATS (48 KiB, on the stack);
// each chunk is packed once and then swept once per 4-row half of every weight panel, so that each output plane
// (and residual) is written (read) in runs of up to 24 · 64 floats, 4 planes at a time. Block after block over
// all panels, every block wrote 24 floats into each of m planes, often a multiple of 4 KiB apart (the same L1
// sets): with the output and residual out of cache, as in a model, BlazeFace-192's 1×1 convolutions with a
// residual ran at 2–3× the AVX-512 time. C harness, caches flushed before each call, residual + Relu (best of
// 5, load 15): 16 → 64 on 48×48 12.5 → 29.0 GFLOP/s, 8 → 32 on 96×96 6.0 → 16.0, 32 → 64 on 24×24 21.2 → 41.8,
// 32 → 128 on 24×24 21.1 → 28.9, 24 → 48 on 48×48 24.6 → 30.7; with 16 output channels or K = 64 it was up to
// 15 % slower, hence the limits. Returns where the columns left (fewer than 24) start.
#define VK_CHUNK_K 32
#define VK_CHUNK_FLOATS 12288
static long implicit256_chunked(int m, int k, const float *pa, const int *offsets, const float *src, int pitch,
                                int out_w, long v0, long v1, float *y, long ldy, const VKEpilogue *ep) {
    float packed[VK_CHUNK_FLOATS];
    int packedOffsets[VK_CHUNK_K];
    for (int p = 0; p < k; p++) packedOffsets[p] = 24 * p;
    const int most = min_int(VK_CHUNK_FLOATS / (24 * k), 64);
    long places[64];
    int wholes[64];
    long c0 = v0;
    while (v1 - c0 >= 24) {
        const int nb = min_int(most, (int)((v1 - c0) / 24));
        for (int j = 0; j < nb; j++) {
            const long at = c0 + 24 * j;
            implicit_pack24(k, offsets, src + at, packed + (size_t)j * 24 * k);
            const int ox0 = (int)(at % pitch);
            wholes[j] = pitch == out_w || ox0 + 24 <= out_w;
            places[j] = (at / pitch) * out_w + ox0;
        }
        for (int i = 0; i < m; i += VK_MR) {
            const int mr = min_int(VK_MR, m - i);
            const float *a = pa + (size_t)i * k;
            for (int r0 = 0; r0 < mr; r0 += 4) {
                const int rows = min_int(4, mr - r0);
                for (int j = 0; j < nb; j++) {
                    const float *b = packed + (size_t)j * 24 * k;
                    if (wholes[j]) implicit_whole4x24(k, a + r0, packedOffsets, b, rows, y, ldy, places[j], ep, i + r0);
                    else implicit4x24(k, a + r0, packedOffsets, b, c0 + 24 * j, 0, 24, rows, y, ldy, pitch, out_w, ep,
                                      i + r0);
                }
            }
        }
        c0 += 24L * nb;
    }
    return c0;
}

static void implicit256(int m, int k, const float *pa, const int *offsets, const float *src, int pitch, int out_w,
                        long v0, long v1, float *y, long ldy, const VKEpilogue *ep) {
    // Whole blocks read a packed copy of their input columns when K allows and consecutive taps lie in different
    // planes, as in 1×1 convolutions and in stride-2 ones (their parity planes; see implicit_pack24; the taps of a
    // stride-1 3×3 share rows, and copying them cost more than it saved).
    const int pack = k > 1 && k <= VK_IPACK2 && m > 4 && offsets[1] - offsets[0] >= 24;
    float packed[pack ? 24 * k : 1];
    int packedOffsets[pack ? k : 1];
    for (int p = 0; pack && p < k; p++) packedOffsets[p] = 24 * p;
    long start = v0;
    if (pack && k <= VK_CHUNK_K && m >= 32 && v1 - v0 >= 48)
        start = implicit256_chunked(m, k, pa, offsets, src, pitch, out_w, v0, v1, y, ldy, ep);
    for (long v = start; v < v1; v += 24) {
        const long left = v1 - v;
        if (left <= 16) {
            // The last 1–16 columns: one or two 8-row × 8-column blocks.
            for (long u = v; u < v1; u += 8)
                for (int i = 0; i < m; i += VK_MR)
                    implicit8x8(k, pa + (size_t)i * k, offsets, src, u, (int)min_int(8, (int)(v1 - u)),
                                min_int(VK_MR, m - i), y, ldy, pitch, out_w, ep, i);
            break;
        }
        // The last 17–23 columns of a range at least 24 long: a whole block shifted back to end at v1 (it
        // overlaps the previous one; only its new lanes are stored), so that it reads whole vectors. (Splitting
        // K into chunks of 128, so that a block's input columns stay in L1, made K = 288 and 576 slower in a C
        // harness: 1.3–1.45×.)
        long at = v;
        int from = 0, lanes = 24;
        if (left < 24) {
            if (v1 - v0 >= 24) { at = v1 - 24; from = (int)(v - at); }
            else lanes = (int)left;
        }
        const int packs = pack && lanes == 24;
        if (packs) implicit_pack24(k, offsets, src + at, packed);
        const float *b = packs ? packed : src + at;
        const int *off = packs ? packedOffsets : offsets;
        // The common block (implicit_whole4x24): all 24 lanes new and in one output row, or rows back to back
        // (no pad columns): whole vectors, no segment bookkeeping (that cost a quarter of a 1×1 convolution
        // with 24 channels).
        const int ox0 = (int)(at % pitch);
        const int whole = from == 0 && lanes == 24 && (pitch == out_w || ox0 + 24 <= out_w);
        const long place = (at / pitch) * out_w + ox0;
        for (int i = 0; i < m; i += VK_MR) {
            const int mr = m - i < VK_MR ? m - i : VK_MR;
            const float *a = pa + (size_t)i * k;
            for (int r0 = 0; r0 < mr; r0 += 4) {
                const int rows = min_int(4, mr - r0);
                if (whole) implicit_whole4x24(k, a + r0, off, b, rows, y, ldy, place, ep, i + r0);
                else implicit4x24(k, a + r0, off, b, at, from, lanes, rows, y, ldy, pitch, out_w, ep, i + r0);
            }
        }
    }
}

__attribute__((target("avx2,fma"))) static void maxpool256(const float *x, float *y, const VKConvGeometry *g,
                                                          float *row) {
    const int pw = pool_row_floats(g), s = g->stride_w, dx = g->dilation_w;
    const __m256 ninf = _mm256_set1_ps(-__builtin_inff());
    const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(s));
    for (int i = 0; i < pw + 64; i++) row[i] = -__builtin_inff();
    // With out_w ≥ 8 a row's last vector is moved back to end at out_w (max is idempotent, so the lanes it shares
    // with the previous vector come out the same): whole loads and stores only. A 10-wide row (YOLOv8n-320's SPPF)
    // took one whole and one partial vector through a buffer, 1.9× the AVX-512 time.
    const int back = g->out_w >= 8;
    for (int oy = 0; oy < g->out_h; oy++) {
        float *orow = y + (size_t)oy * g->out_w;
        for (int ox = 0; ox < g->out_w; ox += 8) {
            const int at = back && ox + 8 > g->out_w ? g->out_w - 8 : ox;
            store_range256(orow + at, ninf, 0, g->out_w - at);
        }
        for (int ky = 0; ky < g->k_h; ky++) {
            const int iy = oy * g->stride_h - g->pad_top + ky * g->dilation_h;
            if (iy < 0 || iy >= g->in_h) continue;
            memcpy(row + g->pad_left, x + (size_t)iy * g->in_w, (size_t)g->in_w * sizeof(float));
            for (int ox0 = 0; ox0 < g->out_w; ox0 += 8) {
                const int ox = back && ox0 + 8 > g->out_w ? g->out_w - 8 : ox0, left = g->out_w - ox;
                __m256 acc = load_range256(orow + ox, 0, left);
                const float *p = row + (size_t)ox * s;
                for (int kx = 0; kx < g->k_w; kx++) {
                    const float *q = p + kx * dx;
                    __m256 v;
                    if (s == 1) {
                        v = _mm256_loadu_ps(q);
                    } else if (s == 2) {
                        __m256 even = _mm256_shuffle_ps(_mm256_loadu_ps(q), _mm256_loadu_ps(q + 8), _MM_SHUFFLE(2, 0, 2, 0));
                        v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), _MM_SHUFFLE(3, 1, 2, 0)));
                    } else {
                        v = _mm256_i32gather_ps(q, idx, 4);
                    }
                    // max(v, acc) returns acc when v is NaN, as the portable Swift.max(acc, v).
                    acc = _mm256_max_ps(v, acc);
                }
                store_range256(orow + ox, acc, 0, left);
            }
        }
    }
}

// Depthwise convolution, AVX2: the AVX-512 kernel's layout (zero-padded plane, flattened or row mode) in
// 8-float vectors, four independent accumulators per step (32 outputs) to cover the FMA latency.

// 8 outputs' input for one tap: consecutive floats (stride 1), every other float (stride 2), or gathered.
T256 __m256 dw_load256(const float *q, int s) {
    if (s == 1) return _mm256_loadu_ps(q);
    if (s == 2) {
        __m256 even = _mm256_shuffle_ps(_mm256_loadu_ps(q), _mm256_loadu_ps(q + 8), _MM_SHUFFLE(2, 0, 2, 0));
        return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), _MM_SHUFFLE(3, 1, 2, 0)));
    }
    const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(s));
    return _mm256_i32gather_ps(q, idx, 4);
}

// 8 outputs' sum over the taps from p; rows alternate between two accumulators (two dependency chains).
T256 __m256 dw_taps256(const float *p, const float *w, int kh, int kw, long rowStep, int dx, int s, __m256 acc) {
    __m256 other = _mm256_setzero_ps();
    for (int ky = 0; ky < kh; ky++) {
        __m256 t = acc;
        acc = other;
        other = t;
        const float *row = p + ky * rowStep;
        for (int kx = 0; kx < kw; kx++)
            acc = _mm256_fmadd_ps(dw_load256(row + kx * dx, s), _mm256_set1_ps(w[ky * kw + kx]), acc);
    }
    return _mm256_add_ps(acc, other);
}

// 32 outputs from p in four independent accumulators (a[0..3], 8 outputs each).
T256 void dw_taps4_256(const float *p, const float *w, int kh, int kw, long rowStep, int dx, int s, __m256 *a) {
    __m256 x0 = a[0], x1 = a[1], x2 = a[2], x3 = a[3];
    for (int ky = 0; ky < kh; ky++) {
        const float *row = p + ky * rowStep;
        for (int kx = 0; kx < kw; kx++) {
            const __m256 wv = _mm256_set1_ps(w[ky * kw + kx]);
            const float *q = row + kx * dx;
            x0 = _mm256_fmadd_ps(dw_load256(q, s), wv, x0);
            x1 = _mm256_fmadd_ps(dw_load256(q + 8 * s, s), wv, x1);
            x2 = _mm256_fmadd_ps(dw_load256(q + 16 * s, s), wv, x2);
            x3 = _mm256_fmadd_ps(dw_load256(q + 24 * s, s), wv, x3);
        }
    }
    a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3;
}

// Stores `left` (1…8) outputs after the activation, the residual and the post-activation. A partial vector goes
// through a small buffer: AVX2's masked loads and stores (VMASKMOVPS) are slow on AMD, and a masked-off lane
// on an unmapped page costs a microcode assist there.
T256 void dw_store256(float *o, const float *r, int left, __m256 v, VKActivation act, VKActivation post) {
    v = act256(v, act);
    if (left >= 8) {
        if (r) v = act256(_mm256_add_ps(v, _mm256_loadu_ps(r)), post);
        _mm256_storeu_ps(o, v);
        return;
    }
    float t[8] = {0};
    if (r) {
        memcpy(t, r, (size_t)left * sizeof(float));
        v = act256(_mm256_add_ps(v, _mm256_loadu_ps(t)), post);
    }
    _mm256_storeu_ps(t, v);
    memcpy(o, t, (size_t)left * sizeof(float));
}

// The zero-padded copy of one channel's plane (see dw_pad_plane) with whole-vector stores and loads only (see
// dw_store256): zeros over each row, then the input row copied over them.
__attribute__((target("avx2,fma"))) static void dw_pad_plane256(const float *x, const VKConvGeometry *g, float *pad,
                                                               int pw, int ph, int slack) {
    const __m256 zero = _mm256_setzero_ps();
    const long n = (long)ph * pw + slack;
    long j = 0;
    for (; j + 8 <= n; j += 8) _mm256_storeu_ps(pad + j, zero);
    for (; j < n; j++) pad[j] = 0;
    for (int iy = 0; iy < g->in_h; iy++) {
        const int r = iy + g->pad_top;
        if (r >= ph) break;
        float *dst = pad + (size_t)r * pw + g->pad_left;
        const float *src = x + (size_t)iy * g->in_w;
        int c = 0;
        for (; c + 8 <= g->in_w; c += 8) _mm256_storeu_ps(dst + c, _mm256_loadu_ps(src + c));
        for (; c < g->in_w; c++) dst[c] = src[c];
    }
}

// Flattened mode (see dw_flat_pitch): all virtual outputs into vbuf, then copied out row by row.
__attribute__((target("avx2,fma"))) static void depthwise256_flat(const float *x, const float *w, __m256 b, float *y,
                                                                 const float *res, VKActivation act, VKActivation post,
                                                                 const VKConvGeometry *g, float *pad) {
    const int kh = g->k_h, kw = g->k_w, s = g->stride_w, dx = g->dilation_w;
    const int ph = dw_padded_h(g), pw = dw_flat_pitch(g);
    const long virt = dw_flat_virtual(g);
    dw_pad_plane256(x, g, pad, pw, ph, 64 * s + 64);
    float *vbuf = pad + (size_t)ph * pw + 64 * s + 64;
    const long rowStep = (long)g->dilation_h * pw;
    long v = 0;
    for (; v + 32 <= virt; v += 32) {
        __m256 a[4] = {b, b, b, b};
        dw_taps4_256(pad + v * s, w, kh, kw, rowStep, dx, s, a);
        for (int q = 0; q < 4; q++) _mm256_storeu_ps(vbuf + v + 8 * q, a[q]);
    }
    for (; v < virt; v += 8) _mm256_storeu_ps(vbuf + v, dw_taps256(pad + v * s, w, kh, kw, rowStep, dx, s, b));
    for (int oy = 0; oy < g->out_h; oy++) {
        const float *src = vbuf + (size_t)oy * pw;
        float *orow = y + (size_t)oy * g->out_w;
        const float *rrow = res ? res + (size_t)oy * g->out_w : 0;
        for (int ox = 0; ox < g->out_w; ox += 8) {
            // vbuf has slack past every row's end: whole-vector loads.
            dw_store256(orow + ox, rrow ? rrow + ox : 0, g->out_w - ox, _mm256_loadu_ps(src + ox), act, post);
        }
    }
}

// Zeros read in place of input rows outside the plane (above or below it) by dw_block256.
static const float dw_zero_row[64];

// 8 outputs' input for one tap of dw_block256: plain loads (EDGE = 0) or masked ones (m: the tap's S masks).
T256 __m256 dw_tap256(const float *q, const __m256i *m, const int S, const int EDGE) {
    if (!EDGE) return dw_load256(q, S);
    __m256 v = _mm256_maskload_ps(q, m[0]);
    if (S == 2) {
        __m256 even = _mm256_shuffle_ps(v, _mm256_maskload_ps(q + 8, m[1]), _MM_SHUFFLE(2, 0, 2, 0));
        v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), _MM_SHUFFLE(3, 1, 2, 0)));
    }
    return v;
}

// One column block (8 outputs from column ox) of every output row, DW_ROWS256 rows per step, read straight from
// the unpadded plane (no padded copy: at 16×16 or 8×8 the copy cost as much as the convolution). Eight
// accumulators: with four, each FMA waited for the previous one of its row (half the FMA rate). EDGE = 0: the
// block's input columns [c0, c0 + 8·S + K - 1) lie inside the row, plain loads, rows outside the plane read
// dw_zero_row. EDGE = 1: masked loads, lane by lane inside the row (cm: per tap column, S masks of 8; lanes
// masked off are not read, so nothing outside the row is touched).
// KXOUTER: taps column by column (5×5 stride 1: the 25 weights do not fit in registers beside the
// accumulators, its K do), else input row by row (3×3 and stride 2 ran faster so; measured in a C harness).
__attribute__((target("avx2,fma"), always_inline)) static inline void dw_block256(
    const float *x, const float *w, const __m256 *wv, __m256 b, float *y, const float *res, VKActivation act,
    VKActivation post, const VKConvGeometry *g, int ox, const __m256i *cm, const int K, const int S, const int EDGE,
    const int KXOUTER) {
    const int R = S * (DW_ROWS256 - 1) + K;  // input rows of a step
    const int oh = g->out_h, ow = g->out_w, ih = g->in_h, iw = g->in_w;
    const int c0 = ox * S - g->pad_left;
    for (int oy0 = 0; oy0 < oh; oy0 += DW_ROWS256) {
        // Rows outside the plane read zeros (dw_zero_row; in the edge blocks from its middle, so that the same
        // masks apply to every row).
        const float *rows[2 * (DW_ROWS256 - 1) + 5];
#pragma clang loop unroll(full)
        for (int r = 0; r < R; r++) {
            const int iy = oy0 * S - g->pad_top + r;
            rows[r] = iy >= 0 && iy < ih ? x + (long)iy * iw + c0 : dw_zero_row + (EDGE ? 24 : 0);
        }
        __m256 acc[DW_ROWS256];
        for (int j = 0; j < DW_ROWS256; j++) acc[j] = b;
        if (KXOUTER) {
            // One tap column at a time: its K weights stay in registers beside the 8 accumulators (all 25 of a
            // 5×5 do not fit, and reloading them cost more loads than the inputs).
#pragma clang loop unroll(full)
            for (int kx = 0; kx < K; kx++) {
                __m256 wk[5];
                for (int ky = 0; ky < K; ky++) wk[ky] = _mm256_broadcast_ss(w + ky * K + kx);
#pragma clang loop unroll(full)
                for (int r = 0; r < R; r++) {
                    const __m256 v = dw_tap256(rows[r] + kx, cm + kx * S, S, EDGE);
#pragma clang loop unroll(full)
                    for (int j = 0; j < DW_ROWS256; j++) {
                        const int ky = r - S * j;
                        if (ky >= 0 && ky < K) acc[j] = _mm256_fmadd_ps(v, wk[ky], acc[j]);
                    }
                }
            }
        } else {
            // One input row at a time, each tap loaded once for every output row whose window covers it.
#pragma clang loop unroll(full)
            for (int r = 0; r < R; r++) {
#pragma clang loop unroll(full)
                for (int kx = 0; kx < K; kx++) {
                    const __m256 v = dw_tap256(rows[r] + kx, cm + kx * S, S, EDGE);
#pragma clang loop unroll(full)
                    for (int j = 0; j < DW_ROWS256; j++) {
                        const int ky = r - S * j;
                        if (ky >= 0 && ky < K) acc[j] = _mm256_fmadd_ps(v, wv[ky * K + kx], acc[j]);
                    }
                }
            }
        }
        for (int j = 0; j < DW_ROWS256 && oy0 + j < oh; j++) {
            const long at = (long)(oy0 + j) * ow + ox;
            dw_store256(y + at, res ? res + at : 0, ow - ox, acc[j], act, post);
        }
    }
}

// Depthwise K×K (3 or 5), stride S (1 or 2), dilation 1, AVX2: the register-blocked form of dw_direct512,
// 8 columns × DW_ROWS256 rows per step, each input value loaded once for every output row whose window covers
// it; interior column blocks with plain loads, the edge ones with masked loads.
__attribute__((target("avx2,fma"), always_inline)) static inline void dw_direct256(
    const float *x, const float *w, float bias, float *y, const float *res, VKActivation act, VKActivation post,
    const VKConvGeometry *g, const int K, const int S) {
    __m256 wv[25];
    for (int i = 0; i < K * K; i++) wv[i] = _mm256_set1_ps(w[i]);
    const __m256 b = _mm256_set1_ps(bias);
    const int span = 8 * S + K - 1;
    for (int ox = 0; ox < g->out_w; ox += 8) {
        const int c0 = ox * S - g->pad_left;
        if (c0 >= 0 && c0 + span <= g->in_w) {
            dw_block256(x, w, wv, b, y, res, act, post, g, ox, 0, K, S, 0, K == 5 && S == 1);
            continue;
        }
        __m256i cm[10];
        for (int kx = 0; kx < K; kx++)
            for (int h = 0; h < S; h++) {
                const int first = c0 + kx + 8 * h;  // input column of lane 0
                cm[kx * S + h] = lanes256(-first, g->in_w - first);
            }
        dw_block256(x, w, wv, b, y, res, act, post, g, ox, cm, K, S, 1, K == 5 && S == 1);
    }
}

#define DW_DIRECT256(K, S)                                                                                      \
    __attribute__((target("avx2,fma"), noinline)) static void dw_direct256_k##K##s##S(                          \
        const float *x, const float *w, float bias, float *y, const float *res, VKActivation act,               \
        VKActivation post, const VKConvGeometry *g) {                                                           \
        dw_direct256(x, w, bias, y, res, act, post, g, K, S);                                                   \
    }
DW_DIRECT256(3, 1)
DW_DIRECT256(5, 1)
DW_DIRECT256(3, 2)
DW_DIRECT256(5, 2)
#undef DW_DIRECT256

__attribute__((target("avx2,fma"))) static void depthwise256(const float *x, const float *w, float bias, float *y,
                                                           const float *res, VKActivation act, VKActivation post,
                                                           const VKConvGeometry *g, float *pad) {
    if (dw_direct(g)) {
        if (g->k_w == 3) {
            if (g->stride_w == 1) dw_direct256_k3s1(x, w, bias, y, res, act, post, g);
            else dw_direct256_k3s2(x, w, bias, y, res, act, post, g);
        } else {
            if (g->stride_w == 1) dw_direct256_k5s1(x, w, bias, y, res, act, post, g);
            else dw_direct256_k5s2(x, w, bias, y, res, act, post, g);
        }
        return;
    }
    const __m256 b = _mm256_set1_ps(bias);
    if (dw_use_flat(g)) {
        depthwise256_flat(x, w, b, y, res, act, post, g, pad);
        return;
    }
    const int kh = g->k_h, kw = g->k_w, s = g->stride_w, dx = g->dilation_w;
    const int pw = dw_padded_w(g);
    dw_pad_plane256(x, g, pad, pw, dw_padded_h(g), 64);
    const long rowStep = (long)g->dilation_h * pw;
    for (int oy = 0; oy < g->out_h; oy++) {
        const float *top = pad + (size_t)oy * g->stride_h * pw;
        float *orow = y + (size_t)oy * g->out_w;
        const float *rrow = res ? res + (size_t)oy * g->out_w : 0;
        int ox = 0;
        if (s <= 2) {
            // Reads stay inside dw_padded_w: 32-wide steps start below out_w - 16, as in the AVX-512 form.
            for (; ox + 16 < g->out_w; ox += 32) {
                __m256 a[4] = {b, b, b, b};
                dw_taps4_256(top + (size_t)ox * s, w, kh, kw, rowStep, dx, s, a);
                for (int q = 0; q < 4 && ox + 8 * q < g->out_w; q++)
                    dw_store256(orow + ox + 8 * q, rrow ? rrow + ox + 8 * q : 0, g->out_w - ox - 8 * q, a[q], act, post);
            }
        }
        for (; ox < g->out_w; ox += 8) {
            __m256 a0 = dw_taps256(top + (size_t)ox * s, w, kh, kw, rowStep, dx, s, b);
            dw_store256(orow + ox, rrow ? rrow + ox : 0, g->out_w - ox, a0, act, post);
        }
    }
}

#define T512 __attribute__((target("avx512f"), always_inline)) static inline

T512 __m512 exp512(__m512 x) {
    // Clamp with x as the second operand, so that NaN passes through (as in the portable code).
    x = _mm512_min_ps(_mm512_set1_ps(88.3f), _mm512_max_ps(_mm512_set1_ps(-87.3f), x));
    const __m512 shifter = _mm512_set1_ps(12582912.0f);
    __m512 shifted = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)), shifter);
    __m512i ni = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000));
    __m512 n = _mm512_sub_ps(shifted, shifter);
    __m512 r = _mm512_sub_ps(_mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(0.69314575f))),
                             _mm512_mul_ps(n, _mm512_set1_ps(1.4286068e-6f)));
    __m512 p = _mm512_set1_ps(1.9875691e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.333452e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665796e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.16666665f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.0f));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(ni, _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

T512 __m512 act512(__m512 v, VKActivation a) {
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    switch (a.kind) {
    case 1: return _mm512_max_ps(v, zero);
    case 2: return _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(a.a)), _mm512_set1_ps(a.b));
    case 3: return _mm512_mask_mul_ps(v, _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), v, _mm512_set1_ps(a.a));
    case 4: return _mm512_min_ps(_mm512_max_ps(_mm512_fmadd_ps(v, _mm512_set1_ps(a.a), _mm512_set1_ps(a.b)), zero), one);
    case 5: {
        __m512 t = _mm512_fmadd_ps(v, _mm512_set1_ps(1.0f / 6.0f), _mm512_set1_ps(0.5f));
        return _mm512_mul_ps(v, _mm512_min_ps(_mm512_max_ps(t, zero), one));
    }
    case 6: return _mm512_div_ps(one, _mm512_add_ps(one, exp512(_mm512_sub_ps(zero, v))));
    case 7: return _mm512_div_ps(v, _mm512_add_ps(one, exp512(_mm512_sub_ps(zero, v))));
    default: return v;
    }
}

__attribute__((target("avx512f"))) static void activation512(const float *x, float *y, long n, VKActivation a) {
    long i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, act512(_mm512_loadu_ps(x + i), a));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, act512(_mm512_maskz_loadu_ps(m, x + i), a));
    }
}

// Final store of one 32-column row: bias, activation, residual, post-activation.
T512 void finish_row(__m512 v0, __m512 v1, float *c, const float *res, __mmask16 m0, __mmask16 m1, float bias,
                     const VKEpilogue *ep) {
    __m512 b = _mm512_set1_ps(bias);
    v0 = act512(_mm512_add_ps(v0, b), ep->activation);
    v1 = act512(_mm512_add_ps(v1, b), ep->activation);
    if (res) {
        v0 = act512(_mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, res)), ep->post);
        v1 = act512(_mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, res + 16)), ep->post);
    }
    _mm512_mask_storeu_ps(c, m0, v0);
    _mm512_mask_storeu_ps(c + 16, m1, v1);
}

// 8×32 micro-kernel over kc steps: packed A (kc×8), packed B (kc×32). `first`: start from zero,
// else add to C; `last`: apply the epilogue. Only mr rows and nc columns are stored.
__attribute__((target("avx512f"))) static void kernel8x32(int kc, const float *a, const float *b, float *c, long ldc,
                                                         int mr, int nc, int first, int last, const VKEpilogue *ep,
                                                         const float *res, const float *bias) {
    __m512 x0 = _mm512_setzero_ps(), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0;
    __m512 y0 = x0, y1 = x0, y2 = x0, y3 = x0, y4 = x0, y5 = x0, y6 = x0, y7 = x0;
#define VK_STEP(off)                                                                       \
    {                                                                                      \
        __m512 b0 = _mm512_loadu_ps(b + (off) * 32), b1 = _mm512_loadu_ps(b + (off) * 32 + 16); \
        const float *ap = a + (off) * 8;                                                   \
        __m512 av;                                                                         \
        av = _mm512_set1_ps(ap[0]); x0 = _mm512_fmadd_ps(av, b0, x0); y0 = _mm512_fmadd_ps(av, b1, y0); \
        av = _mm512_set1_ps(ap[1]); x1 = _mm512_fmadd_ps(av, b0, x1); y1 = _mm512_fmadd_ps(av, b1, y1); \
        av = _mm512_set1_ps(ap[2]); x2 = _mm512_fmadd_ps(av, b0, x2); y2 = _mm512_fmadd_ps(av, b1, y2); \
        av = _mm512_set1_ps(ap[3]); x3 = _mm512_fmadd_ps(av, b0, x3); y3 = _mm512_fmadd_ps(av, b1, y3); \
        av = _mm512_set1_ps(ap[4]); x4 = _mm512_fmadd_ps(av, b0, x4); y4 = _mm512_fmadd_ps(av, b1, y4); \
        av = _mm512_set1_ps(ap[5]); x5 = _mm512_fmadd_ps(av, b0, x5); y5 = _mm512_fmadd_ps(av, b1, y5); \
        av = _mm512_set1_ps(ap[6]); x6 = _mm512_fmadd_ps(av, b0, x6); y6 = _mm512_fmadd_ps(av, b1, y6); \
        av = _mm512_set1_ps(ap[7]); x7 = _mm512_fmadd_ps(av, b0, x7); y7 = _mm512_fmadd_ps(av, b1, y7); \
    }
    int p = 0;
    for (; p + 4 <= kc; p += 4) {
        VK_STEP(0) VK_STEP(1) VK_STEP(2) VK_STEP(3)
        a += 32;
        b += 128;
    }
    for (; p < kc; p++) {
        VK_STEP(0)
        a += 8;
        b += 32;
    }
#undef VK_STEP
    __mmask16 m0 = nc >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nc) - 1);
    __mmask16 m1 = nc >= 32 ? (__mmask16)0xFFFF : (nc <= 16 ? (__mmask16)0 : (__mmask16)((1u << (nc - 16)) - 1));
    __m512 xs[8] = {x0, x1, x2, x3, x4, x5, x6, x7};
    __m512 ys[8] = {y0, y1, y2, y3, y4, y5, y6, y7};
    for (int r = 0; r < mr; r++) {
        float *cr = c + r * ldc;
        __m512 v0 = xs[r], v1 = ys[r];
        if (!first) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cr));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cr + 16));
        }
        if (last && ep) {
            finish_row(v0, v1, cr, res ? res + r * ldc : 0, m0, m1, ep->bias ? bias[r] : 0.0f, ep);
        } else {
            _mm512_mask_storeu_ps(cr, m0, v0);
            _mm512_mask_storeu_ps(cr + 16, m1, v1);
        }
    }
}

T512 __mmask16 tail_mask(int left) { return left >= 16 ? (__mmask16)0xFFFF : (left <= 0 ? 0 : (__mmask16)((1u << left) - 1)); }

// The zero-padded copy of one channel's plane (ph rows of pw floats, then `slack` zeros), 16 floats per
// masked load and store: a plane has up to a few hundred short rows, and three libc calls per row
// (memset, memcpy, memset) cost more than the convolution of a 7×7 or 14×14 plane itself.
__attribute__((target("avx512f"))) static void dw_pad_plane(const float *x, const VKConvGeometry *g, float *pad, int pw,
                                                           int ph, int slack) {
    const __m512 zero = _mm512_setzero_ps();
    for (int r = 0; r < ph; r++) {
        float *row = pad + (size_t)r * pw;
        const int iy = r - g->pad_top;
        if (iy < 0 || iy >= g->in_h) {
            for (int j = 0; j < pw; j += 16) _mm512_mask_storeu_ps(row + j, tail_mask(pw - j), zero);
            continue;
        }
        // Lane l of chunk j is input column j + l - pad_left: valid when 0 ≤ that < in_w (masked-off lanes
        // are not read, so nothing outside the input row is touched).
        const float *src = x + (size_t)iy * g->in_w - g->pad_left;
        for (int j = 0; j < pw; j += 16) {
            int lo = g->pad_left - j, hi = g->pad_left + g->in_w - j;
            if (lo < 0) lo = 0;
            if (hi > 16) hi = 16;
            __mmask16 valid = hi > lo ? (__mmask16)(tail_mask(hi) & ~tail_mask(lo)) : 0;
            _mm512_mask_storeu_ps(row + j, tail_mask(pw - j), _mm512_maskz_loadu_ps(valid, src + j));
        }
    }
    float *tail = pad + (size_t)ph * pw;
    for (int j = 0; j < slack; j += 16) _mm512_mask_storeu_ps(tail + j, tail_mask(slack - j), zero);
}


// 16 outputs' sum over the taps, reading from p (stride 1 or 2 between outputs). Rows alternate
// between two accumulators (two dependency chains).
T512 __m512 dw_taps(const float *p, const float *w, int kh, int kw, long rowStep, int dx, int s, __m512 acc) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    __m512 other = _mm512_setzero_ps();
    for (int ky = 0; ky < kh; ky++) {
        __m512 t = acc;
        acc = other;
        other = t;
        const float *row = p + ky * rowStep;
        for (int kx = 0; kx < kw; kx++) {
            __m512 wv = _mm512_set1_ps(w[ky * kw + kx]);
            const float *q = row + kx * dx;
            __m512 v;
            if (s == 1) {
                v = _mm512_loadu_ps(q);
            } else if (s == 2) {
                v = _mm512_permutex2var_ps(_mm512_loadu_ps(q), even, _mm512_loadu_ps(q + 16));
            } else {
                __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                 _mm512_set1_epi32(s));
                v = _mm512_i32gather_ps(idx, q, 4);
            }
            acc = _mm512_fmadd_ps(v, wv, acc);
        }
    }
    return _mm512_add_ps(acc, other);
}

// Two independent 16-output accumulators per step (hides the FMA latency).
T512 void dw_taps2(const float *p, const float *w, int kh, int kw, long rowStep, int dx, int s, __m512 *a0, __m512 *a1) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    __m512 x0 = *a0, x1 = *a1;
    for (int ky = 0; ky < kh; ky++) {
        const float *row = p + ky * rowStep;
        for (int kx = 0; kx < kw; kx++) {
            __m512 wv = _mm512_set1_ps(w[ky * kw + kx]);
            const float *q = row + kx * dx;
            if (s == 1) {
                x0 = _mm512_fmadd_ps(_mm512_loadu_ps(q), wv, x0);
                x1 = _mm512_fmadd_ps(_mm512_loadu_ps(q + 16), wv, x1);
            } else {
                __m512 v0 = _mm512_permutex2var_ps(_mm512_loadu_ps(q), even, _mm512_loadu_ps(q + 16));
                __m512 v1 = _mm512_permutex2var_ps(_mm512_loadu_ps(q + 32), even, _mm512_loadu_ps(q + 48));
                x0 = _mm512_fmadd_ps(v0, wv, x0);
                x1 = _mm512_fmadd_ps(v1, wv, x1);
            }
        }
    }
    *a0 = x0;
    *a1 = x1;
}

T512 void dw_store(float *o, const float *r, int left, __m512 v, VKActivation act, VKActivation post) {
    __mmask16 m = tail_mask(left);
    v = act512(v, act);
    if (r) v = act512(_mm512_add_ps(v, _mm512_maskz_loadu_ps(m, r)), post);
    _mm512_mask_storeu_ps(o, m, v);
}

__attribute__((target("avx512f"))) static void depthwise512(const float *x, const float *w, float bias, float *y,
                                                           const float *res, VKActivation act, VKActivation post,
                                                           const VKConvGeometry *g, float *pad) {
    const int kh = g->k_h, kw = g->k_w, s = g->stride_w, dx = g->dilation_w;
    const int ph = dw_padded_h(g);
    const __m512 b = _mm512_set1_ps(bias);
    if (dw_use_flat(g)) {
        const int pw = dw_flat_pitch(g);
        const long virt = dw_flat_virtual(g);
        dw_pad_plane(x, g, pad, pw, ph, 64 * s + 64);
        float *vbuf = pad + (size_t)ph * pw + 64 * s + 64;
        const long rowStep = (long)g->dilation_h * pw;
        long v = 0;
        for (; v + 32 <= virt; v += 32) {
            __m512 a0 = b, a1 = b;
            dw_taps2(pad + v * s, w, kh, kw, rowStep, dx, s, &a0, &a1);
            _mm512_storeu_ps(vbuf + v, a0);
            _mm512_storeu_ps(vbuf + v + 16, a1);
        }
        for (; v < virt; v += 16) _mm512_storeu_ps(vbuf + v, dw_taps(pad + v * s, w, kh, kw, rowStep, dx, s, b));
        for (int oy = 0; oy < g->out_h; oy++) {
            const float *src = vbuf + (size_t)oy * pw;
            float *orow = y + (size_t)oy * g->out_w;
            const float *rrow = res ? res + (size_t)oy * g->out_w : 0;
            for (int ox = 0; ox < g->out_w; ox += 16) {
                __m512 val = _mm512_maskz_loadu_ps(tail_mask(g->out_w - ox), src + ox);
                dw_store(orow + ox, rrow ? rrow + ox : 0, g->out_w - ox, val, act, post);
            }
        }
        return;
    }
    const int pw = dw_padded_w(g);
    dw_pad_plane(x, g, pad, pw, ph, 64);
    const long rowStep = (long)g->dilation_h * pw;
    for (int oy = 0; oy < g->out_h; oy++) {
        const float *top = pad + (size_t)oy * g->stride_h * pw;
        float *orow = y + (size_t)oy * g->out_w;
        const float *rrow = res ? res + (size_t)oy * g->out_w : 0;
        int ox = 0;
        if (s <= 2) {
            for (; ox + 16 < g->out_w; ox += 32) {
                __m512 a0 = b, a1 = b;
                dw_taps2(top + (size_t)ox * s, w, kh, kw, rowStep, dx, s, &a0, &a1);
                dw_store(orow + ox, rrow ? rrow + ox : 0, g->out_w - ox, a0, act, post);
                dw_store(orow + ox + 16, rrow ? rrow + ox + 16 : 0, g->out_w - ox - 16, a1, act, post);
            }
        }
        for (; ox < g->out_w; ox += 16) {
            __m512 a0 = dw_taps(top + (size_t)ox * s, w, kh, kw, rowStep, dx, s, b);
            dw_store(orow + ox, rrow ? rrow + ox : 0, g->out_w - ox, a0, act, post);
        }
    }
}

// Channel-vectorised depthwise (vk_depthwise_channels): the tile holds pixel-major vectors of 16 channels,
// tile_h × tile_w of them, zero outside the input plane.
static int dwc_tile_h(const VKConvGeometry *g) { return (g->out_h - 1) * g->stride_h + g->k_h; }
static int dwc_tile_w(const VKConvGeometry *g) { return (g->out_w - 1) * g->stride_w + g->k_w; }

size_t vk_depthwise_channels_scratch_floats(const VKConvGeometry *g) {
    const size_t tiles = (size_t)16 * ((size_t)dwc_tile_h(g) * dwc_tile_w(g) + (size_t)g->out_h * g->out_w) + 16;
    const size_t single = vk_depthwise_scratch_floats(g);
    return tiles > single ? tiles : single;
}

// Gathers channels [0, nc) of planes x (stride `plane`) into the zero-padded pixel-major tile (lanes ≥ nc zero).
__attribute__((target("avx512f"))) static void dwc_transpose_in(const float *x, long plane, int nc,
                                                                const VKConvGeometry *g, float *tile) {
    const int th = dwc_tile_h(g), tw = dwc_tile_w(g);
    const __mmask16 cm = tail_mask(nc);
    const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                           _mm512_set1_epi32((int)plane));
    const __m512 zero = _mm512_setzero_ps();
    for (int ty = 0; ty < th; ty++) {
        const int iy = ty - g->pad_top;
        float *row = tile + (size_t)ty * tw * 16;
        for (int tx = 0; tx < tw; tx++) {
            const int ix = tx - g->pad_left;
            __m512 v = zero;
            if (iy >= 0 && iy < g->in_h && ix >= 0 && ix < g->in_w)
                v = _mm512_mask_i32gather_ps(zero, cm, idx, x + (long)iy * g->in_w + ix, 4);
            _mm512_store_ps(row + (size_t)tx * 16, v);
        }
    }
}

// One output row of the channel-vectorised depthwise: acc(ox) = bias + Σ taps tile · weight vectors, then the
// activation, into the pixel-major output tile. Four output pixels per step share the loaded input vectors.
__attribute__((target("avx512f"), always_inline)) static inline void dwc_row(const float *top, const __m512 *wv,
                                                                            __m512 b, int out_w, int tw, float *orow,
                                                                            VKActivation act, const int K, const int S) {
    int ox = 0;
    for (; ox + 4 <= out_w; ox += 4) {
        __m512 a0 = b, a1 = b, a2 = b, a3 = b;
#pragma clang loop unroll(full)
        for (int ky = 0; ky < K; ky++) {
            const float *r = top + ((size_t)ky * tw + (size_t)ox * S) * 16;
#pragma clang loop unroll(full)
            for (int kx = 0; kx < K; kx++) {
                const __m512 w = wv[ky * K + kx];
                a0 = _mm512_fmadd_ps(_mm512_load_ps(r + (size_t)(kx) * 16), w, a0);
                a1 = _mm512_fmadd_ps(_mm512_load_ps(r + (size_t)(S + kx) * 16), w, a1);
                a2 = _mm512_fmadd_ps(_mm512_load_ps(r + (size_t)(2 * S + kx) * 16), w, a2);
                a3 = _mm512_fmadd_ps(_mm512_load_ps(r + (size_t)(3 * S + kx) * 16), w, a3);
            }
        }
        _mm512_store_ps(orow + (size_t)ox * 16, act512(a0, act));
        _mm512_store_ps(orow + (size_t)(ox + 1) * 16, act512(a1, act));
        _mm512_store_ps(orow + (size_t)(ox + 2) * 16, act512(a2, act));
        _mm512_store_ps(orow + (size_t)(ox + 3) * 16, act512(a3, act));
    }
    for (; ox < out_w; ox++) {
        __m512 a0 = b;
#pragma clang loop unroll(full)
        for (int ky = 0; ky < K; ky++) {
            const float *r = top + ((size_t)ky * tw + (size_t)ox * S) * 16;
#pragma clang loop unroll(full)
            for (int kx = 0; kx < K; kx++) a0 = _mm512_fmadd_ps(_mm512_load_ps(r + (size_t)kx * 16), wv[ky * K + kx], a0);
        }
        _mm512_store_ps(orow + (size_t)ox * 16, act512(a0, act));
    }
}

// 16 channels (nc valid) from the tile: weights gathered into K² channel vectors, the output tile, then each
// channel's plane gathered back out of it, with the residual and post-activation, 16 pixels per store.
__attribute__((target("avx512f"), always_inline)) static inline void dwc_block(
    const float *w, const float *bias, float *y, const float *res, VKActivation act, VKActivation post,
    const VKConvGeometry *g, int nc, const float *tile, float *otile, const int K, const int S) {
    const __mmask16 cm = tail_mask(nc);
    const __m512 zero = _mm512_setzero_ps();
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512 wv[25];
    const __m512i widx = _mm512_mullo_epi32(lanes, _mm512_set1_epi32(K * K));
    for (int t = 0; t < K * K; t++) wv[t] = _mm512_mask_i32gather_ps(zero, cm, widx, w + t, 4);
    const __m512 b = _mm512_maskz_loadu_ps(cm, bias);
    const int tw = dwc_tile_w(g), ow = g->out_w, oh = g->out_h;
    for (int oy = 0; oy < oh; oy++)
        dwc_row(tile + (size_t)oy * S * tw * 16, wv, b, ow, tw, otile + (size_t)oy * ow * 16, act, K, S);
    const long out = (long)oh * ow;
    const __m512i pidx = _mm512_mullo_epi32(lanes, _mm512_set1_epi32(16));
    for (int c = 0; c < nc; c++) {
        float *yc = y + c * out;
        const float *rc = res ? res + c * out : NULL;
        for (long p = 0; p < out; p += 16) {
            const __mmask16 m = tail_mask((int)(out - p));
            __m512 v = _mm512_mask_i32gather_ps(zero, m, pidx, otile + p * 16 + c, 4);
            if (rc) v = act512(_mm512_add_ps(v, _mm512_maskz_loadu_ps(m, rc + p)), post);
            _mm512_mask_storeu_ps(yc + p, m, v);
        }
    }
}

#define DWC_BLOCK(K, S)                                                                                          \
    __attribute__((target("avx512f"), noinline)) static void dwc_block_k##K##s##S(                              \
        const float *w, const float *bias, float *y, const float *res, VKActivation act, VKActivation post,     \
        const VKConvGeometry *g, int nc, const float *tile, float *otile) {                                     \
        dwc_block(w, bias, y, res, act, post, g, nc, tile, otile, K, S);                                        \
    }
DWC_BLOCK(3, 1) DWC_BLOCK(3, 2) DWC_BLOCK(5, 1) DWC_BLOCK(5, 2)
#undef DWC_BLOCK

// Where the channel-vectorised form pays: planes of at most 64 pixels (7×7, 6×6), where a 16-lane row
// vector of the per-channel kernel is mostly empty. On larger planes (14×14 and up) the gathers into and out
// of the tile cost more than the lanes gain (timed per layer shape while choosing the bound; the whole-model
// effect is what `vigil bench nn` prints).
static int dwc_pays(const VKConvGeometry *g) { return dw_direct(g) && g->in_h * g->in_w <= 64; }

static void depthwise_channels512(const float *x, const float *w, const float *bias, float *y, const float *res,
                                  VKActivation act, VKActivation post, const VKConvGeometry *g, int channels,
                                  float *scratch) {
    const long in = (long)g->in_h * g->in_w, out = (long)g->out_h * g->out_w;
    const int kk = g->k_h * g->k_w;
    float *tile = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *otile = tile + (size_t)16 * dwc_tile_h(g) * dwc_tile_w(g);
    for (int c0 = 0; c0 < channels; c0 += 16) {
        const int nc = min_int(16, channels - c0);
        dwc_transpose_in(x + c0 * in, in, nc, g, tile);
        const float *wc = w + (size_t)c0 * kk, *rc = res ? res + c0 * out : NULL;
        float *yc = y + c0 * out;
        if (g->k_w == 3 && g->stride_w == 1) dwc_block_k3s1(wc, bias + c0, yc, rc, act, post, g, nc, tile, otile);
        else if (g->k_w == 3) dwc_block_k3s2(wc, bias + c0, yc, rc, act, post, g, nc, tile, otile);
        else if (g->stride_w == 1) dwc_block_k5s1(wc, bias + c0, yc, rc, act, post, g, nc, tile, otile);
        else dwc_block_k5s2(wc, bias + c0, yc, rc, act, post, g, nc, tile, otile);
    }
}

void vk_depthwise_channels(const float *x, const float *w, const float *bias, float *y, const float *res,
                           VKActivation act, VKActivation post, const VKConvGeometry *g, int channels,
                           float *scratch) {
    if (vk_isa() >= 2 && dwc_pays(g)) {
        depthwise_channels512(x, w, bias, y, res, act, post, g, channels, scratch);
        return;
    }
    const long in = (long)g->in_h * g->in_w, out = (long)g->out_h * g->out_w;
    for (int c = 0; c < channels; c++)
        vk_depthwise(x + c * in, w + (size_t)c * g->k_h * g->k_w, bias[c], y + c * out, res ? res + c * out : NULL,
                     act, post, g, scratch);
}

// Bits [lo, hi) of a 32-bit mask (empty when hi <= lo).
static inline unsigned bit_range32(int lo, int hi) {
    if (lo < 0) lo = 0;
    if (hi > 32) hi = 32;
    if (hi <= lo) return 0;
    unsigned top = hi >= 32 ? ~0u : (1u << hi) - 1;
    return top & ~((1u << lo) - 1);
}


// Depthwise K×K (3 or 5), stride S (1 or 2, both axes), dilation 1, read straight from the unpadded
// plane: DW512_ROWS_K3 (3×3) or DW512_ROWS_K5 (5×5) output rows × 16 columns per step, the K² weights held in registers, the padding
// made by masked loads (masked-off lanes are never read; rows outside the plane get an empty mask).
// Small planes (7×7, 14×14) spend most of the padded-copy kernel's time copying and reloading; here a
// 14×14 5×5 channel is 4 steps of 8 rows × 5 loads and 100 FMAs.
__attribute__((target("avx512f"), always_inline)) static inline void dw_direct512(
    const float *x, const float *w, float bias, float *y, const float *res, VKActivation act, VKActivation post,
    const VKConvGeometry *g, const int K, const int S, const int R) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    __m512 wv[25];
    for (int i = 0; i < K * K; i++) wv[i] = _mm512_set1_ps(w[i]);
    const __m512 b = _mm512_set1_ps(bias);
    const int oh = g->out_h, ow = g->out_w, ih = g->in_h, iw = g->in_w;
    for (int ox = 0; ox < ow; ox += 16) {
        unsigned cm[5];
        for (int kx = 0; kx < K; kx++) {
            const int c0 = ox * S + kx - g->pad_left;
            cm[kx] = bit_range32(-c0, iw - c0) & (S == 1 ? 0xFFFFu : ~0u);
        }
        for (int oy0 = 0; oy0 < oh; oy0 += R) {
            __m512 acc[8];
            for (int j = 0; j < R; j++) acc[j] = b;
#pragma clang loop unroll(full)
            for (int r = 0; r < S * (R - 1) + K; r++) {
                const int iy = oy0 * S - g->pad_top + r;
                const int inside = iy >= 0 && iy < ih;
                const float *row = x + (long)(inside ? iy : 0) * iw + (long)ox * S - g->pad_left;
#pragma clang loop unroll(full)
                for (int kx = 0; kx < K; kx++) {
                    const unsigned m = inside ? cm[kx] : 0u;
                    __m512 v = _mm512_maskz_loadu_ps((__mmask16)m, row + kx);
                    if (S == 2) v = _mm512_permutex2var_ps(v, even, _mm512_maskz_loadu_ps((__mmask16)(m >> 16), row + kx + 16));
#pragma clang loop unroll(full)
                    for (int j = 0; j < R; j++) {
                        const int ky = r - S * j;
                        if (ky >= 0 && ky < K) acc[j] = _mm512_fmadd_ps(v, wv[ky * K + kx], acc[j]);
                    }
                }
            }
            for (int j = 0; j < R && oy0 + j < oh; j++) {
                const long at = (long)(oy0 + j) * ow + ox;
                dw_store(y + at, res ? res + at : 0, ow - ox, acc[j], act, post);
            }
        }
    }
}


__attribute__((target("avx512f"), noinline)) static void dw_direct512_k3s1(const float *x, const float *w, float bias,
    float *y, const float *res, VKActivation act, VKActivation post, const VKConvGeometry *g) {
    dw_direct512(x, w, bias, y, res, act, post, g, 3, 1, DW512_ROWS_K3);
}
__attribute__((target("avx512f"), noinline)) static void dw_direct512_k5s1(const float *x, const float *w, float bias,
    float *y, const float *res, VKActivation act, VKActivation post, const VKConvGeometry *g) {
    dw_direct512(x, w, bias, y, res, act, post, g, 5, 1, DW512_ROWS_K5);
}
__attribute__((target("avx512f"), noinline)) static void dw_direct512_k3s2(const float *x, const float *w, float bias,
    float *y, const float *res, VKActivation act, VKActivation post, const VKConvGeometry *g) {
    dw_direct512(x, w, bias, y, res, act, post, g, 3, 2, DW512_ROWS_K3);
}
__attribute__((target("avx512f"), noinline)) static void dw_direct512_k5s2(const float *x, const float *w, float bias,
    float *y, const float *res, VKActivation act, VKActivation post, const VKConvGeometry *g) {
    dw_direct512(x, w, bias, y, res, act, post, g, 5, 2, DW512_ROWS_K5);
}

static void depthwise_direct512(const float *x, const float *w, float bias, float *y, const float *res,
                                VKActivation act, VKActivation post, const VKConvGeometry *g) {
    if (g->k_w == 3) {
        if (g->stride_w == 1) dw_direct512_k3s1(x, w, bias, y, res, act, post, g);
        else dw_direct512_k3s2(x, w, bias, y, res, act, post, g);
    } else {
        if (g->stride_w == 1) dw_direct512_k5s1(x, w, bias, y, res, act, post, g);
        else dw_direct512_k5s2(x, w, bias, y, res, act, post, g);
    }
}

void vk_depthwise(const float *x, const float *w, float bias, float *y, const float *res, VKActivation act,
                  VKActivation post, const VKConvGeometry *g, float *scratch) {
    const int isa = vk_isa();
    if (isa >= 2 && dw_direct(g)) depthwise_direct512(x, w, bias, y, res, act, post, g);
    else if (isa >= 2) depthwise512(x, w, bias, y, res, act, post, g, scratch);
    else if (isa == 1) depthwise256(x, w, bias, y, res, act, post, g, scratch);
    else depthwise_scalar(x, w, bias, y, res, act, post, g);
}

// 8 rows × 32 virtual columns starting at v of the implicit GEMM; lanes past `lanes` are not read.
__attribute__((target("avx512f"))) static void implicit8x32(int k, const float *a, const int *off, const float *src,
                                                           long v, int lanes, int mr, float *y, long ldy, int pitch,
                                                           int out_w, const VKEpilogue *ep, int row0) {
    __mmask16 l0 = tail_mask(lanes), l1 = tail_mask(lanes - 16);
    __m512 x0 = _mm512_setzero_ps(), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0;
    __m512 y0 = x0, y1 = x0, y2 = x0, y3 = x0, y4 = x0, y5 = x0, y6 = x0, y7 = x0;
    const float *base = src + v;
#define VK_ISTEP(p)                                                                          \
    {                                                                                        \
        const float *bp = base + off[p];                                                     \
        __m512 b0 = _mm512_maskz_loadu_ps(l0, bp), b1 = _mm512_maskz_loadu_ps(l1, bp + 16);  \
        const float *ap = a + (p) * 8;                                                       \
        __m512 av;                                                                           \
        av = _mm512_set1_ps(ap[0]); x0 = _mm512_fmadd_ps(av, b0, x0); y0 = _mm512_fmadd_ps(av, b1, y0); \
        av = _mm512_set1_ps(ap[1]); x1 = _mm512_fmadd_ps(av, b0, x1); y1 = _mm512_fmadd_ps(av, b1, y1); \
        av = _mm512_set1_ps(ap[2]); x2 = _mm512_fmadd_ps(av, b0, x2); y2 = _mm512_fmadd_ps(av, b1, y2); \
        av = _mm512_set1_ps(ap[3]); x3 = _mm512_fmadd_ps(av, b0, x3); y3 = _mm512_fmadd_ps(av, b1, y3); \
        av = _mm512_set1_ps(ap[4]); x4 = _mm512_fmadd_ps(av, b0, x4); y4 = _mm512_fmadd_ps(av, b1, y4); \
        av = _mm512_set1_ps(ap[5]); x5 = _mm512_fmadd_ps(av, b0, x5); y5 = _mm512_fmadd_ps(av, b1, y5); \
        av = _mm512_set1_ps(ap[6]); x6 = _mm512_fmadd_ps(av, b0, x6); y6 = _mm512_fmadd_ps(av, b1, y6); \
        av = _mm512_set1_ps(ap[7]); x7 = _mm512_fmadd_ps(av, b0, x7); y7 = _mm512_fmadd_ps(av, b1, y7); \
    }
    int p = 0;
    for (; p + 2 <= k; p += 2) {
        VK_ISTEP(p) VK_ISTEP(p + 1)
    }
    for (; p < k; p++) VK_ISTEP(p)
#undef VK_ISTEP
    __m512 xs[8] = {x0, x1, x2, x3, x4, x5, x6, x7};
    __m512 ys[8] = {y0, y1, y2, y3, y4, y5, y6, y7};
    // Bias and activation once per register, before the stores (32 virtual columns can span two or three
    // output rows; the residual and post-activation need the row layout and come per segment).
    if (ep) {
        for (int r = 0; r < mr; r++) {
            __m512 b = _mm512_set1_ps(ep->bias ? ep->bias[row0 + r] : 0.0f);
            xs[r] = act512(_mm512_add_ps(xs[r], b), ep->activation);
            ys[r] = act512(_mm512_add_ps(ys[r], b), ep->activation);
        }
    }
    const float *residual = ep ? ep->residual : NULL;
    // Store by output-row segments: lanes [l, l + len) go to row oy from column ox.
    int l = 0;
    while (l < lanes) {
        long vv = v + l;
        int oy = (int)(vv / pitch), ox = (int)(vv % pitch);
        int seg = pitch - ox;
        if (seg > lanes - l) seg = lanes - l;
        int valid = out_w - ox;
        if (valid > seg) valid = seg;
        if (valid > 0) {
            unsigned lo = (unsigned)l, hi = (unsigned)(l + valid);
            unsigned long long bits = ((hi >= 64 ? ~0ull : ((1ull << hi) - 1))) & ~((1ull << lo) - 1);
            __mmask16 m0 = (__mmask16)(bits & 0xFFFF), m1 = (__mmask16)((bits >> 16) & 0xFFFF);
            long at = (long)oy * out_w + ox - l;
            for (int r = 0; r < mr; r++) {
                float *o = y + (long)(row0 + r) * ldy + at;
                __m512 v0 = xs[r], v1 = ys[r];
                if (residual) {
                    const float *rr = residual + (long)(row0 + r) * ldy + at;
                    v0 = act512(_mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, rr)), ep->post);
                    v1 = act512(_mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, rr + 16)), ep->post);
                }
                if (m0) _mm512_mask_storeu_ps(o, m0, v0);
                if (m1) _mm512_mask_storeu_ps(o + 16, m1, v1);
            }
        }
        l += seg;
    }
}

// 8 rows × 16·NV virtual columns (NV = 1, 2, 3) of the implicit GEMM from v; lanes past `lanes` are not
// read. NV = 3 (24 accumulators) loads 3 input vectors and 8 weights per 24 FMAs, against 2 and 8 per 16
// for 8×32 (the pose detector's seventeen 1×1 shapes took 8 % less time in a C harness, best of 5 runs).
__attribute__((target("avx512f"), always_inline)) static inline void implicit8xv(
    int k, const float *a, const int *off, const float *src, long v, int lanes, int mr, float *y, long ldy,
    int pitch, int out_w, const VKEpilogue *ep, int row0, const int NV) {
    __mmask16 lm[3];
    for (int q = 0; q < NV; q++) lm[q] = tail_mask(lanes - 16 * q);
    __m512 acc[8][3];
    for (int r = 0; r < 8; r++)
        for (int q = 0; q < NV; q++) acc[r][q] = _mm512_setzero_ps();
    const float *base = src + v;
    for (int p = 0; p < k; p++) {
        const float *bp = base + off[p];
        __m512 bv[3];
        for (int q = 0; q < NV; q++) bv[q] = _mm512_maskz_loadu_ps(lm[q], bp + 16 * q);
        const float *ap = a + p * 8;
#pragma clang loop unroll(full)
        for (int r = 0; r < 8; r++) {
            const __m512 av = _mm512_set1_ps(ap[r]);
#pragma clang loop unroll(full)
            for (int q = 0; q < NV; q++) acc[r][q] = _mm512_fmadd_ps(av, bv[q], acc[r][q]);
        }
    }
    // Bias and activation once per register, then the stores by output-row segments (16·NV virtual columns
    // can span several output rows; the residual and post-activation need the row layout).
    if (ep) {
        for (int r = 0; r < mr; r++) {
            const __m512 b = _mm512_set1_ps(ep->bias ? ep->bias[row0 + r] : 0.0f);
            for (int q = 0; q < NV; q++) acc[r][q] = act512(_mm512_add_ps(acc[r][q], b), ep->activation);
        }
    }
    const float *residual = ep ? ep->residual : NULL;
    int l = 0;
    while (l < lanes) {
        const long vv = v + l;
        const int oy = (int)(vv / pitch), ox = (int)(vv % pitch);
        int seg = pitch - ox;
        if (seg > lanes - l) seg = lanes - l;
        int valid = out_w - ox;
        if (valid > seg) valid = seg;
        if (valid > 0) {
            const unsigned lo = (unsigned)l, hi = (unsigned)(l + valid);
            const unsigned long long bits = (hi >= 64 ? ~0ull : ((1ull << hi) - 1)) & ~((1ull << lo) - 1);
            const long at = (long)oy * out_w + ox - l;
            for (int r = 0; r < mr; r++) {
                float *o = y + (long)(row0 + r) * ldy + at;
                const float *rr = residual ? residual + (long)(row0 + r) * ldy + at : NULL;
                for (int q = 0; q < NV; q++) {
                    const __mmask16 m = (__mmask16)((bits >> (16 * q)) & 0xFFFF);
                    if (!m) continue;
                    __m512 val = acc[r][q];
                    if (rr) val = act512(_mm512_add_ps(val, _mm512_maskz_loadu_ps(m, rr + 16 * q)), ep->post);
                    _mm512_mask_storeu_ps(o + 16 * q, m, val);
                }
            }
        }
        l += seg;
    }
}

#define IMPLICIT8XV(NV)                                                                                         \
    __attribute__((target("avx512f"), noinline)) static void implicit8x##NV(                                    \
        int k, const float *a, const int *off, const float *src, long v, int lanes, int mr, float *y, long ldy,  \
        int pitch, int out_w, const VKEpilogue *ep, int row0) {                                                 \
        implicit8xv(k, a, off, src, v, lanes, mr, y, ldy, pitch, out_w, ep, row0, NV);                          \
    }
IMPLICIT8XV(1)
IMPLICIT8XV(3)
#undef IMPLICIT8XV

// Virtual columns per chunk of the AVX-512 implicit GEMM: the chunk's k input rows hold about 32 Ki floats
// (128 KiB, in L2 while every weight panel sweeps it), at least one 48-column block. Layers with few taps
// (16 → 64 channels on 112×112: chunks of 2048 columns) then write each output plane in long runs, 8 planes
// at a time, instead of 64 planes 48 floats at a time (the pose detector's 16 → 64 at 112×112 and 24 → 144
// at 56×56 are store-bound). Wide layers (k ≥ 683) keep the old order; splitting K into blocks instead was
// slower on every shape tried.
#define VK_IMPLICIT_CHUNK_FLOATS 32768
static long vk_implicit_chunk(int k) {
    const long c = VK_IMPLICIT_CHUNK_FLOATS / (k > 0 ? k : 1) / 48 * 48;
    return c < 48 ? 48 : c;
}

void vk_conv_implicit(int m, int k, const float *pa, const int *offsets, const float *src, int pitch, int out_w,
                      long v0, long v1, float *y, long ldy, const VKEpilogue *ep) {
    const int isa = vk_isa();
    if (isa == 1) {
        implicit256(m, k, pa, offsets, src, pitch, out_w, v0, v1, y, ldy, ep);
        return;
    }
    if (isa == 0) {
        implicit_scalar(m, k, pa, offsets, src, pitch, out_w, v0, v1, y, ldy, ep);
        return;
    }
    // Column chunks, each swept once per 8-row weight panel, in blocks of 48 virtual columns (the chunk's rest
    // as one block of 32 or 16).
    const long chunk = vk_implicit_chunk(k);
    for (long c0 = v0; c0 < v1; c0 += chunk) {
        const long c1 = c0 + chunk < v1 ? c0 + chunk : v1;
        for (int i = 0; i < m; i += VK_MR) {
            const int mr = m - i < VK_MR ? m - i : VK_MR;
            const float *a = pa + (size_t)i * k;
            for (long v = c0; v < c1;) {
                const long left = c1 - v;
                const int lanes = left < 48 ? (int)left : 48;
                const int width = lanes > 32 ? 48 : (lanes > 16 ? 32 : 16);
                if (width == 48) implicit8x3(k, a, offsets, src, v, lanes, mr, y, ldy, pitch, out_w, ep, i);
                else if (width == 32) implicit8x32(k, a, offsets, src, v, lanes, mr, y, ldy, pitch, out_w, ep, i);
                else implicit8x1(k, a, offsets, src, v, lanes, mr, y, ldy, pitch, out_w, ep, i);
                v += lanes;
            }
        }
    }
}

// Channel-vectorised convolution block: VK_MT output channels (two zmm) × NP pixels at virtual columns
// v0 … v0 + NP − 1 of one output row (NP ≤ 12: 24 accumulators, two weight vectors and NP broadcasts of the
// tap's inputs per tap). The epilogue runs on the channel vectors (bias is a vector load); the block then goes
// through a stack tile and one gather per output row, so each row's NP pixels are one masked store (and one
// residual load) at `at`.
__attribute__((target("avx512f"), always_inline)) static inline void conv_channels_block(
    int k, const float *pt, const int *off, const float *src, long v0, long at, int mr, int row0, float *y,
    long ldy, const VKEpilogue *ep, const int NP) {
    __m512 acc[2][12];
    for (int j = 0; j < NP; j++) acc[0][j] = acc[1][j] = _mm512_setzero_ps();
    const float *xp = src + v0;
    for (int p = 0; p < k; p++) {
        const __m512 w0 = _mm512_loadu_ps(pt + (size_t)p * VK_MT), w1 = _mm512_loadu_ps(pt + (size_t)p * VK_MT + 16);
        const float *xr = xp + off[p];
#pragma clang loop unroll(full)
        for (int j = 0; j < NP; j++) {
            const __m512 xv = _mm512_set1_ps(xr[j]);
            acc[0][j] = _mm512_fmadd_ps(w0, xv, acc[0][j]);
            acc[1][j] = _mm512_fmadd_ps(w1, xv, acc[1][j]);
        }
    }
    __attribute__((aligned(64))) float tile[12 * VK_MT];
    const __m512 zero = _mm512_setzero_ps();
    __m512 b0 = zero, b1 = zero;
    if (ep && ep->bias) {
        b0 = _mm512_maskz_loadu_ps(tail_mask(mr), ep->bias + row0);
        b1 = _mm512_maskz_loadu_ps(tail_mask(mr - 16), ep->bias + row0 + 16);
    }
    for (int j = 0; j < NP; j++) {
        __m512 v0v = _mm512_add_ps(acc[0][j], b0), v1v = _mm512_add_ps(acc[1][j], b1);
        if (ep) { v0v = act512(v0v, ep->activation); v1v = act512(v1v, ep->activation); }
        _mm512_store_ps(tile + j * VK_MT, v0v);
        _mm512_store_ps(tile + j * VK_MT + 16, v1v);
    }
    const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                           _mm512_set1_epi32(VK_MT));
    const __mmask16 m = tail_mask(NP);
    const float *residual = ep ? ep->residual : NULL;
    for (int r = 0; r < mr; r++) {
        __m512 v = _mm512_mask_i32gather_ps(zero, m, idx, tile + r, 4);
        const long o = (long)(row0 + r) * ldy + at;
        if (residual) v = act512(_mm512_add_ps(v, _mm512_maskz_loadu_ps(m, residual + o)), ep->post);
        _mm512_mask_storeu_ps(y + o, m, v);
    }
}

typedef void (*conv_channels_fn)(int, const float *, const int *, const float *, long, long, int, int, float *, long,
                                 const VKEpilogue *);
#define CONV_CHANNELS(NP)                                                                                       \
    __attribute__((target("avx512f"), noinline)) static void conv_channels##NP(                                 \
        int k, const float *pt, const int *off, const float *src, long v0, long at, int mr, int row0, float *y,  \
        long ldy, const VKEpilogue *ep) {                                                                       \
        conv_channels_block(k, pt, off, src, v0, at, mr, row0, y, ldy, ep, NP);                                 \
    }
CONV_CHANNELS(1) CONV_CHANNELS(2) CONV_CHANNELS(3) CONV_CHANNELS(4) CONV_CHANNELS(5) CONV_CHANNELS(6)
CONV_CHANNELS(7) CONV_CHANNELS(8) CONV_CHANNELS(9) CONV_CHANNELS(10) CONV_CHANNELS(11) CONV_CHANNELS(12)
#undef CONV_CHANNELS
static const conv_channels_fn conv_channels_blocks[13] = {
    0, conv_channels1, conv_channels2, conv_channels3, conv_channels4, conv_channels5, conv_channels6,
    conv_channels7, conv_channels8, conv_channels9, conv_channels10, conv_channels11, conv_channels12};

// Each output row (all of an unpadded 1×1's plane counts as one row: its virtual columns are its pixels) in
// near-equal blocks of at most 12 pixels (49 → 10, 10, 10, 10, 9: a block of 1 would leave the FMA pipes
// waiting on two dependency chains), each block over the panels while its inputs are in cache.
__attribute__((target("avx512f"))) static void conv_channels512(int m, int k, const float *pt, const int *offsets,
                                                               const float *src, int pitch, int out_h, int out_w,
                                                               int panel0, int panel1, float *y, long ldy,
                                                               const VKEpilogue *ep) {
    const int rows = pitch == out_w ? 1 : out_h, n = pitch == out_w ? out_h * out_w : out_w;
    const int blocks = (n + 11) / 12;
    for (int oy = 0; oy < rows; oy++) {
        for (int b = 0; b < blocks; b++) {
            const int p0 = (int)((long)n * b / blocks), p1 = (int)((long)n * (b + 1) / blocks);
            const long v0 = (long)oy * pitch + p0, at = (long)oy * out_w + p0;
            for (int panel = panel0; panel < panel1; panel++) {
                const int row0 = panel * VK_MT, mr = min_int(VK_MT, m - row0);
                if (mr <= 0) break;
                conv_channels_blocks[p1 - p0](k, pt + (size_t)panel * k * VK_MT, offsets, src, v0, at, mr, row0, y,
                                              ldy, ep);
            }
        }
    }
}

// Channel-vectorised convolution, AVX2. A block is 16 output channels (half of a VK_MT panel: `pt` at its first
// channel, VK_MT floats per tap) in two ymm × NP ≤ 6 pixels of one output row run, over a chunk of k taps whose
// inputs are packed at x (NP floats per tap): 12 accumulators, two weight vectors and a broadcast (15 of the 16
// registers; 12 FMAs per 8 loads). `first` starts from zero, else from the partial sums at part (12 vectors);
// unless `last`, the sums go back there. The last chunk runs the epilogue on the channel vectors, then gathers
// each output channel's NP pixels from a stack tile and stores them as one vector: a whole one when `whole` (no
// residual, and the 8 lanes stay inside the output row run, where a later block overwrites the lanes past NP),
// else through store_range256.
T256 void conv_channels_block256(int k, const float *pt, const float *x, float *part, int first, int last, long at,
                                 int mr, int row0, float *y, long ldy, const VKEpilogue *ep, int whole, const int NP) {
    __m256 acc[2][6];
    for (int j = 0; j < NP; j++) {
        acc[0][j] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(part + j * 16);
        acc[1][j] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(part + j * 16 + 8);
    }
    for (int p = 0; p < k; p++) {
        const __m256 w0 = _mm256_loadu_ps(pt + (size_t)p * VK_MT), w1 = _mm256_loadu_ps(pt + (size_t)p * VK_MT + 8);
        const float *xr = x + (size_t)p * NP;
#pragma clang loop unroll(full)
        for (int j = 0; j < NP; j++) {
            const __m256 xv = _mm256_broadcast_ss(xr + j);
            acc[0][j] = _mm256_fmadd_ps(w0, xv, acc[0][j]);
            acc[1][j] = _mm256_fmadd_ps(w1, xv, acc[1][j]);
        }
    }
    if (!last) {
        for (int j = 0; j < NP; j++) {
            _mm256_storeu_ps(part + j * 16, acc[0][j]);
            _mm256_storeu_ps(part + j * 16 + 8, acc[1][j]);
        }
        return;
    }
    __attribute__((aligned(32))) float tile[8 * 16];
    __m256 b0 = _mm256_setzero_ps(), b1 = b0;
    if (ep && ep->bias) {
        b0 = load_range256(ep->bias + row0, 0, mr);
        b1 = load_range256(ep->bias + row0 + 8, 0, mr - 8);
    }
    for (int j = 0; j < NP; j++) {
        __m256 u0 = _mm256_add_ps(acc[0][j], b0), u1 = _mm256_add_ps(acc[1][j], b1);
        if (ep) { u0 = act256(u0, ep->activation); u1 = act256(u1, ep->activation); }
        _mm256_store_ps(tile + j * 16, u0);
        _mm256_store_ps(tile + j * 16 + 8, u1);
    }
    const __m256i idx = _mm256_setr_epi32(0, 16, 32, 48, 64, 80, 96, 112);
    const __m256 m = _mm256_castsi256_ps(lanes256(0, NP));
    const float *residual = ep ? ep->residual : NULL;
    for (int r = 0; r < mr; r++) {
        __m256 v = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), tile + r, idx, m, 4);
        const long o = (long)(row0 + r) * ldy + at;
        if (residual) v = act256(_mm256_add_ps(v, load_range256(residual + o, 0, NP)), ep->post);
        if (whole) _mm256_storeu_ps(y + o, v);
        else store_range256(y + o, v, 0, NP);
    }
}

#define CONV_CHANNELS256(NP)                                                                                    \
    __attribute__((target("avx2,fma"), noinline)) static void conv_channels256_##NP(                            \
        int k, const float *pt, const float *x, float *part, int first, int last, long at, int mr, int row0,    \
        float *y, long ldy, const VKEpilogue *ep, int whole) {                                                  \
        conv_channels_block256(k, pt, x, part, first, last, at, mr, row0, y, ldy, ep, whole, NP);               \
    }
CONV_CHANNELS256(1) CONV_CHANNELS256(2) CONV_CHANNELS256(3) CONV_CHANNELS256(4) CONV_CHANNELS256(5)
CONV_CHANNELS256(6)
#undef CONV_CHANNELS256
typedef void (*conv_channels256_fn)(int, const float *, const float *, float *, int, int, long, int, int, float *,
                                    long, const VKEpilogue *, int);
static const conv_channels256_fn conv_channels256_blocks[7] = {
    0, conv_channels256_1, conv_channels256_2, conv_channels256_3, conv_channels256_4, conv_channels256_5,
    conv_channels256_6};

// Copies a block's np input columns at `base` (k taps at `off`) into dst, np floats per tap (dst holds k·np + 8
// floats: each tap's 8-lane store runs into the next tap's place, which that tap then overwrites). Read in
// place, every broadcast of the 16-channel halves and panels fetched the taps' lines again from L2 (the 1×1 taps
// lie a plane apart); packed, they stay in L1 (K = 1152, 7×7: 0.31 → see scripts/kernel-harness).
__attribute__((target("avx2,fma"))) static void conv_channels_pack256(int k, const int *off, const float *base,
                                                                    int np, float *dst) {
    const __m256i m = lanes256(0, np);
    for (int p = 0; p < k; p++) _mm256_storeu_ps(dst + (size_t)p * np, _mm256_maskload_ps(base + off[p], m));
}

// Taps per chunk, blocks per group and 16-channel halves per batch of conv_channels256: a chunk's weights for
// one half (8 KiB) are read from L1 by every block of the group, the group's packed inputs for the chunk (18 KiB)
// by every half of the batch; the batch's partial sums take 18 KiB.
#define VK_CH256_KC 128
#define VK_CH256_GROUP 6
#define VK_CH256_HALVES 8

// Where block i (of `blocks` per row run, near-equal, at most 6 pixels) of an output row run lies: its first
// virtual column, its output offset, its pixels, and whether a whole-vector store may run past it.
typedef struct { long v0, at; int np, whole; } ChannelsBlock256;
static ChannelsBlock256 channels_block256(int i, int blocks, int n, int pitch, int out_w, int residual) {
    const int oy = i / blocks, b = i % blocks;
    const int p0 = (int)((long)n * b / blocks), p1 = (int)((long)n * (b + 1) / blocks);
    return (ChannelsBlock256){(long)oy * pitch + p0, (long)oy * out_w + p0, p1 - p0, !residual && p0 + 8 <= n};
}

// conv_channels512's work in AVX2 blocks: each output row run (all of an unpadded 1×1's plane counts as one) in
// near-equal blocks of at most 6 pixels (49 → five of 5 and four of 6). Where conv_channels512 reads each
// 32-channel panel's weights (k × 128 bytes, from L2 for wide layers) once per 12 pixels, a 16-channel half read
// once per 6 pixels would double that traffic; so blocks go in groups of VK_CH256_GROUP and K in chunks of
// VK_CH256_KC, every block of the group consuming a chunk's weights while they are in L1.
__attribute__((target("avx2,fma"))) static void conv_channels256(int m, int k, const float *pt, const int *offsets,
                                                               const float *src, int pitch, int out_h, int out_w,
                                                               int panel0, int panel1, float *y, long ldy,
                                                               const VKEpilogue *ep) {
    const int rows = pitch == out_w ? 1 : out_h, n = pitch == out_w ? out_h * out_w : out_w;
    const int blocks = (n + 5) / 6, total = rows * blocks, residual = ep && ep->residual;
    const int half0 = panel0 * 2, half1 = min_int(panel1 * 2, (m + 15) / 16);
    float x[VK_CH256_GROUP][VK_CH256_KC * 6 + 8];
    float part[VK_CH256_HALVES][VK_CH256_GROUP][96];
    for (int g0 = 0; g0 < total; g0 += VK_CH256_GROUP) {
        const int gn = min_int(VK_CH256_GROUP, total - g0);
        ChannelsBlock256 bl[VK_CH256_GROUP];
        for (int b = 0; b < gn; b++) bl[b] = channels_block256(g0 + b, blocks, n, pitch, out_w, residual);
        for (int h0 = half0; h0 < half1; h0 += VK_CH256_HALVES) {
            const int h1 = min_int(half1, h0 + VK_CH256_HALVES);
            for (int kc = 0; kc < k; kc += VK_CH256_KC) {
                const int kn = min_int(VK_CH256_KC, k - kc), last = kc + kn >= k;
                for (int b = 0; b < gn; b++) conv_channels_pack256(kn, offsets + kc, src + bl[b].v0, bl[b].np, x[b]);
                for (int h = h0; h < h1; h++) {
                    const int row0 = h * 16, mr = min_int(16, m - row0);
                    const float *w = pt + (size_t)(h / 2) * k * VK_MT + (h % 2) * 16 + (size_t)kc * VK_MT;
                    for (int b = 0; b < gn; b++)
                        conv_channels256_blocks[bl[b].np](kn, w, x[b], part[h - h0][b], kc == 0, last, bl[b].at, mr,
                                                          row0, y, ldy, ep, bl[b].whole);
                }
            }
        }
    }
}


void vk_conv_channels(int m, int k, const float *pt, const int *offsets, const float *src, int pitch, int out_h,
                      int out_w, int panel0, int panel1, float *y, long ldy, const VKEpilogue *ep) {
    if (vk_isa() >= 2) conv_channels512(m, k, pt, offsets, src, pitch, out_h, out_w, panel0, panel1, y, ldy, ep);
    else if (vk_isa() == 1) conv_channels256(m, k, pt, offsets, src, pitch, out_h, out_w, panel0, panel1, y, ldy, ep);
    else conv_channels_scalar(m, k, pt, offsets, src, pitch, out_h, out_w, panel0, panel1, y, ldy, ep);
}

__attribute__((target("avx512f"))) static void maxpool512(const float *x, float *y, const VKConvGeometry *g,
                                                         float *row) {
    const int pw = pool_row_floats(g), s = g->stride_w, dx = g->dilation_w;
    const __m512 ninf = _mm512_set1_ps(-__builtin_inff());
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int i = 0; i < pw + 64; i++) row[i] = -__builtin_inff();
    for (int oy = 0; oy < g->out_h; oy++) {
        float *orow = y + (size_t)oy * g->out_w;
        for (int ox = 0; ox < g->out_w; ox += 16) _mm512_mask_storeu_ps(orow + ox, tail_mask(g->out_w - ox), ninf);
        for (int ky = 0; ky < g->k_h; ky++) {
            const int iy = oy * g->stride_h - g->pad_top + ky * g->dilation_h;
            if (iy < 0 || iy >= g->in_h) continue;
            memcpy(row + g->pad_left, x + (size_t)iy * g->in_w, (size_t)g->in_w * sizeof(float));
            for (int ox = 0; ox < g->out_w; ox += 16) {
                __mmask16 m = tail_mask(g->out_w - ox);
                __m512 acc = _mm512_maskz_loadu_ps(m, orow + ox);
                const float *p = row + (size_t)ox * s;
                for (int kx = 0; kx < g->k_w; kx++) {
                    const float *q = p + kx * dx;
                    __m512 v;
                    if (s == 1) v = _mm512_loadu_ps(q);
                    else if (s == 2) v = _mm512_permutex2var_ps(_mm512_loadu_ps(q), even, _mm512_loadu_ps(q + 16));
                    else v = _mm512_i32gather_ps(_mm512_mullo_epi32(lanes, _mm512_set1_epi32(s)), q, 4);
                    // max(v, acc) returns acc when v is NaN, as the portable Swift.max(acc, v).
                    acc = _mm512_max_ps(v, acc);
                }
                _mm512_mask_storeu_ps(orow + ox, m, acc);
            }
        }
    }
}

void vk_maxpool(const float *x, float *y, const VKConvGeometry *g, float *scratch) {
    const int isa = vk_isa();
    if (isa >= 2) maxpool512(x, y, g, scratch);
    else if (isa == 1) maxpool256(x, y, g, scratch);
    else maxpool_scalar(x, y, g);
}

#define VK_KC 256

__attribute__((target("avx512f"))) static void gemm512(int m, int n, int k, const float *pa, const float *pb, float *c,
                                                      long ldc, const VKEpilogue *ep) {
    const int mp = (m + VK_MR - 1) / VK_MR, np = (n + VK_NR - 1) / VK_NR;
    for (int k0 = 0; k0 < k; k0 += VK_KC) {
        const int kc = min_int(VK_KC, k - k0);
        const int first = k0 == 0, last = k0 + kc >= k;
        for (int j = 0; j < np; j++) {
            const float *b = pb + ((size_t)j * k + k0) * VK_NR;
            const int nc = min_int(VK_NR, n - j * VK_NR);
            for (int i = 0; i < mp; i++) {
                const float *a = pa + ((size_t)i * k + k0) * VK_MR;
                const int mr = min_int(VK_MR, m - i * VK_MR);
                const long off = (long)i * VK_MR * ldc + (long)j * VK_NR;
                const float *res = ep && ep->residual ? ep->residual + off : 0;
                const float *bias = ep && ep->bias ? ep->bias + i * VK_MR : 0;
                kernel8x32(kc, a, b, c + off, ldc, mr, nc, first, last, ep, res, bias);
            }
        }
    }
}

void vk_gemm_packed(int m, int n, int k, const float *pa, const float *pb, float *c, long ldc, const VKEpilogue *ep) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        // Degenerate: zero products, then the epilogue.
        for (int i = 0; i < m; i++) {
            float *row = c + (long)i * ldc;
            for (int j = 0; j < n; j++) {
                float v = 0;
                if (ep) {
                    v = act_scalar(v + (ep->bias ? ep->bias[i] : 0), ep->activation);
                    if (ep->residual) v = act_scalar(v + ep->residual[(long)i * ldc + j], ep->post);
                }
                row[j] = v;
            }
        }
        return;
    }
    const int isa = vk_isa();
    if (isa >= 2) gemm512(m, n, k, pa, pb, c, ldc, ep);
    else if (isa == 1) gemm256(m, n, k, pa, pb, c, ldc, ep);
    else gemm_scalar(m, n, k, pa, pb, c, ldc, ep);
}

void vk_activation(float *p, long n, VKActivation a) { vk_activation_to(p, p, n, a); }

void vk_activation_to(const float *x, float *y, long n, VKActivation a) {
    if (a.kind == 0) {
        if (x != y) memmove(y, x, (size_t)n * sizeof(float));
        return;
    }
    const int isa = vk_isa();
    if (isa >= 2) {
        activation512(x, y, n, a);
        return;
    }
    if (isa == 1) {
        activation256(x, y, n, a);
        return;
    }
    for (long i = 0; i < n; i++) y[i] = act_scalar(x[i], a);
}

#else

int vk_isa(void) { return 0; }
int vk_cpu_isa(void) { return 0; }
int vk_set_isa_limit(int level) { (void)level; return 0; }
int vk_isa_cap(void) { return VK_CAP_NONE; }
int vk_set_isa_cap(int cap) { (void)cap; return VK_CAP_NONE; }

void vk_maxpool(const float *x, float *y, const VKConvGeometry *g, float *scratch) {
    (void)scratch;
    maxpool_scalar(x, y, g);
}

void vk_conv_implicit(int m, int k, const float *pa, const int *offsets, const float *src, int pitch, int out_w,
                      long v0, long v1, float *y, long ldy, const VKEpilogue *ep) {
    implicit_scalar(m, k, pa, offsets, src, pitch, out_w, v0, v1, y, ldy, ep);
}

void vk_depthwise(const float *x, const float *w, float bias, float *y, const float *res, VKActivation act,
                  VKActivation post, const VKConvGeometry *g, float *scratch) {
    (void)scratch;
    depthwise_scalar(x, w, bias, y, res, act, post, g);
}

void vk_gemm_packed(int m, int n, int k, const float *pa, const float *pb, float *c, long ldc, const VKEpilogue *ep) {
    gemm_scalar(m, n, k, pa, pb, c, ldc, ep);
}

size_t vk_depthwise_channels_scratch_floats(const VKConvGeometry *g) { return vk_depthwise_scratch_floats(g); }

void vk_depthwise_channels(const float *x, const float *w, const float *bias, float *y, const float *res,
                           VKActivation act, VKActivation post, const VKConvGeometry *g, int channels,
                           float *scratch) {
    const long in = (long)g->in_h * g->in_w, out = (long)g->out_h * g->out_w;
    for (int c = 0; c < channels; c++)
        depthwise_scalar(x + c * in, w + (size_t)c * g->k_h * g->k_w, bias[c], y + c * out, res ? res + c * out : NULL,
                         act, post, g);
}

void vk_conv_channels(int m, int k, const float *pt, const int *offsets, const float *src, int pitch, int out_h,
                      int out_w, int panel0, int panel1, float *y, long ldy, const VKEpilogue *ep) {
    conv_channels_scalar(m, k, pt, offsets, src, pitch, out_h, out_w, panel0, panel1, y, ldy, ep);
}

void vk_activation(float *p, long n, VKActivation a) { vk_activation_to(p, p, n, a); }

void vk_activation_to(const float *x, float *y, long n, VKActivation a) {
    for (long i = 0; i < n; i++) y[i] = act_scalar(x[i], a);
}

#endif
