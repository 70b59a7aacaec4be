// Integer convolution kernels (QLinearConv semantics). See QKernels.h.
//
// A convolution runs as tiles of output pixels: the tile's im2col (row-major bytes, k rows × n pixels; a
// 1×1 stride-1 unpadded convolution reads its input directly), packed for the level's micro-kernel, times
// the packed weights, then requantised in the epilogue. The activations enter the products as unsigned bytes
// (int8 inputs are shifted by +128 with their zero point), the weights as signed bytes, so that
//   Σ (x − zx)(w − zw) = Σ x·w − zw·Σx − zx·Σw + k·zx·zw,
// with Σw and k·zx·zw folded into one per-channel term at creation and Σx (per pixel) computed only when a
// weight zero point is not 0. Padding holds the input zero point, so it adds nothing.
//
// Depthwise convolutions (one input and one output channel per group, horizontal stride 1 or 2, no dilation,
// weights minus their zero point within int8) run natively (q_dw_*): the channel's plane is copied once into a
// padded byte plane (unsigned domain, padding = the input zero point), then each output row is a sum over the
// kernel rows of dot products of consecutive taps: groups of 4 bytes by vpdpbusd (AVX-512 VNNI: the 16 pixels'
// quads gathered by one vpermb from one load; AVX-VNNI: 8 pixels' by a vpshufb of two loads), pairs of
// zero-extended int16 by vpmaddwd (AVX2, exact), or scalar. Σ(x − zx)(w − zw) = Σ x·(w − zw) − zx·Σ(w − zw), the second term folded into row_term. Other
// depthwise forms run through the GEMM path.

#include "CInferenceKernels.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define VQ_X86 1
#include <immintrin.h>
#endif

// VNNI micro-kernel: 8 weight rows × 32 pixels (two zmm of int32), 4 k per step.
#define Q8_MR 8
#define Q8_NR 32
// AVX2 micro-kernel: 4 weight rows × 16 pixels (two ymm of int32), 2 k per step (int16 pairs).
#define Q16_MR 4
#define Q16_NR 16
// Native depthwise: at most this kernel width (taps per row).
#define Q_DW_MAX_KW 16

struct vk_qconv {
    VKQConvDesc d;
    int k, kp4, kp2, mp8, mp4;
    int depthwise, any_wzero, direct;
    int zx;          // input zero point in the unsigned domain
    uint8_t flip;    // 0x80 for int8 inputs
    float flo, fhi;  // lo − out_zero, hi − out_zero
    int8_t *w;       // groups·m × k, as given
    int8_t *w8;      // per group: [mp8 / 8][kp4 / 4][8][4]
    int16_t *w16;    // per group: [mp4 / 4][kp2 / 2][4][2]
    int32_t *row_term;  // bias − zx·Σw + k·zx·zw, per output channel
    int32_t *w_zero;
    int32_t *bias;
    float *mult;
    int dw_kw4, dw_kw2;  // native depthwise: groups of 4 and of 2 taps per kernel row
    int32_t *dw_w4;      // per channel [k_h][dw_kw4]: 4 taps (w − zw) as int8, 0 past k_w
    int32_t *dw_w2;      // per channel [k_h][dw_kw2]: 2 taps (w − zw) as int16
    // Implicit GEMM (level 2, see "implicit GEMM" below): 0 when it does not apply.
    int implicit;
    int im_cq, im_wp, im_hp;  // channel quads, width and height of each phase's plane (in pixels)
    long im_sub, im_plane;    // quads per phase plane (im_hp·im_wp + slack), per channel quad (stride² phases)
    int8_t *im_w;             // level 2: [mp8 / 8][taps][im_cq][8][4]
    int16_t *im_w16;          // level 1: [mp4 / 4][taps][im_cq][4][4]
    int32_t *im_off;          // per k step (tap, channel quad): byte offset into the padded planes
    int has_lookup;           // the outputs go through lookup (VKQConvDesc.lookup)
    uint8_t lookup[256];
};

static int q_min(int a, int b) { return a < b ? a : b; }
static int q_max(int a, int b) { return a > b ? a : b; }
static int q_round_up(int v, int m) { return (v + m - 1) / m * m; }

// ---- level selection ----

#ifdef VQ_X86
static int q_cpu_vnni(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v >= 0) return v;
    __builtin_cpu_init();
    v = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl");
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    return v;
}

int vk_qisa(void) {
    int l = vk_isa();
    if (l >= 2 && !q_cpu_vnni()) l = 1;
    return l;
}

// __builtin_cpu_supports("avxvnni"): CPUID leaf 7 subleaf 1 EAX bit 4, and XCR0 saving the AVX state.
int vk_cpu_avxvnni(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v >= 0) return v;
    __builtin_cpu_init();
    v = __builtin_cpu_supports("avxvnni") && __builtin_cpu_supports("avx2");
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    return v;
}

// The dot-product kernels of vk_qisa() level `isa` (read once per run, so that a run never mixes levels).
static int q_level_of(int isa) { return vk_qlevel_for(isa, vk_isa_cap(), vk_cpu_avxvnni()); }

int vk_qlevel(void) { return q_level_of(vk_qisa()); }
#else
int vk_qlevel_for(int qisa, int cap, int avxvnni) { (void)qisa, (void)cap, (void)avxvnni; return VK_CAP_NONE; }
int vk_qisa(void) { return 0; }
int vk_qlevel(void) { return VK_CAP_NONE; }
int vk_cpu_avxvnni(void) { return 0; }
#endif

#ifdef VQ_X86
int vk_qlevel_for(int qisa, int cap, int avxvnni) {
    if (qisa >= 2) return VK_CAP_AVX512;
    if (qisa == 1) return cap >= VK_CAP_AVXVNNI && avxvnni ? VK_CAP_AVXVNNI : VK_CAP_AVX2;
    return VK_CAP_NONE;
}
#endif

// ---- creation ----

static void q_pack_w8(const int8_t *w, int m, int k, int8_t *dst) {
    const int kp4 = q_round_up(k, 4);
    for (int r0 = 0; r0 < m; r0 += Q8_MR) {
        for (int kk = 0; kk < kp4; kk += 4) {
            for (int r = 0; r < Q8_MR; r++) {
                for (int t = 0; t < 4; t++) {
                    int row = r0 + r, col = kk + t;
                    *dst++ = (row < m && col < k) ? w[(size_t)row * k + col] : 0;
                }
            }
        }
    }
}

static void q_pack_w16(const int8_t *w, int m, int k, int16_t *dst) {
    const int kp2 = q_round_up(k, 2);
    for (int r0 = 0; r0 < m; r0 += Q16_MR) {
        for (int kk = 0; kk < kp2; kk += 2) {
            for (int r = 0; r < Q16_MR; r++) {
                for (int t = 0; t < 2; t++) {
                    int row = r0 + r, col = kk + t;
                    *dst++ = (row < m && col < k) ? w[(size_t)row * k + col] : 0;
                }
            }
        }
    }
}

static void q_channel_terms(vk_qconv *c) {
    const int rows = c->d.groups * c->d.m;
    for (int o = 0; o < rows; o++) {
        const int8_t *wr = c->w + (size_t)o * c->k;
        long sum = 0;
        for (int i = 0; i < c->k; i++) sum += wr[i];
        c->row_term[o] = (int32_t)(c->bias[o] - (long)c->zx * sum + (long)c->k * c->zx * c->w_zero[o]);
    }
}

// Whether the native depthwise kernels take this convolution (see the top of the file).
static int q_dw_applies(const vk_qconv *c) {
    const VKConvGeometry *g = &c->d.g;
    if (g->channels != 1 || c->d.m != 1 || g->dilation_h != 1 || g->dilation_w != 1 || g->k_w > Q_DW_MAX_KW) return 0;
    if (g->stride_w != 1 && g->stride_w != 2) return 0;
    const int rows = c->d.groups;
    for (int o = 0; o < rows; o++) {
        for (int i = 0; i < c->k; i++) {
            const int v = c->w[(size_t)o * c->k + i] - c->w_zero[o];
            if (v < -128 || v > 127) return 0;
        }
    }
    return 1;
}

// The native depthwise taps: 4 int8 or 2 int16 per int32, per kernel row. 0 when out of memory.
static int q_dw_prepare(vk_qconv *c) {
    const VKConvGeometry *g = &c->d.g;
    const int rows = c->d.groups;
    c->dw_kw4 = (g->k_w + 3) / 4;
    c->dw_kw2 = (g->k_w + 1) / 2;
    c->dw_w4 = calloc((size_t)rows * g->k_h * c->dw_kw4, sizeof(int32_t));
    c->dw_w2 = calloc((size_t)rows * g->k_h * c->dw_kw2, sizeof(int32_t));
    if (!c->dw_w4 || !c->dw_w2) return 0;
    for (int o = 0; o < rows; o++) {
        for (int ky = 0; ky < g->k_h; ky++) {
            int8_t *q4 = (int8_t *)(c->dw_w4 + ((size_t)o * g->k_h + ky) * c->dw_kw4);
            int16_t *q2 = (int16_t *)(c->dw_w2 + ((size_t)o * g->k_h + ky) * c->dw_kw2);
            for (int kx = 0; kx < g->k_w; kx++) {
                const int v = c->w[(size_t)o * c->k + ky * g->k_w + kx] - c->w_zero[o];
                q4[kx] = (int8_t)v;
                q2[kx] = (int16_t)v;
            }
        }
    }
    c->depthwise = 1;
    return 1;
}

// Implicit GEMM (levels 2 and 1, with AVX-VNNI or AVX2; level 0 runs the im2col GEMM): one group, stride 1 or 2 (the same both
// ways), no dilation, more than one tap, weight zero points 0 (ONNX Runtime's per-channel weights are symmetric).
// The input is copied once per run into padded planes of channel quads ([cq][phase][row][column][4 channels],
// padding = the input zero point), so the 4 bytes vpdpbusd takes per pixel are 4 channels at one tap. With stride
// 2 the padded input is split into 4 phase planes (even/odd rows × even/odd columns), so a tap (ky, kx) of output
// pixel (oy, ox) is pixel (oy + ky/2, ox + kx/2) of phase (ky%2, kx%2): in both cases 32 consecutive output pixels
// read 128 consecutive bytes, in place, at one offset per (tap, channel quad). AVX-VNNI takes them as level 2 in
// ymm halves (q_kernel_implicit_avxvnni). Level 1 with AVX2 zero-extends each pixel's
// quad to int16 and multiplies it by the row's 4 weights with vpmaddwd (exact), two partial sums per pixel added
// at the end (except stems of fewer than 4 channels, see vk_qconv_run). Pixels are counted in the phase
// plane's row coordinates (v = oy·wp + ox), so a block of 32 may run over a row's end; those columns (ox ≥ out_w)
// are computed and dropped at the store.
static int q_implicit_applies(const vk_qconv *c) {
#ifndef VQ_X86
    return 0;
#endif
    const VKConvGeometry *g = &c->d.g;
    return c->d.groups == 1 && !c->depthwise && !c->any_wzero && g->k_h * g->k_w > 1 &&
           (g->stride_h == 1 || g->stride_h == 2) && g->stride_w == g->stride_h && g->dilation_h == 1 &&
           g->dilation_w == 1;
}

// The weights in implicit order, [rows / mr][taps][channel quads][mr][4], as int8 (size 1) or int16 (size 2); 0 past
// the output channels and the input channels.
static void q_implicit_pack(const vk_qconv *c, int mr, int rows, void *dst, int size) {
    const VKConvGeometry *g = &c->d.g;
    const int taps = g->k_h * g->k_w;
    long i = 0;
    for (int r0 = 0; r0 < rows; r0 += mr) {
        for (int t = 0; t < taps; t++) {
            for (int q = 0; q < c->im_cq; q++) {
                for (int r = 0; r < mr; r++) {
                    for (int j = 0; j < 4; j++, i++) {
                        const int row = r0 + r, ch = 4 * q + j;
                        const int8_t v = (row < c->d.m && ch < g->channels) ? c->w[(size_t)row * c->k + ch * taps + t] : 0;
                        if (size == 1) ((int8_t *)dst)[i] = v;
                        else ((int16_t *)dst)[i] = v;
                    }
                }
            }
        }
    }
}

static int q_implicit_prepare(vk_qconv *c) {
    const VKConvGeometry *g = &c->d.g;
    const int taps = g->k_h * g->k_w, cq = (g->channels + 3) / 4, st = g->stride_h;
    c->im_cq = cq;
    c->im_wp = g->out_w + (g->k_w - 1) / st;
    c->im_hp = g->out_h + (g->k_h - 1) / st;
    c->im_sub = (long)c->im_hp * c->im_wp + Q8_NR;
    c->im_plane = (long)st * st * c->im_sub;
    c->im_w = calloc((size_t)c->mp8 * taps * cq * 4, 1);
    c->im_w16 = calloc((size_t)c->mp4 * taps * cq * 4, sizeof(int16_t));
    c->im_off = malloc((size_t)taps * cq * sizeof(int32_t));
    if (!c->im_w || !c->im_w16 || !c->im_off) return 0;
    q_implicit_pack(c, Q8_MR, c->mp8, c->im_w, 1);
    q_implicit_pack(c, Q16_MR, c->mp4, c->im_w16, 2);
    for (int t = 0; t < taps; t++) {
        for (int q = 0; q < cq; q++) {
            const int ky = t / g->k_w, kx = t % g->k_w;
            const long quad = q * c->im_plane + (long)((ky % st) * st + kx % st) * c->im_sub +
                              (long)(ky / st) * c->im_wp + kx / st;
            c->im_off[t * cq + q] = (int32_t)(4 * quad);
        }
    }
    c->implicit = 1;
    return 1;
}

void vk_qconv_destroy(vk_qconv *c) {
    if (!c) return;
    free(c->w);
    free(c->w8);
    free(c->w16);
    free(c->row_term);
    free(c->w_zero);
    free(c->bias);
    free(c->mult);
    free(c->dw_w4);
    free(c->dw_w2);
    free(c->im_w);
    free(c->im_w16);
    free(c->im_off);
    free(c);
}

vk_qconv *vk_qconv_create(const VKQConvDesc *d) {
    vk_qconv *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->d = *d;
    const VKConvGeometry *g = &d->g;
    const int rows = d->groups * d->m;
    c->k = g->channels * g->k_h * g->k_w;
    c->kp4 = q_round_up(c->k, 4);
    c->kp2 = q_round_up(c->k, 2);
    c->mp8 = q_round_up(d->m, Q8_MR);
    c->mp4 = q_round_up(d->m, Q16_MR);
    c->flip = d->in_signed ? 0x80 : 0;
    c->zx = d->in_signed ? d->in_zero + 128 : d->in_zero;
    c->flo = (float)(d->lo - d->out_zero);
    c->fhi = (float)(d->hi - d->out_zero);
    c->direct = g->k_h == 1 && g->k_w == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0 &&
                g->pad_left == 0 && g->out_h == g->in_h && g->out_w == g->in_w;
    c->w = malloc((size_t)rows * c->k);
    c->w8 = malloc((size_t)d->groups * c->mp8 * c->kp4);
    c->w16 = malloc((size_t)d->groups * c->mp4 * c->kp2 * sizeof(int16_t));
    c->row_term = malloc((size_t)rows * sizeof(int32_t));
    c->w_zero = malloc((size_t)rows * sizeof(int32_t));
    c->bias = calloc((size_t)rows, sizeof(int32_t));
    c->mult = malloc((size_t)rows * sizeof(float));
    if (!c->w || !c->w8 || !c->w16 || !c->row_term || !c->w_zero || !c->bias || !c->mult) {
        vk_qconv_destroy(c);
        return NULL;
    }
    memcpy(c->w, d->weights, (size_t)rows * c->k);
    memcpy(c->w_zero, d->w_zero, (size_t)rows * sizeof(int32_t));
    if (d->bias) memcpy(c->bias, d->bias, (size_t)rows * sizeof(int32_t));
    memcpy(c->mult, d->multiplier, (size_t)rows * sizeof(float));
    for (int o = 0; o < rows; o++) c->any_wzero |= c->w_zero[o] != 0;
    if (d->lookup) {
        c->has_lookup = 1;
        memcpy(c->lookup, d->lookup, sizeof c->lookup);
    }
    for (int grp = 0; grp < d->groups; grp++) {
        const int8_t *wg = c->w + (size_t)grp * d->m * c->k;
        q_pack_w8(wg, d->m, c->k, c->w8 + (size_t)grp * c->mp8 * c->kp4);
        q_pack_w16(wg, d->m, c->k, c->w16 + (size_t)grp * c->mp4 * c->kp2);
    }
    q_channel_terms(c);
    if ((q_dw_applies(c) && !q_dw_prepare(c)) || (q_implicit_applies(c) && !q_implicit_prepare(c))) {
        vk_qconv_destroy(c);
        return NULL;
    }
    c->d.weights = NULL;
    c->d.w_zero = NULL;
    c->d.bias = NULL;
    c->d.multiplier = NULL;
    c->d.lookup = NULL;
    return c;
}

int vk_qconv_kind(const vk_qconv *c) { return c->depthwise ? 2 : (c->implicit ? 3 : (c->direct ? 1 : 0)); }

// ---- requantisation ----

// ONNX Runtime's order (MlasRequantizeOutput): float(acc) · multiplier, clamped in float to the output
// range minus the zero point, rounded half to even, + zero point.
static inline int q_requant(const vk_qconv *c, int32_t acc, float mult) {
    float v = (float)acc * mult;
    v = v < c->flo ? c->flo : v;
    v = v > c->fhi ? c->fhi : v;
    // Round half to even without a libm call (baseline x86-64 has no roundss): |v| ≤ 255 here, so adding and
    // subtracting 1.5·2^23 leaves exactly the nearest-even integer (the default rounding mode of the FPU).
    const float magic = 12582912.0f;
    return (int)((v + magic) - magic) + c->d.out_zero;
}

// ---- im2col and packing of one tile of pixels ----

// dst[i] = src[2i] for i < n (stride-2 im2col rows); SSE2, part of baseline x86-64, so the same at every level.
static void q_copy_even(const uint8_t *src, uint8_t *dst, int n) {
    int i = 0;
#ifdef VQ_X86
    const __m128i lo = _mm_set1_epi16(0x00FF);
    // The last load ends at src[2i + 31]; i + 16 < n keeps it before src[2n − 2], the last byte read.
    for (; i + 16 < n; i += 16) {
        const __m128i a = _mm_and_si128(_mm_loadu_si128((const __m128i *)(src + 2 * i)), lo);
        const __m128i b = _mm_and_si128(_mm_loadu_si128((const __m128i *)(src + 2 * i + 16)), lo);
        _mm_storeu_si128((__m128i *)(dst + i), _mm_packus_epi16(a, b));
    }
#endif
    for (; i < n; i++) dst[i] = src[2 * i];
}

// Row-major im2col (k rows × n pixels from p0) of one group's planes at src; padding holds `pad`.
static void q_im2col(const uint8_t *src, const VKConvGeometry *g, int p0, int n, uint8_t pad, uint8_t *dst) {
    int r = 0;
    for (int ch = 0; ch < g->channels; ch++) {
        const uint8_t *plane = src + (size_t)ch * g->in_h * g->in_w;
        for (int ky = 0; ky < g->k_h; ky++) {
            for (int kx = 0; kx < g->k_w; kx++, r++) {
                uint8_t *d = dst + (size_t)r * n - p0;
                const int xoff = kx * g->dilation_w - g->pad_left;
                int lo = xoff >= 0 ? 0 : (-xoff + g->stride_w - 1) / g->stride_w;
                int hiIncl = g->in_w - 1 - xoff;
                int hi = hiIncl < 0 ? 0 : q_min(g->out_w, hiIncl / g->stride_w + 1);
                if (lo > hi) lo = hi;
                for (int p = p0; p < p0 + n;) {
                    int oy = p / g->out_w, ox0 = p % g->out_w;
                    int ox1 = q_min(g->out_w, ox0 + (p0 + n - p));
                    int iy = oy * g->stride_h - g->pad_top + ky * g->dilation_h;
                    uint8_t *row = d + p - ox0;
                    int a = q_max(ox0, lo), b = q_min(ox1, hi);
                    if (iy < 0 || iy >= g->in_h || a >= b) {
                        memset(row + ox0, pad, (size_t)(ox1 - ox0));
                    } else {
                        memset(row + ox0, pad, (size_t)(a - ox0));
                        const uint8_t *s = plane + (size_t)iy * g->in_w + xoff;
                        if (g->stride_w == 1) memcpy(row + a, s + a, (size_t)(b - a));
                        else if (g->stride_w == 2) q_copy_even(s + 2L * a, row + a, b - a);
                        else for (int ox = a; ox < b; ox++) row[ox] = s[(long)ox * g->stride_w];
                        memset(row + b, pad, (size_t)(ox1 - b));
                    }
                    p += ox1 - ox0;
                }
            }
        }
    }
}

// Σx per pixel (unsigned domain) of a row-major tile, for weight zero points other than 0.
static void q_column_sums(const uint8_t *rows, long ld, int k, int n, uint8_t flip, int32_t *sums) {
    for (int p = 0; p < n; p++) sums[p] = 0;
    for (int r = 0; r < k; r++) {
        const uint8_t *s = rows + r * ld;
        for (int p = 0; p < n; p++) sums[p] += (uint8_t)(s[p] ^ flip);
    }
}

// ---- level 0: portable ----

static void q_tile_scalar(const vk_qconv *c, int grp, const uint8_t *rows, long ld, int n, const int32_t *colsum,
                          int r0, int r1, uint8_t *y, long ldy) {
    for (int r = r0; r < r1; r++) {
        const int o = grp * c->d.m + r;
        const int8_t *w = c->w + (size_t)o * c->k;
        for (int p = 0; p < n; p++) {
            int32_t acc = 0;
            for (int i = 0; i < c->k; i++) acc += (int32_t)w[i] * (uint8_t)(rows[i * ld + p] ^ c->flip);
            acc += c->row_term[o];
            if (c->any_wzero) acc -= c->w_zero[o] * colsum[p];
            y[(long)r * ldy + p] = (uint8_t)q_requant(c, acc, c->mult[o]);
        }
    }
}

// ---- one run ----

typedef struct {
    const vk_qconv *c;
    const uint8_t *x;
    uint8_t *y;
    vk_pool *pool;
    int level, batch;
    int avxvnni;  // level 1 runs the AVX-VNNI kernels (vk_qlevel() == VK_CAP_AVXVNNI), else the AVX2 ones
    int nc, tiles, row_blocks, rb_rows;  // GEMM path
    int rows_mode, pixels;               // MatMul form: pixels = batch rows
    size_t out_tile_bytes;               // MatMul form: the m × nc output tile
    long items;
    int dw_rows;  // depthwise: rows of the padded plane
    int dw_cpi;   // and channels per item
    long dw_lw;   // and its bytes per row (as far as the outputs reach)
    size_t scratch_bytes;  // per worker (each thread's own, q_thread_scratch)
    int next_serial;
    // Implicit GEMM: phase 0 fills the padded planes (one item per batch item and channel quad), phase 1 runs
    // items of im_bpi pixel blocks × rb_rows output channels.
    int phase, im_blocks, im_bpi, im_chunks, im_bands;
    uint8_t *im_planes;
} QRun;

static void q_tile_simd(const QRun *run, int grp, const uint8_t *rows, long ld, int n, int before, const int32_t *colsum,
                        int r0, int r1, uint8_t *y, long ldy, char *scratch);

// MatMul form (1×1 everything, batch > 1): the batch rows are the pixels; each is k bytes in, m bytes out, so
// the tile's input is transposed into k × n and its output goes through an m × n tile.
static void q_transpose(const uint8_t *src, int rows, int cols, long lds, uint8_t *dst, long ldd) {
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) dst[c * ldd + r] = src[r * lds + c];
    }
}

// One tile (n pixels from p0) of one group: its input rows (im2col, the input itself, or the transposed batch
// rows), then output rows [r0, r1) at y (row stride ldy).
static void q_gemm_tile(const QRun *run, const uint8_t *src, int grp, int p0, int n, int r0, int r1, uint8_t *y,
                        long ldy, char *scratch) {
    const vk_qconv *c = run->c;
    const VKConvGeometry *g = &c->d.g;
    int32_t *colsum = (int32_t *)scratch;
    scratch += (size_t)q_round_up(run->nc, Q8_NR) * sizeof(int32_t);
    const uint8_t *rows = src + p0;
    long ld = g->in_h * g->in_w;
    if (run->rows_mode) {
        q_transpose(src + (size_t)p0 * c->k, n, c->k, c->k, (uint8_t *)scratch, n);
        rows = (const uint8_t *)scratch;
        ld = n;
        scratch += (size_t)c->k * run->nc;
    } else if (!c->direct) {
        q_im2col(src, g, p0, n, (uint8_t)c->d.in_zero, (uint8_t *)scratch);
        rows = (const uint8_t *)scratch;
        ld = n;
        scratch += (size_t)c->k * run->nc;
    }
    if (c->any_wzero) q_column_sums(rows, ld, c->k, n, c->flip, colsum);
    // Bytes readable before each row of the tile: the row's earlier pixels when it is the input itself.
    const int before = run->rows_mode || !c->direct ? 0 : p0;
    if (run->level == 0) q_tile_scalar(c, grp, rows, ld, n, colsum, r0, r1, y, ldy);
    else q_tile_simd(run, grp, rows, ld, n, before, colsum, r0, r1, y, ldy, scratch);
}

// The folded lookup (VKQConvDesc.lookup) on `rows` rows of n output bytes, row stride ld, in place: run by the
// work item that wrote them, right after it did, while they are in its cache. Contiguous rows (ld == n) as one row:
// the pose detector's 7×7 rows are 49 bytes, and a call per row spent more in its setup and masked tail than in its
// 64-byte steps; other rows in one call (the level chosen and the table loaded once).
static void q_lookup_rows(const vk_qconv *c, uint8_t *y, int rows, long n, long ld) {
    if (!c->has_lookup) return;
    if (ld == n) vk_qlookup(c->lookup, y, y, (long)rows * n);
    else vk_qlookup_rows(c->lookup, y, y, rows, n, ld);
}

static void q_gemm_item(const QRun *run, long item, char *scratch) {
    const vk_qconv *c = run->c;
    const VKConvGeometry *g = &c->d.g;
    const int rb = (int)(item % run->row_blocks);
    long rest = item / run->row_blocks;
    const int tile = (int)(rest % run->tiles);
    rest /= run->tiles;
    const int grp = (int)(rest % c->d.groups);
    const int b = (int)(rest / c->d.groups);
    const int in_hw = g->in_h * g->in_w, out_hw = g->out_h * g->out_w;
    const int p0 = tile * run->nc, n = q_min(run->nc, run->pixels - p0);
    const int r0 = rb * run->rb_rows, r1 = q_min(c->d.m, r0 + run->rb_rows);
    if (n <= 0 || r0 >= r1) return;
    if (run->rows_mode) {
        uint8_t *yt = (uint8_t *)scratch;
        q_gemm_tile(run, run->x, 0, p0, n, r0, r1, yt, n, scratch + run->out_tile_bytes);
        q_lookup_rows(c, yt + (size_t)r0 * n, r1 - r0, n, n);
        q_transpose(yt + (size_t)r0 * n, r1 - r0, n, n, run->y + (size_t)p0 * c->d.m + r0, c->d.m);
        return;
    }
    const uint8_t *src = run->x + ((size_t)b * c->d.groups + grp) * g->channels * in_hw;
    uint8_t *y = run->y + (((size_t)b * c->d.groups + grp) * c->d.m) * out_hw + p0;
    q_gemm_tile(run, src, grp, p0, n, r0, r1, y, out_hw, scratch);
    q_lookup_rows(c, y + (size_t)r0 * out_hw, r1 - r0, n, out_hw);
}

// dst[i] = src[i] ^ flip for i < n; SSE2 (baseline x86-64) 16 bytes at a time: the compiler's own loop moved 4.
static void q_copy_flip(const uint8_t *src, uint8_t *dst, int n, uint8_t flip) {
    int i = 0;
#ifdef VQ_X86
    const __m128i fl = _mm_set1_epi8((char)flip);
    for (; i + 16 <= n; i += 16) {
        _mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(_mm_loadu_si128((const __m128i *)(src + i)), fl));
    }
#endif
    for (; i < n; i++) dst[i] = src[i] ^ flip;
}

// The padded byte plane of one channel (unsigned domain): rows from input row −pad_top, `lw` bytes each from input
// column −pad_left, the zero point wherever the input is not.
static void q_dw_pad(const vk_qconv *c, const uint8_t *x, uint8_t *pu, int hr, long lw) {
    const VKConvGeometry *g = &c->d.g;
    const uint8_t zx = (uint8_t)c->zx, flip = c->flip;
    const int left = q_min(g->pad_left, (int)lw), right = q_max(0, q_min(g->in_w, (int)lw - left));
    for (int r = 0; r < hr; r++) {
        uint8_t *row = pu + (size_t)r * lw;
        const int iy = r - g->pad_top;
        if (iy < 0 || iy >= g->in_h) {
            memset(row, zx, (size_t)lw);
            continue;
        }
        memset(row, zx, (size_t)left);
        q_copy_flip(x + (size_t)iy * g->in_w, row + left, right, flip);
        memset(row + left + right, zx, (size_t)(lw - left - right));
    }
}

static void q_dw_scalar(const vk_qconv *c, const uint8_t *pu, long lw, int o, uint8_t *y) {
    const VKConvGeometry *g = &c->d.g;
    const int8_t *w = (const int8_t *)(c->dw_w4 + (size_t)o * g->k_h * c->dw_kw4);
    const int wrow = 4 * c->dw_kw4;
    for (int oy = 0; oy < g->out_h; oy++) {
        for (int ox = 0; ox < g->out_w; ox++) {
            int32_t acc = c->row_term[o];
            for (int ky = 0; ky < g->k_h; ky++) {
                const uint8_t *row = pu + (long)(oy * g->stride_h + ky) * lw + (long)ox * g->stride_w;
                for (int kx = 0; kx < g->k_w; kx++) acc += (int32_t)row[kx] * w[ky * wrow + kx];
            }
            y[(long)oy * g->out_w + ox] = (uint8_t)q_requant(c, acc, c->mult[o]);
        }
    }
}

static void q_dw_simd(const QRun *run, const uint8_t *pu, long lw, int o, uint8_t *y);
static int q_dw_pad_simd(const QRun *run, const uint8_t *x, uint8_t *pu);

// One item: dw_cpi channels (planes) of one batch item, each padded into the worker's scratch and convolved.
static void q_depthwise_item(const QRun *run, long item, char *scratch) {
    const vk_qconv *c = run->c;
    const VKConvGeometry *g = &c->d.g;
    const int per_batch = (c->d.groups + run->dw_cpi - 1) / run->dw_cpi;
    const int b = (int)(item / per_batch), o0 = (int)(item % per_batch) * run->dw_cpi;
    const int o1 = q_min(c->d.groups, o0 + run->dw_cpi);
    uint8_t *pu = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    for (int o = o0; o < o1; o++) {
        const size_t plane = (size_t)b * c->d.groups + o;
        const uint8_t *x = run->x + plane * g->in_h * g->in_w;
        if (!q_dw_pad_simd(run, x, pu)) q_dw_pad(c, x, pu, run->dw_rows, run->dw_lw);
        uint8_t *y = run->y + plane * g->out_h * g->out_w;
        if (run->level == 0) q_dw_scalar(c, pu, run->dw_lw, o, y);
        else q_dw_simd(run, pu, run->dw_lw, o, y);
    }
    // The item's output planes are contiguous: one lookup over them.
    const long out_hw = (long)g->out_h * g->out_w;
    q_lookup_rows(c, run->y + ((size_t)b * c->d.groups + o0) * out_hw, o1 - o0, out_hw, out_hw);
}

// Per-thread scratch, kept between runs and grown when a convolution needs more (no allocation per run once
// every size has been seen); freed when the thread exits.
// Slot 0: each worker's tile scratch; slot 1: the calling thread's padded planes of the implicit GEMM (shared by
// the run's workers, so kept apart from the caller's own slot 0).
static pthread_key_t q_scratch_key[2];
static pthread_once_t q_scratch_once = PTHREAD_ONCE_INIT;
typedef struct {
    char *p;
    size_t bytes;
} QScratch;

static void q_scratch_free(void *v) {
    QScratch *s = v;
    free(s->p);
    free(s);
}

static void q_scratch_init(void) {
    for (int i = 0; i < 2; i++) {
        if (pthread_key_create(&q_scratch_key[i], q_scratch_free) != 0) abort();
    }
}

static char *q_scratch_slot(int slot, size_t bytes) {
    pthread_once(&q_scratch_once, q_scratch_init);
    QScratch *s = pthread_getspecific(q_scratch_key[slot]);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s || pthread_setspecific(q_scratch_key[slot], s) != 0) abort();
    }
    if (s->bytes < bytes) {
        free(s->p);
        s->bytes = (bytes + 65535) & ~(size_t)65535;
        s->p = aligned_alloc(64, s->bytes);
        if (!s->p) abort();
    }
    return s->p;
}

static char *q_thread_scratch(size_t bytes) { return q_scratch_slot(0, bytes); }

static void q_worker(void *ctx, int worker) {
    (void)worker;
    QRun *run = ctx;
    char *scratch = q_thread_scratch(run->scratch_bytes);
    for (;;) {
        long i = run->pool ? vk_pool_next(run->pool) : run->next_serial++;
        if (i >= run->items) return;
        if (run->c->depthwise) q_depthwise_item(run, i, scratch);
        else q_gemm_item(run, i, scratch);
    }
}

// Pixel tile size and row split: tiles of about 128 KiB of im2col, halved (down to one panel) while there
// are fewer than two (one thread) or eight per thread, then the rows split too while fewer than two per thread.
static void q_plan(QRun *run, int threads) {
    const vk_qconv *c = run->c;
    const VKConvGeometry *g = &c->d.g;
    run->rows_mode = run->batch > 1 && c->d.groups == 1 && c->direct && g->in_h == 1 && g->in_w == 1;
    const int out_hw = run->rows_mode ? run->batch : g->out_h * g->out_w;
    run->pixels = out_hw;
    int nc = (131072 / c->kp4) / Q8_NR * Q8_NR;
    nc = q_max(Q8_NR, q_min(nc, 1024));
    const int whole = q_round_up(out_hw, Q8_NR);
    nc = q_min(nc, whole);
    const long per_tile = run->rows_mode ? 1 : (long)run->batch * c->d.groups;
    // With several threads and a folded lookup, a map of up to 1024 pixels (up to 512 KiB packed) and at least 128
    // output channels is one tile whose items split the output channels: split by pixels, two items share a cache
    // line of every output row (a 7×7 map's rows are 49 bytes), which the lookup reads back and rewrites while the
    // other core writes its part (the pose detector's 15 such 1×1 convolutions: 1.6 → 1.0 ms with 2 threads).
    // Each item packs the tile again, hence 64 channels or more per item (2 items per thread from 256 channels);
    // without a lookup that cost more than the shared lines.
    const int by_rows = threads > 1 && c->has_lookup && !run->rows_mode && out_hw <= 1024 &&
                        (long)c->kp4 * whole <= 524288 && c->d.m >= 64 * 2;
    // Otherwise eight tiles per thread (claimed dynamically, so a helper that starts late costs little); smaller tiles
    // repack nothing, unlike a split of the rows below.
    const long want = threads > 1 ? 8L * threads : 2;
    if (by_rows) nc = whole;
    while (!by_rows && nc > Q8_NR && per_tile * ((out_hw + nc - 1) / nc) < want) {
        nc = q_max(Q8_NR, (nc / 2) / Q8_NR * Q8_NR);
    }
    run->nc = nc;
    run->tiles = (out_hw + nc - 1) / nc;
    long items = per_tile * run->tiles;
    int blocks = c->mp8 / Q8_MR, rb = 1;
    // A multiple of the thread count (3 items on 2 threads left one waiting for a third of the time).
    if (by_rows) rb = q_min(blocks, threads * q_max(1, q_min(2, c->d.m / (64 * threads))));
    else if (items < 2L * threads) rb = q_min(blocks, (int)((2L * threads + items - 1) / items));
    run->rb_rows = q_round_up((c->d.m + rb - 1) / rb, Q8_MR);
    run->row_blocks = (c->d.m + run->rb_rows - 1) / run->rb_rows;
    run->items = items * run->row_blocks;
    size_t packed = (size_t)q_round_up(nc, Q8_NR) * (size_t)q_max(c->kp4, 2 * c->kp2);
    run->out_tile_bytes = run->rows_mode ? ((size_t)c->d.m * nc + 63) & ~(size_t)63 : 0;
    run->scratch_bytes = run->out_tile_bytes + (size_t)q_round_up(nc, Q8_NR) * sizeof(int32_t) + (size_t)c->k * nc +
                         packed + 128;
}

// Items of several channels when the planes are small (a 7×7 plane is a few hundred cycles of work, about what
// claiming an item and padding a plane cost), but at least 8 items per thread so the workers stay balanced.
static void q_plan_depthwise(QRun *run, int threads) {
    const VKConvGeometry *g = &run->c->d.g;
    const int groups = run->c->d.groups;
    const long macs = (long)g->out_h * g->out_w * g->k_h * g->k_w;
    int cpi = macs >= 32768 ? 1 : (int)q_min(16, (int)(32768 / q_max(1, (int)macs)));
    while (cpi > 1 && (long)run->batch * ((groups + cpi - 1) / cpi) < 8L * threads) cpi /= 2;
    run->dw_cpi = cpi;
    run->items = (long)run->batch * ((groups + cpi - 1) / cpi);
    run->dw_rows = (g->out_h - 1) * g->stride_h + g->k_h;
    // Rows as wide as the outputs reach (no per-row slack: a vector's lanes past the row's last output read the
    // next row and are not stored); the plane's tail has room for the widest load past its last output.
    run->dw_lw = (long)g->stride_w * (g->out_w - 1) + g->k_w;
    run->scratch_bytes = (size_t)run->dw_rows * (size_t)run->dw_lw + 64 + 4L * run->c->dw_kw4 + 128;
}

// Runs fn over run->items items on min(items, threads) workers of run->pool (or the calling thread alone).
static void q_dispatch(QRun *run, vk_pool *pool, int threads, vk_task_fn fn) {
    const int workers = (int)(run->items < threads ? run->items : threads);
    run->next_serial = 0;
    if (pool && workers > 1) {
        run->pool = pool;
        vk_pool_run(pool, workers, fn, run);
    } else {
        run->pool = NULL;
        fn(run, 0);
    }
}

#ifdef VQ_X86
static void q_implicit_run(QRun *run, int threads);
#endif

void vk_qconv_run(const vk_qconv *c, const void *x, void *y, int batch, vk_pool *pool) {
    if (batch <= 0) return;
    QRun run = {.c = c, .x = x, .y = y, .pool = pool, .level = vk_qisa(), .batch = batch};
    const int threads = pool ? vk_pool_threads(pool) : 1;
#ifdef VQ_X86
    run.avxvnni = q_level_of(run.level) == VK_CAP_AVXVNNI;
    // At level 1 with AVX2 a stem (fewer than 4 channels: quads padded from 3 to 4, the epilogue per 8 pixels) ran
    // 1.2× slower implicitly than through im2col (k = 27 in 14 int16 pairs); with vpdpbusd (both VNNI) it is faster.
    if (c->implicit && (run.level >= 2 || run.avxvnni || (run.level == 1 && c->d.g.channels >= 4))) {
        q_implicit_run(&run, threads);
        return;
    }
#endif
    if (c->depthwise) q_plan_depthwise(&run, threads);
    else q_plan(&run, threads);
    run.scratch_bytes = (run.scratch_bytes + 63) & ~(size_t)63;
    q_dispatch(&run, pool, threads, q_worker);
}

// ---- SIMD levels ----

#ifndef VQ_X86
static void q_dw_simd(const QRun *run, const uint8_t *pu, long lw, int o, uint8_t *y) {
    q_dw_scalar(run->c, pu, lw, o, y);
}

static int q_dw_pad_simd(const QRun *run, const uint8_t *x, uint8_t *pu) {
    (void)run, (void)x, (void)pu;
    return 0;
}

static void q_tile_simd(const QRun *run, int grp, const uint8_t *rows, long ld, int n, int before, const int32_t *colsum,
                        int r0, int r1, uint8_t *y, long ldy, char *scratch) {
    (void)scratch, (void)before;
    q_tile_scalar(run->c, grp, rows, ld, n, colsum, r0, r1, y, ldy);
}
#else

#define TQ512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni"))) static
#define TQ256 __attribute__((target("avx2,fma"))) static
#define TQVNNI __attribute__((target("avx2,fma,avxvnni"))) static

// Scalar fill of one k-group of a packed panel (rows past k and pixels past the tile are 0): `width` pixels of
// `group` rows each, element size `size` bytes (1: uint8 quads, 2: int16 pairs).
static void q_pack_edge(const uint8_t *rows, long ld, int k, int kk, int j0, int cols, int width, int group,
                        uint8_t flip, void *dst, int size) {
    for (int q = 0; q < width; q++) {
        for (int t = 0; t < group; t++) {
            int row = kk + t;
            uint8_t v = (row < k && q < cols) ? (uint8_t)(rows[row * ld + j0 + q] ^ flip) : 0;
            if (size == 1) ((uint8_t *)dst)[q * group + t] = v;
            else ((int16_t *)dst)[q * group + t] = v;
        }
    }
}

// Rows a, b, c, e (16 pixels each) as 16 quads (pixel i: a[i], b[i], c[i], e[i]) at o, 64 bytes.
static inline void q_store_quads(__m128i a, __m128i b, __m128i c, __m128i e, uint8_t *o) {
    const __m128i ab0 = _mm_unpacklo_epi8(a, b), ab1 = _mm_unpackhi_epi8(a, b);
    const __m128i ce0 = _mm_unpacklo_epi8(c, e), ce1 = _mm_unpackhi_epi8(c, e);
    __m128i *q = (__m128i *)o;
    _mm_storeu_si128(q, _mm_unpacklo_epi16(ab0, ce0));
    _mm_storeu_si128(q + 1, _mm_unpackhi_epi16(ab0, ce0));
    _mm_storeu_si128(q + 2, _mm_unpacklo_epi16(ab1, ce1));
    _mm_storeu_si128(q + 3, _mm_unpackhi_epi16(ab1, ce1));
}

// One quad of rows (kk … kk + 3, all < k) of a panel with cols < 32 pixels, where the 16 bytes before each row's end are
// readable (n + bytes readable before the row ≥ 16): a half's w < 16 pixels are loaded as the 16 bytes ending at the
// tile's last pixel and shifted down by pshufb (never a byte past the tile), the missing pixels 0 — the bytes of
// q_pack_edge, which took a byte at a time (on a 7×7 map the second of two panels is such an edge for every k, as is a
// 14×14 map's last tile of 4 pixels: most of the packing time). SSSE3: run only at the VNNI levels.
__attribute__((target("ssse3"))) static void q_pack_quad_partial(const uint8_t *rows, long ld, int kk, int j0,
                                                                  int cols, uint8_t flip, uint8_t *d) {
    const __m128i fl = _mm_set1_epi8((char)flip);
    const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int h = 0; h < Q8_NR; h += 16) {
        const int w = cols - h;
        // pshufb: lane i < w takes byte 16 − w + i of the load, the others (high bit set) 0.
        const __m128i keep = _mm_cmplt_epi8(iota, _mm_set1_epi8((char)(w < 0 ? 0 : w)));
        const __m128i idx = _mm_or_si128(_mm_add_epi8(iota, _mm_set1_epi8((char)(16 - w))),
                                         _mm_andnot_si128(keep, _mm_set1_epi8((char)0x80)));
        __m128i v[4];
        for (int t = 0; t < 4; t++) {
            const uint8_t *s = rows + (long)(kk + t) * ld + j0 + h;
            if (w >= 16) v[t] = _mm_xor_si128(_mm_loadu_si128((const __m128i *)s), fl);
            else if (w <= 0) v[t] = _mm_setzero_si128();
            else v[t] = _mm_shuffle_epi8(_mm_xor_si128(_mm_loadu_si128((const __m128i *)(s + w - 16)), fl), idx);
        }
        q_store_quads(v[0], v[1], v[2], v[3], d + h * 4);
    }
}

// VNNI layout: panels of 32 pixels, each [kp4 / 4][32][4] bytes (4 consecutive k of one pixel per int32 lane).
// `before`: bytes readable before each row (a panel of the last few pixels then loads 16 bytes ending at its last).
static void q_pack_b8(const uint8_t *rows, long ld, int k, int n, int before, uint8_t flip, uint8_t *dst) {
    const int kp4 = q_round_up(k, 4);
    const __m128i fl = _mm_set1_epi8((char)flip);
    for (int j0 = 0; j0 < n; j0 += Q8_NR) {
        uint8_t *panel = dst + (size_t)(j0 / Q8_NR) * kp4 * Q8_NR;
        const int cols = q_min(Q8_NR, n - j0);
        for (int kk = 0; kk < kp4; kk += 4) {
            uint8_t *d = panel + (size_t)kk * Q8_NR;
            if (kk + 4 > k || (cols < Q8_NR && n + before < 16)) {
                q_pack_edge(rows, ld, k, kk, j0, cols, Q8_NR, 4, flip, d, 1);
                continue;
            }
            if (cols < Q8_NR) {
                q_pack_quad_partial(rows, ld, kk, j0, cols, flip, d);
                continue;
            }
            for (int h = 0; h < Q8_NR; h += 16) {
                const uint8_t *s = rows + kk * ld + j0 + h;
                __m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)s), fl);
                __m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(s + ld)), fl);
                __m128i c = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(s + 2 * ld)), fl);
                __m128i e = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(s + 3 * ld)), fl);
                q_store_quads(a, b, c, e, d + h * 4);
            }
        }
    }
}

// Requantises 16 int32 sums (everything added but the multiplier) and stores `cols` bytes.
TQ512 inline __m512i q_requant16(const vk_qconv *c, __m512i acc, float mult) {
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_set1_ps(mult));
    v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(c->flo)), _mm512_set1_ps(c->fhi));
    return _mm512_add_epi32(_mm512_cvtps_epi32(v), _mm512_set1_epi32(c->d.out_zero));
}

TQ512 inline void q_out16(const vk_qconv *c, __m512i acc, float mult, uint8_t *dst, int cols) {
    const __m512i q = q_requant16(c, acc, mult);
    __mmask16 mask = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    _mm_mask_storeu_epi8(dst, mask, _mm512_cvtepi32_epi8(q));
}

// Requantises 16 int32 sums of output channel o (pixels j..j+15 of the tile) and stores `cols` bytes.
TQ512 inline void q_store16(const vk_qconv *c, int o, __m512i acc, const int32_t *colsum, uint8_t *dst, int cols) {
    acc = _mm512_add_epi32(acc, _mm512_set1_epi32(c->row_term[o]));
    if (c->any_wzero) {
        __m512i cs = _mm512_loadu_si512(colsum);
        acc = _mm512_sub_epi32(acc, _mm512_mullo_epi32(_mm512_set1_epi32(c->w_zero[o]), cs));
    }
    q_out16(c, acc, c->mult[o], dst, cols);
}

// 8 rows (packed weights pa) × one 32-pixel panel pb, `rows` and `cols` of them stored.
TQ512 void q_kernel_vnni(const vk_qconv *c, int o0, const int8_t *pa, const uint8_t *pb, int rows, int cols,
                         const int32_t *colsum, uint8_t *y, long ldy) {
    __m512i acc[Q8_MR][2];
    for (int r = 0; r < Q8_MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
    const int steps = c->kp4 / 4;
    const int32_t *a = (const int32_t *)pa;
    for (int s = 0; s < steps; s++, a += Q8_MR, pb += 4 * Q8_NR) {
        __m512i b0 = _mm512_loadu_si512(pb), b1 = _mm512_loadu_si512(pb + 64);
        for (int r = 0; r < Q8_MR; r++) {
            __m512i av = _mm512_set1_epi32(a[r]);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], b0, av);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], b1, av);
        }
    }
    for (int r = 0; r < rows; r++) {
        q_store16(c, o0 + r, acc[r][0], colsum, y + r * ldy, cols);
        if (cols > 16) q_store16(c, o0 + r, acc[r][1], colsum + 16, y + r * ldy + 16, cols - 16);
    }
}

static void q_gemm_vnni(const vk_qconv *c, int grp, const uint8_t *pb, int n, const int32_t *colsum, int r0, int r1,
                        uint8_t *y, long ldy) {
    const int8_t *wa = c->w8 + (size_t)grp * c->mp8 * c->kp4;
    for (int j0 = 0; j0 < n; j0 += Q8_NR) {
        const uint8_t *panel = pb + (size_t)(j0 / Q8_NR) * c->kp4 * Q8_NR;
        for (int rb = r0; rb < r1; rb += Q8_MR) {
            q_kernel_vnni(c, grp * c->d.m + rb, wa + (size_t)rb * c->kp4, panel, q_min(Q8_MR, r1 - rb),
                          q_min(Q8_NR, n - j0), colsum + j0, y + (long)rb * ldy + j0, ldy);
        }
    }
}

// AVX2 layout: panels of 16 pixels, each [kp2 / 2][16][2] int16 (2 consecutive k of one pixel per int32 lane).
TQ256 void q_pack_b16(const uint8_t *rows, long ld, int k, int n, uint8_t flip, int16_t *dst) {
    const int kp2 = q_round_up(k, 2);
    const __m128i fl = _mm_set1_epi8((char)flip);
    for (int j0 = 0; j0 < n; j0 += Q16_NR) {
        int16_t *panel = dst + (size_t)(j0 / Q16_NR) * kp2 * Q16_NR;
        const int cols = q_min(Q16_NR, n - j0);
        for (int kk = 0; kk < kp2; kk += 2) {
            int16_t *d = panel + (size_t)kk * Q16_NR;
            if (cols < Q16_NR || kk + 2 > k) {
                q_pack_edge(rows, ld, k, kk, j0, cols, Q16_NR, 2, flip, d, 2);
                continue;
            }
            const uint8_t *s = rows + kk * ld + j0;
            __m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)s), fl);
            __m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(s + ld)), fl);
            _mm256_storeu_si256((__m256i *)d, _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(a, b)));
            _mm256_storeu_si256((__m256i *)(d + 16), _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(a, b)));
        }
    }
}

// Requantises 8 int32 sums (everything added but the multiplier) and stores `cols` bytes.
TQ256 inline void q_out8(const vk_qconv *c, __m256i acc, float mult, uint8_t *dst, int cols) {
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_set1_ps(mult));
    v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(c->flo)), _mm256_set1_ps(c->fhi));
    __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), _mm256_set1_epi32(c->d.out_zero));
    __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    __m128i b8 = c->d.out_signed ? _mm_packs_epi16(w16, w16) : _mm_packus_epi16(w16, w16);
    if (cols >= 8) {
        _mm_storel_epi64((__m128i *)dst, b8);
    } else {
        uint8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, b8);
        memcpy(dst, tmp, (size_t)cols);
    }
}

TQ256 inline void q_store8(const vk_qconv *c, int o, __m256i acc, const int32_t *colsum, uint8_t *dst, int cols) {
    acc = _mm256_add_epi32(acc, _mm256_set1_epi32(c->row_term[o]));
    if (c->any_wzero) {
        __m256i cs = _mm256_loadu_si256((const __m256i *)colsum);
        acc = _mm256_sub_epi32(acc, _mm256_mullo_epi32(_mm256_set1_epi32(c->w_zero[o]), cs));
    }
    q_out8(c, acc, c->mult[o], dst, cols);
}

// 4 rows × one 16-pixel panel: vpmaddwd of zero-extended activations and int16 weights (exact).
TQ256 void q_kernel_avx2(const vk_qconv *c, int o0, const int16_t *pa, const int16_t *pb, int rows, int cols,
                         const int32_t *colsum, uint8_t *y, long ldy) {
    __m256i acc[Q16_MR][2];
    for (int r = 0; r < Q16_MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    const int steps = c->kp2 / 2;
    const int32_t *a = (const int32_t *)pa;
    for (int s = 0; s < steps; s++, a += Q16_MR, pb += 2 * Q16_NR) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *)pb), b1 = _mm256_loadu_si256((const __m256i *)(pb + 16));
        for (int r = 0; r < Q16_MR; r++) {
            __m256i av = _mm256_set1_epi32(a[r]);
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(b0, av));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(b1, av));
        }
    }
    for (int r = 0; r < rows; r++) {
        q_store8(c, o0 + r, acc[r][0], colsum, y + r * ldy, cols);
        if (cols > 8) q_store8(c, o0 + r, acc[r][1], colsum + 8, y + r * ldy + 8, cols - 8);
    }
}

static void q_gemm_avx2(const vk_qconv *c, int grp, const int16_t *pb, int n, const int32_t *colsum, int r0, int r1,
                        uint8_t *y, long ldy) {
    const int16_t *wa = c->w16 + (size_t)grp * c->mp4 * c->kp2;
    for (int j0 = 0; j0 < n; j0 += Q16_NR) {
        const int16_t *panel = pb + (size_t)(j0 / Q16_NR) * c->kp2 * Q16_NR;
        for (int rb = r0; rb < r1; rb += Q16_MR) {
            q_kernel_avx2(c, grp * c->d.m + rb, wa + (size_t)rb * c->kp2, panel, q_min(Q16_MR, r1 - rb),
                          q_min(Q16_NR, n - j0), colsum + j0, y + (long)rb * ldy + j0, ldy);
        }
    }
}

// AVX-VNNI: the layouts of level 2 (weights in 8-row blocks [block][step][8][4], 32-pixel panels of quads) in ymm
// vectors of 8 int32 lanes: QV_MR = 6 rows × 16 pixels, 12 accumulators (two pixel vectors and a broadcast weight
// make 15 of the 16 ymm registers). vpdpbusd is latency-bound with few chains: a C loop of ymm vpdpbusd alone on
// this session's Xeon (family 6 model 207) ran 2.35 G/s with 4 independent accumulators, 4.7 with 8, 5.9 with 12;
// the 4-row × 16-pixel kernel (8 accumulators) this replaced ran a 3×3 64 → 64 convolution on 40 × 40 at 114 GMAC/s,
// this one at 140 (one thread, loaded machine). vpdpbusd sums 4 u8 × s8 products into int32 exactly, as on level 2.
// The rows may straddle two 8-row blocks: each row has its own pointer (q_vnni_row).
#define QV_MR 6

// Row `row`'s weights of step 0 in a layout of 8-row blocks of `steps` steps (8 int32 per step).
static inline const int32_t *q_vnni_row(const int8_t *w, int steps, int row) {
    return (const int32_t *)(w + (size_t)(row / Q8_MR) * steps * 32) + row % Q8_MR;
}

// Rows rb … rb + 5 (capped at rows: the missing ones repeat the last, computed and not stored) of the weights w.
static inline void q_vnni_rows(const int8_t *w, int steps, int rb, int rows, const int32_t **a) {
    for (int r = 0; r < QV_MR; r++) a[r] = q_vnni_row(w, steps, rb + q_min(r, rows - 1));
}

// 6 rows (a[r]: row r's weights of step 0) × 16 pixels (pb: their quads of step 0 in a panel, 128 bytes per step),
// `rows` and `cols` of them stored at y (output channels o0 …).
TQVNNI void q_kernel_avxvnni(const vk_qconv *c, int o0, const int32_t *const *a, const uint8_t *pb, int rows,
                             int cols, const int32_t *colsum, uint8_t *y, long ldy) {
    __m256i acc[QV_MR][2];
    for (int r = 0; r < QV_MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    const long steps = c->kp4 / 4;
    for (long s = 0; s < steps; s++, pb += 4 * Q8_NR) {
        const __m256i b0 = _mm256_loadu_si256((const __m256i *)pb);
        const __m256i b1 = _mm256_loadu_si256((const __m256i *)(pb + 32));
        for (int r = 0; r < QV_MR; r++) {
            const __m256i av = _mm256_set1_epi32(a[r][Q8_MR * s]);
            acc[r][0] = _mm256_dpbusd_avx_epi32(acc[r][0], b0, av);
            acc[r][1] = _mm256_dpbusd_avx_epi32(acc[r][1], b1, av);
        }
    }
    for (int r = 0; r < rows; r++) {
        q_store8(c, o0 + r, acc[r][0], colsum, y + r * ldy, cols);
        if (cols > 8) q_store8(c, o0 + r, acc[r][1], colsum + 8, y + r * ldy + 8, cols - 8);
    }
}

static void q_gemm_avxvnni(const vk_qconv *c, int grp, const uint8_t *pb, int n, const int32_t *colsum, int r0,
                           int r1, uint8_t *y, long ldy) {
    const int8_t *wa = c->w8 + (size_t)grp * c->mp8 * c->kp4;
    for (int j0 = 0; j0 < n; j0 += Q8_NR) {
        const uint8_t *panel = pb + (size_t)(j0 / Q8_NR) * c->kp4 * Q8_NR;
        for (int rb = r0; rb < r1; rb += QV_MR) {
            const int rows = q_min(QV_MR, r1 - rb);
            const int32_t *a[QV_MR];
            q_vnni_rows(wa, c->kp4 / 4, rb, rows, a);
            for (int h = 0; h < Q8_NR && j0 + h < n; h += 16) {
                q_kernel_avxvnni(c, grp * c->d.m + rb, a, panel + 4 * h, rows, q_min(16, n - j0 - h), colsum + j0 + h,
                                 y + (long)rb * ldy + j0 + h, ldy);
            }
        }
    }
}

// ---- implicit GEMM (level 2) ----

// d[4i + j] = src[j][at + step·i] ^ flip for i < n, j < 4 (a NULL source gives the zero point zx): 4 channels
// interleaved into quads; SSE2 for 16 pixels at a time (step 1 or 2), the same bytes as the scalar tail.
static void q_interleave4(const uint8_t *const *src, long at, int n, int step, uint8_t flip, uint8_t zx, uint8_t *d) {
    int i = 0;
    if (step <= 2) {
        const __m128i fl = _mm_set1_epi8((char)flip), even = _mm_set1_epi16(0x00FF), z = _mm_set1_epi8((char)zx);
        // Step 2 reads src[at + 2i … 2i + 31]: i + 16 < n keeps that before the last byte read, at + 2(n − 1).
        for (; step == 1 ? i + 16 <= n : i + 16 < n; i += 16) {
            __m128i v[4];
            for (int j = 0; j < 4; j++) {
                if (!src[j]) {
                    v[j] = z;
                    continue;
                }
                const uint8_t *p = src[j] + at + (long)step * i;
                v[j] = _mm_loadu_si128((const __m128i *)p);
                if (step == 2) {
                    const __m128i hi = _mm_and_si128(_mm_loadu_si128((const __m128i *)(p + 16)), even);
                    v[j] = _mm_packus_epi16(_mm_and_si128(v[j], even), hi);
                }
                v[j] = _mm_xor_si128(v[j], fl);
            }
            const __m128i ab0 = _mm_unpacklo_epi8(v[0], v[1]), ab1 = _mm_unpackhi_epi8(v[0], v[1]);
            const __m128i ce0 = _mm_unpacklo_epi8(v[2], v[3]), ce1 = _mm_unpackhi_epi8(v[2], v[3]);
            __m128i *o = (__m128i *)(d + 4 * i);
            _mm_storeu_si128(o, _mm_unpacklo_epi16(ab0, ce0));
            _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(ab0, ce0));
            _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(ab1, ce1));
            _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(ab1, ce1));
        }
    }
    for (; i < n; i++) {
        for (int j = 0; j < 4; j++) d[4 * i + j] = src[j] ? (uint8_t)(src[j][at + (long)step * i] ^ flip) : zx;
    }
}

// One row of phase (py, px): pixels c2 = 0 … wp − 1 of padded row r2·stride + py, columns c2·stride + px.
static void q_implicit_row(const vk_qconv *c, const uint8_t *const *src, int iy, int px, uint8_t *row) {
    const VKConvGeometry *g = &c->d.g;
    const int st = g->stride_w, wp = c->im_wp;
    const uint8_t zx = (uint8_t)c->zx;
    if (iy < 0 || iy >= g->in_h) {
        memset(row, zx, (size_t)wp * 4);
        return;
    }
    // ix = c2·st + px − pad_left within 0 … in_w − 1 for c2 in [lo, hi).
    const int first = g->pad_left - px;
    const int lo = q_min(wp, first > 0 ? (first + st - 1) / st : 0);
    const int last = g->in_w - 1 + g->pad_left - px;
    const int hi = q_max(lo, q_min(wp, last < 0 ? 0 : last / st + 1));
    memset(row, zx, (size_t)lo * 4);
    q_interleave4(src, (long)iy * g->in_w + (long)lo * st + px - g->pad_left, hi - lo, st, c->flip, zx, row + 4 * lo);
    memset(row + 4 * hi, zx, (size_t)(wp - hi) * 4);
}

// One band of rows (the same rows of every phase) of one channel quad of one batch item into its padded phase planes
// (unsigned domain; channels past the input hold the zero point, their weights are 0).
static void q_implicit_plane(const QRun *run, long item) {
    const vk_qconv *c = run->c;
    const VKConvGeometry *g = &c->d.g;
    const int band = (int)(item % run->im_bands);
    item /= run->im_bands;
    const int b = (int)(item / c->im_cq), q = (int)(item % c->im_cq), wp = c->im_wp, st = g->stride_h;
    const int r0 = (int)((long)band * c->im_hp / run->im_bands), r1 = (int)((long)(band + 1) * c->im_hp / run->im_bands);
    uint8_t *dst = run->im_planes + (size_t)item * c->im_plane * 4;
    const uint8_t *src[4];
    for (int j = 0; j < 4; j++) {
        const int ch = 4 * q + j;
        src[j] = ch < g->channels ? run->x + ((size_t)b * g->channels + ch) * g->in_h * g->in_w : NULL;
    }
    for (int ph = 0; ph < st * st; ph++) {
        uint8_t *sub = dst + (size_t)ph * c->im_sub * 4;
        for (int r = r0; r < r1; r++) {
            q_implicit_row(c, src, r * st + ph / st - g->pad_top, ph % st, sub + (size_t)r * wp * 4);
        }
        if (r1 == c->im_hp) {
            memset(sub + (size_t)c->im_hp * wp * 4, (uint8_t)c->zx, (size_t)(c->im_sub - (long)c->im_hp * wp) * 4);
        }
    }
}

// Requantises 16 sums of output channel o and stores the `valid` lanes' bytes, packed, at dst.
TQ512 inline void q_out16_valid(const vk_qconv *c, int o, __m512i acc, __mmask16 valid, uint8_t *dst) {
    acc = _mm512_add_epi32(acc, _mm512_set1_epi32(c->row_term[o]));
    const __m512i q = _mm512_maskz_compress_epi32(valid, q_requant16(c, acc, c->mult[o]));
    const int n = __builtin_popcount(valid);
    _mm_mask_storeu_epi8(dst, (__mmask16)((1u << n) - 1), _mm512_cvtepi32_epi8(q));
}

// 8 rows (packed weights pa) × 32 pixels whose quads start at pb (one per tap and channel quad at c->im_off);
// lanes in valid[h] of half h go to y + dst[h] (row stride ldy).
TQ512 void q_kernel_implicit(const vk_qconv *c, int o0, const int8_t *pa, const uint8_t *pb, int rows,
                             const __mmask16 *valid, const long *dst, uint8_t *y, long ldy) {
    __m512i acc[Q8_MR][2];
    for (int r = 0; r < Q8_MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
    const int steps = c->d.g.k_h * c->d.g.k_w * c->im_cq;
    const int32_t *a = (const int32_t *)pa, *off = c->im_off;
    for (int s = 0; s < steps; s++, a += Q8_MR) {
        const uint8_t *b = pb + off[s];
        const __m512i b0 = _mm512_loadu_si512(b), b1 = _mm512_loadu_si512(b + 64);
        for (int r = 0; r < Q8_MR; r++) {
            const __m512i av = _mm512_set1_epi32(a[r]);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], b0, av);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], b1, av);
        }
    }
    for (int r = 0; r < rows; r++) {
        uint8_t *yr = y + (long)(o0 + r) * ldy;
        for (int h = 0; h < 2; h++) {
            if (valid[h]) q_out16_valid(c, o0 + r, acc[r][h], valid[h], yr + dst[h]);
        }
    }
}

// Which of the `parts`·`width` pixels from v0 (padded-row coordinates) are outputs, per part of `width` lanes, and
// where each part's first one goes.
static void q_implicit_lanes(const vk_qconv *c, long v0, int parts, int width, __mmask16 *valid, long *dst) {
    const VKConvGeometry *g = &c->d.g;
    int oy = (int)(v0 / c->im_wp), ox = (int)(v0 % c->im_wp);
    for (int h = 0; h < parts; h++) {
        valid[h] = 0;
        dst[h] = 0;
        for (int i = 0; i < width; i++) {
            if (oy < g->out_h && ox < g->out_w) {
                if (!valid[h]) dst[h] = (long)oy * g->out_w + ox;
                valid[h] |= (__mmask16)(1u << i);
            }
            if (++ox == c->im_wp) ox = 0, oy++;
        }
    }
}

TQ256 void q_out8(const vk_qconv *c, __m256i acc, float mult, uint8_t *dst, int cols);

// Adds row_term to 8 sums of output channel o, requantises them and stores the `valid` lanes' bytes, packed, at dst.
TQ256 inline void q_out8_valid(const vk_qconv *c, int o, __m256i sum, unsigned valid, uint8_t *dst) {
    sum = _mm256_add_epi32(sum, _mm256_set1_epi32(c->row_term[o]));
    if (valid == 0xFF) {
        q_out8(c, sum, c->mult[o], dst, 8);
        return;
    }
    uint8_t tmp[8];
    q_out8(c, sum, c->mult[o], tmp, 8);
    for (int i = 0, k = 0; i < 8; i++) {
        if (valid & (1u << i)) dst[k++] = tmp[i];
    }
}

// Level 1: 4 rows (int16 weights pa, 4 per row and step) × 8 pixels whose quads start at pb; the lanes in `valid`
// go, packed, to y + dst (row stride ldy). Each pixel's quad, zero-extended, times the row's 4 weights by vpmaddwd
// gives two int32 partial sums (exact: no int16 saturation), added pairwise at the end.
TQ256 void q_kernel_implicit_avx2(const vk_qconv *c, int o0, const int16_t *pa, const uint8_t *pb, int rows,
                                  unsigned valid, long dst, uint8_t *y, long ldy) {
    __m256i acc[Q16_MR][2];
    for (int r = 0; r < Q16_MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    const int steps = c->d.g.k_h * c->d.g.k_w * c->im_cq;
    const int64_t *a = (const int64_t *)pa;
    const int32_t *off = c->im_off;
    for (int s = 0; s < steps; s++, a += Q16_MR) {
        const uint8_t *b = pb + off[s];
        const __m256i b0 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)b));
        const __m256i b1 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(b + 16)));
        for (int r = 0; r < Q16_MR; r++) {
            const __m256i av = _mm256_set1_epi64x(a[r]);
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(b0, av));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(b1, av));
        }
    }
    for (int r = 0; r < rows; r++) {
        // hadd: lanes p0 p1 p4 p5 | p2 p3 p6 p7; the permute puts pixels 0…7 in order.
        const __m256i sum = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[r][0], acc[r][1]), 0xD8);
        q_out8_valid(c, o0 + r, sum, valid, y + (long)(o0 + r) * ldy + dst);
    }
}

// AVX-VNNI: 6 rows (a[r]: row r's weights of step 0 in im_w) × 16 pixels whose quads start at pb, as q_kernel_avxvnni;
// lanes in valid[h] of the 8-pixel part h go, packed, to y + dst[h].
TQVNNI void q_kernel_implicit_avxvnni(const vk_qconv *c, int o0, const int32_t *const *a, const uint8_t *pb, int rows,
                                     const __mmask16 *valid, const long *dst, uint8_t *y, long ldy) {
    __m256i acc[QV_MR][2];
    for (int r = 0; r < QV_MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    const long steps = c->d.g.k_h * c->d.g.k_w * c->im_cq;
    const int32_t *off = c->im_off;
    for (long s = 0; s < steps; s++) {
        const uint8_t *b = pb + off[s];
        const __m256i b0 = _mm256_loadu_si256((const __m256i *)b), b1 = _mm256_loadu_si256((const __m256i *)(b + 32));
        for (int r = 0; r < QV_MR; r++) {
            const __m256i av = _mm256_set1_epi32(a[r][Q8_MR * s]);
            acc[r][0] = _mm256_dpbusd_avx_epi32(acc[r][0], b0, av);
            acc[r][1] = _mm256_dpbusd_avx_epi32(acc[r][1], b1, av);
        }
    }
    for (int r = 0; r < rows; r++) {
        uint8_t *yr = y + (long)(o0 + r) * ldy;
        for (int h = 0; h < 2; h++) {
            if (valid[h]) q_out8_valid(c, o0 + r, acc[r][h], valid[h], yr + dst[h]);
        }
    }
}

// The AVX-VNNI part of one block of 32 pixels (q_implicit_item): two halves of 16, the rows in sixes.
static void q_implicit_block_avxvnni(const vk_qconv *c, const uint8_t *pb, long v0, int r0, int r1, uint8_t *y,
                                     long ldy) {
    const int steps = c->d.g.k_h * c->d.g.k_w * c->im_cq;
    __mmask16 valid[4];
    long dst[4];
    q_implicit_lanes(c, v0, 4, 8, valid, dst);
    for (int rb = r0; rb < r1; rb += QV_MR) {
        const int rows = q_min(QV_MR, r1 - rb);
        const int32_t *a[QV_MR];
        q_vnni_rows(c->im_w, steps, rb, rows, a);
        for (int h = 0; h < 2; h++) {
            if (valid[2 * h] || valid[2 * h + 1]) {
                q_kernel_implicit_avxvnni(c, rb, a, pb + 64 * h, rows, valid + 2 * h, dst + 2 * h, y, ldy);
            }
        }
    }
}

// How many outputs come before padded-row position v (outputs are the positions with column < out_w).
static long q_implicit_outputs_before(const vk_qconv *c, long v) {
    const VKConvGeometry *g = &c->d.g;
    const long before = (v / c->im_wp) * g->out_w + q_min((int)(v % c->im_wp), g->out_w);
    return before < (long)g->out_h * g->out_w ? before : (long)g->out_h * g->out_w;
}

// One item: im_bpi pixel blocks of one batch item × one chunk of rb_rows output channels.
static void q_implicit_item(const QRun *run, long item) {
    const vk_qconv *c = run->c;
    const VKConvGeometry *g = &c->d.g;
    const int rc = (int)(item % run->row_blocks);
    const long rest = item / run->row_blocks;
    const int chunk = (int)(rest % run->im_chunks), b = (int)(rest / run->im_chunks);
    const int r0 = rc * run->rb_rows, r1 = q_min(c->d.m, r0 + run->rb_rows);
    const long out_hw = (long)g->out_h * g->out_w;
    const uint8_t *planes = run->im_planes + (size_t)b * c->im_cq * c->im_plane * 4;
    uint8_t *y = run->y + (size_t)b * c->d.m * out_hw;
    const int steps = g->k_h * g->k_w * c->im_cq;
    const int blk1 = q_min(run->im_blocks, (chunk + 1) * run->im_bpi);
    for (int blk = chunk * run->im_bpi; blk < blk1; blk++) {
        const uint8_t *pb = planes + (size_t)blk * Q8_NR * 4;
        if (run->avxvnni) {
            q_implicit_block_avxvnni(c, pb, (long)blk * Q8_NR, r0, r1, y, out_hw);
            continue;
        }
        __mmask16 valid[4];
        long dst[4];
        if (run->level >= 2) {
            q_implicit_lanes(c, (long)blk * Q8_NR, 2, 16, valid, dst);
            for (int rb = r0; rb < r1; rb += Q8_MR) {
                q_kernel_implicit(c, rb, c->im_w + (size_t)rb * steps * 4, pb, q_min(Q8_MR, r1 - rb), valid, dst, y,
                                  out_hw);
            }
            continue;
        }
        q_implicit_lanes(c, (long)blk * Q8_NR, 4, 8, valid, dst);
        for (int part = 0; part < 4; part++) {
            if (!valid[part]) continue;
            for (int rb = r0; rb < r1; rb += Q16_MR) {
                q_kernel_implicit_avx2(c, rb, c->im_w16 + (size_t)rb * steps * 4, pb + 32 * part,
                                       q_min(Q16_MR, r1 - rb), (unsigned)valid[part], dst[part], y, out_hw);
            }
        }
    }
    // The blocks' outputs: one run of each row, from the first output at or after the first block's position.
    const long o0 = q_implicit_outputs_before(c, (long)chunk * run->im_bpi * Q8_NR);
    const long o1 = q_implicit_outputs_before(c, (long)blk1 * Q8_NR);
    q_lookup_rows(c, y + (size_t)r0 * out_hw + o0, r1 - r0, o1 - o0, out_hw);
}

static void q_implicit_worker(void *ctx, int worker) {
    (void)worker;
    QRun *run = ctx;
    for (;;) {
        long i = run->pool ? vk_pool_next(run->pool) : run->next_serial++;
        if (i >= run->items) return;
        if (run->phase == 0) q_implicit_plane(run, i);
        else q_implicit_item(run, i);
    }
}

// Fills the planes (in parallel: items of channel quads, split into bands of rows until there are about eight per
// thread, so that a stem's one quad is not one worker's), then the GEMM: items of up to 8 blocks of 32 pixels,
// fewer (and the output channels split) until there are about eight items per thread. Claimed dynamically, eight
// items per thread keep the last one's wait short when a helper starts late.
static void q_implicit_run(QRun *run, int threads) {
    const vk_qconv *c = run->c;
    const VKConvGeometry *g = &c->d.g;
    vk_pool *pool = run->pool;
    const long want = threads > 1 ? 8L * threads : 1;
    run->im_planes = (uint8_t *)q_scratch_slot(1, (size_t)run->batch * c->im_cq * c->im_plane * 4 + 64);
    run->phase = 0;
    const long quads = (long)run->batch * c->im_cq;
    run->im_bands = quads >= want ? 1 : q_min(c->im_hp, (int)((want + quads - 1) / quads));
    run->items = quads * run->im_bands;
    q_dispatch(run, pool, threads, q_implicit_worker);
    const long pixels = (long)(g->out_h - 1) * c->im_wp + g->out_w;
    run->im_blocks = (int)((pixels + Q8_NR - 1) / Q8_NR);
    run->im_bpi = (int)q_max(1, q_min(8, (int)(run->batch * (long)run->im_blocks / want)));
    run->im_chunks = (run->im_blocks + run->im_bpi - 1) / run->im_bpi;
    const long items = (long)run->batch * run->im_chunks;
    const int blocks = c->mp8 / Q8_MR;
    const int split = items >= want ? 1 : q_min(blocks, (int)((want + items - 1) / items));
    run->rb_rows = q_round_up((c->d.m + split - 1) / split, Q8_MR);
    run->row_blocks = (c->d.m + run->rb_rows - 1) / run->rb_rows;
    run->phase = 1;
    run->items = items * run->row_blocks;
    q_dispatch(run, pool, threads, q_implicit_worker);
}

// ---- native depthwise, SIMD levels ----

// AVX-512 VNNI + VBMI: 16 output pixels per vector, two output rows at a time (they share k_h − stride_h input
// rows). For each input row and group of 4 taps, one vpermb gathers the 16 pixels' 4 input bytes (byte 4i + t =
// input byte stride·i + t) and vpdpbusd adds them times the taps into the rows that use that input row.
// kh, kw4 and sh are compile-time constants in the common shapes' copies (q_dw_vnni), so the tap loops unroll.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi"), always_inline)) static inline void
q_dw_vnni_body(const vk_qconv *c, const uint8_t *pu, long lw, int o, uint8_t *y, int kh, int kw4, int sh) {
    const VKConvGeometry *g = &c->d.g;
    const int sw = g->stride_w;
    const int32_t *w = c->dw_w4 + (size_t)o * kh * kw4;
    // vpermb index: byte 4i + t = input byte sw·i + t (lane i holds sw·i·0x01010101 + 0x03020100, no carries: ≤ 33).
    const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i idx = _mm512_add_epi32(_mm512_mullo_epi32(lanes, _mm512_set1_epi32(sw * 0x01010101)),
                                         _mm512_set1_epi32(0x03020100));
    const __m512i term = _mm512_set1_epi32(c->row_term[o]);
    const float mult = c->mult[o];
    for (int oy = 0; oy < g->out_h; oy += 2) {
        const int two = oy + 1 < g->out_h, rows = two ? kh + sh : kh;
        const uint8_t *top = pu + (long)oy * sh * lw;
        uint8_t *y0 = y + (long)oy * g->out_w;
        for (int j = 0; j < g->out_w; j += 16) {
            __m512i a0 = term, a1 = term;
            for (int r = 0; r < rows; r++) {
                const uint8_t *row = top + r * lw + (long)j * sw;
                for (int q = 0; q < kw4; q++) {
                    const __m512i v = _mm512_permutexvar_epi8(idx, _mm512_loadu_si512(row + 4 * q));
                    if (r < kh) a0 = _mm512_dpbusd_epi32(a0, v, _mm512_set1_epi32(w[r * kw4 + q]));
                    if (r >= sh) a1 = _mm512_dpbusd_epi32(a1, v, _mm512_set1_epi32(w[(r - sh) * kw4 + q]));
                }
            }
            const int cols = q_min(16, g->out_w - j);
            q_out16(c, a0, mult, y0 + j, cols);
            if (two) q_out16(c, a1, mult, y0 + g->out_w + j, cols);
        }
    }
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi"))) static void
q_dw_vnni(const vk_qconv *c, const uint8_t *pu, long lw, int o, uint8_t *y) {
    const VKConvGeometry *g = &c->d.g;
    const int kh = g->k_h, kw4 = c->dw_kw4, sh = g->stride_h;
    if (kh == 3 && kw4 == 1 && sh == 1) q_dw_vnni_body(c, pu, lw, o, y, 3, 1, 1);
    else if (kh == 3 && kw4 == 1 && sh == 2) q_dw_vnni_body(c, pu, lw, o, y, 3, 1, 2);
    else if (kh == 5 && kw4 == 2 && sh == 1) q_dw_vnni_body(c, pu, lw, o, y, 5, 2, 1);
    else if (kh == 5 && kw4 == 2 && sh == 2) q_dw_vnni_body(c, pu, lw, o, y, 5, 2, 2);
    else q_dw_vnni_body(c, pu, lw, o, y, kh, kw4, sh);
}

// AVX2, exact: 8 output pixels per vector, two output rows at a time as on VNNI. For each input row and pair of
// taps, pshufb gathers the 8 pixels' 2 input bytes (byte 2i + t = input byte stride·i + t), zero-extended to
// int16, and vpmaddwd multiplies them by the two taps (int16): no int16 saturation, unlike vpmaddubsw.
__attribute__((target("avx2,fma"), always_inline)) static inline void
q_dw_avx2_body(const vk_qconv *c, const uint8_t *pu, long lw, int o, uint8_t *y, int kh, int kw2, int sh) {
    const VKConvGeometry *g = &c->d.g;
    const int sw = g->stride_w;
    const int32_t *w = c->dw_w2 + (size_t)o * kh * kw2;
    uint8_t index[16];
    for (int i = 0; i < 16; i++) index[i] = (uint8_t)((i / 2) * sw + i % 2);
    const __m128i idx = _mm_loadu_si128((const __m128i *)index);
    const __m256i term = _mm256_set1_epi32(c->row_term[o]);
    const float mult = c->mult[o];
    for (int oy = 0; oy < g->out_h; oy += 2) {
        const int two = oy + 1 < g->out_h, rows = two ? kh + sh : kh;
        const uint8_t *top = pu + (long)oy * sh * lw;
        uint8_t *y0 = y + (long)oy * g->out_w;
        for (int j = 0; j < g->out_w; j += 8) {
            __m256i a0 = term, a1 = term;
            for (int r = 0; r < rows; r++) {
                const uint8_t *row = top + r * lw + (long)j * sw;
                for (int p = 0; p < kw2; p++) {
                    const __m128i b = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(row + 2 * p)), idx);
                    const __m256i v = _mm256_cvtepu8_epi16(b);
                    if (r < kh) a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(v, _mm256_set1_epi32(w[r * kw2 + p])));
                    if (r >= sh) a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(v, _mm256_set1_epi32(w[(r - sh) * kw2 + p])));
                }
            }
            const int cols = q_min(8, g->out_w - j);
            q_out8(c, a0, mult, y0 + j, cols);
            if (two) q_out8(c, a1, mult, y0 + g->out_w + j, cols);
        }
    }
}

// As on VNNI: constant kh, kw2 and sh for the common shapes.
TQ256 void q_dw_avx2(const vk_qconv *c, const uint8_t *pu, long lw, int o, uint8_t *y) {
    const VKConvGeometry *g = &c->d.g;
    const int kh = g->k_h, kw2 = c->dw_kw2, sh = g->stride_h;
    if (kh == 3 && kw2 == 2 && sh == 1) q_dw_avx2_body(c, pu, lw, o, y, 3, 2, 1);
    else if (kh == 3 && kw2 == 2 && sh == 2) q_dw_avx2_body(c, pu, lw, o, y, 3, 2, 2);
    else if (kh == 5 && kw2 == 3 && sh == 1) q_dw_avx2_body(c, pu, lw, o, y, 5, 3, 1);
    else if (kh == 5 && kw2 == 3 && sh == 2) q_dw_avx2_body(c, pu, lw, o, y, 5, 3, 2);
    else q_dw_avx2_body(c, pu, lw, o, y, kh, kw2, sh);
}

// AVX-VNNI: as on AVX-512 VNNI with 8 output pixels per ymm. For each input row and group of 4 taps, the 8 pixels'
// 4 input bytes (byte 4i + t = input byte stride·i + t) come from two 16-byte loads (pixels 0–3 from the taps'
// first byte, 4–7 from 4·stride bytes on; each reads at most 23 bytes past it, within the 64 the AVX-512 kernel's
// load reads) and one vpshufb in each 128-bit lane.
__attribute__((target("avx2,fma,avxvnni"), always_inline)) static inline void
q_dw_avxvnni_body(const vk_qconv *c, const uint8_t *pu, long lw, int o, uint8_t *y, int kh, int kw4, int sh) {
    const VKConvGeometry *g = &c->d.g;
    const int sw = g->stride_w;
    const int32_t *w = c->dw_w4 + (size_t)o * kh * kw4;
    uint8_t index[16];
    for (int i = 0; i < 16; i++) index[i] = (uint8_t)((i / 4) * sw + i % 4);
    const __m256i idx = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)index));
    const __m256i term = _mm256_set1_epi32(c->row_term[o]);
    const float mult = c->mult[o];
    for (int oy = 0; oy < g->out_h; oy += 2) {
        const int two = oy + 1 < g->out_h, rows = two ? kh + sh : kh;
        const uint8_t *top = pu + (long)oy * sh * lw;
        uint8_t *y0 = y + (long)oy * g->out_w;
        for (int j = 0; j < g->out_w; j += 8) {
            __m256i a0 = term, a1 = term;
            for (int r = 0; r < rows; r++) {
                const uint8_t *row = top + r * lw + (long)j * sw;
                for (int q = 0; q < kw4; q++) {
                    const uint8_t *s = row + 4 * q;
                    const __m256i v =
                        _mm256_shuffle_epi8(_mm256_loadu2_m128i((const __m128i *)(s + 4 * sw), (const __m128i *)s), idx);
                    if (r < kh) a0 = _mm256_dpbusd_avx_epi32(a0, v, _mm256_set1_epi32(w[r * kw4 + q]));
                    if (r >= sh) a1 = _mm256_dpbusd_avx_epi32(a1, v, _mm256_set1_epi32(w[(r - sh) * kw4 + q]));
                }
            }
            const int cols = q_min(8, g->out_w - j);
            q_out8(c, a0, mult, y0 + j, cols);
            if (two) q_out8(c, a1, mult, y0 + g->out_w + j, cols);
        }
    }
}

// As on VNNI: constant kh, kw4 and sh for the common shapes.
TQVNNI void q_dw_avxvnni(const vk_qconv *c, const uint8_t *pu, long lw, int o, uint8_t *y) {
    const VKConvGeometry *g = &c->d.g;
    const int kh = g->k_h, kw4 = c->dw_kw4, sh = g->stride_h;
    if (kh == 3 && kw4 == 1 && sh == 1) q_dw_avxvnni_body(c, pu, lw, o, y, 3, 1, 1);
    else if (kh == 3 && kw4 == 1 && sh == 2) q_dw_avxvnni_body(c, pu, lw, o, y, 3, 1, 2);
    else if (kh == 5 && kw4 == 2 && sh == 1) q_dw_avxvnni_body(c, pu, lw, o, y, 5, 2, 1);
    else if (kh == 5 && kw4 == 2 && sh == 2) q_dw_avxvnni_body(c, pu, lw, o, y, 5, 2, 2);
    else q_dw_avxvnni_body(c, pu, lw, o, y, kh, kw4, sh);
}

static int q_cpu_vbmi(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v >= 0) return v;
    __builtin_cpu_init();
    v = __builtin_cpu_supports("avx512vbmi");
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    return v;
}

// q_dw_pad for rows of at most 64 bytes at level 2 (AVX-512 BW): one masked load, flip and masked store per row,
// where q_dw_pad's three calls per row were a fifth of the pose detector's run (planes of 7 × 7 to 28 × 28).
// Bytes outside `in` are neither loaded (a masked load does not touch them) nor taken: they are the zero point.
TQ512 int q_dw_pad_512(const vk_qconv *c, const uint8_t *x, uint8_t *pu, int hr, long lw) {
    const VKConvGeometry *g = &c->d.g;
    const int left = q_min(g->pad_left, (int)lw), right = q_max(0, q_min(g->in_w, (int)lw - left));
    const __m512i zx = _mm512_set1_epi8((char)c->zx), fl = _mm512_set1_epi8((char)c->flip);
    const __mmask64 in = right > 0 ? (~0ULL >> (64 - right)) << left : 0;
    const __mmask64 all = lw >= 64 ? ~0ULL : (1ULL << lw) - 1;
    for (int r = 0; r < hr; r++) {
        const int iy = r - g->pad_top;
        __m512i v = zx;
        if (iy >= 0 && iy < g->in_h && in) {
            // The row's byte −left, as an address: only the lanes in `in` (left … left + right − 1) are read.
            const void *s = (const void *)((uintptr_t)(x + (size_t)iy * g->in_w) - (uintptr_t)left);
            v = _mm512_mask_blend_epi8(in, zx, _mm512_xor_si512(_mm512_maskz_loadu_epi8(in, s), fl));
        }
        _mm512_mask_storeu_epi8(pu + (size_t)r * lw, all, v);
    }
    return 1;
}

// q_dw_pad for rows of at most 64 bytes at level 1 (SSSE3, within the AVX2 target), for the same reason: per row up
// to four 16-byte loads, the first moved right by pad_left with pshufb, the bytes outside the input replaced by the
// zero point. Rows are written in order with whole 16-byte stores (bytes stored past a row's end are rewritten by the
// next row; the plane's tail has room for the last row's). A row whose loads would pass the end of the input plane
// takes q_dw_pad's scalar code, so no byte outside the input is read.
TQ256 int q_dw_pad_128(const vk_qconv *c, const uint8_t *x, uint8_t *pu, int hr, long lw) {
    const VKConvGeometry *g = &c->d.g;
    const int left = q_min(g->pad_left, (int)lw), right = q_max(0, q_min(g->in_w, (int)lw - left));
    if (left > 15) return 0;
    const int parts = (int)((lw + 15) / 16);
    const __m128i zx = _mm_set1_epi8((char)c->zx), fl = _mm_set1_epi8((char)c->flip);
    uint8_t bytes[16];
    for (int j = 0; j < 16; j++) bytes[j] = j >= left ? (uint8_t)(j - left) : 0x80;
    const __m128i shift = _mm_loadu_si128((const __m128i *)bytes);
    __m128i keep[4], fill[4];
    for (int h = 0; h < parts; h++) {
        for (int j = 0; j < 16; j++) bytes[j] = 16 * h + j >= left && 16 * h + j < left + right ? 0xFF : 0;
        keep[h] = _mm_loadu_si128((const __m128i *)bytes);
        fill[h] = _mm_andnot_si128(keep[h], zx);
    }
    const uint8_t *end = x + (size_t)g->in_h * g->in_w;
    const long reach = q_max(16, 16 * parts - left);  // bytes read from a row's first input byte on
    for (int r = 0; r < hr; r++) {
        uint8_t *row = pu + (size_t)r * lw;
        const int iy = r - g->pad_top;
        if (iy < 0 || iy >= g->in_h || right == 0) {
            for (int h = 0; h < parts; h++) _mm_storeu_si128((__m128i *)(row + 16 * h), zx);
            continue;
        }
        const uint8_t *s = x + (size_t)iy * g->in_w;
        if (end - s < reach) {
            memset(row, c->zx, (size_t)left);
            q_copy_flip(s, row + left, right, c->flip);
            memset(row + left + right, c->zx, (size_t)(lw - left - right));
        } else {
            const __m128i v = _mm_shuffle_epi8(_mm_xor_si128(_mm_loadu_si128((const __m128i *)s), fl), shift);
            _mm_storeu_si128((__m128i *)row, _mm_or_si128(_mm_and_si128(v, keep[0]), fill[0]));
            for (int h = 1; h < parts; h++) {
                const __m128i w = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(s + 16 * h - left)), fl);
                _mm_storeu_si128((__m128i *)(row + 16 * h), _mm_or_si128(_mm_and_si128(w, keep[h]), fill[h]));
            }
        }
    }
    return 1;
}

static int q_dw_pad_simd(const QRun *run, const uint8_t *x, uint8_t *pu) {
    if (run->dw_lw > 64) return 0;
    if (run->level >= 2) return q_dw_pad_512(run->c, x, pu, run->dw_rows, run->dw_lw);
    return q_dw_pad_128(run->c, x, pu, run->dw_rows, run->dw_lw);
}

// Level 2 needs VBMI too (vpermb); an AVX-512 VNNI CPU without it runs the AVX2 depthwise.
static void q_dw_simd(const QRun *run, const uint8_t *pu, long lw, int o, uint8_t *y) {
    if (run->level >= 2 && q_cpu_vbmi()) q_dw_vnni(run->c, pu, lw, o, y);
    else if (run->avxvnni) q_dw_avxvnni(run->c, pu, lw, o, y);
    else q_dw_avx2(run->c, pu, lw, o, y);
}

static void q_tile_simd(const QRun *run, int grp, const uint8_t *rows, long ld, int n, int before, const int32_t *colsum,
                        int r0, int r1, uint8_t *y, long ldy, char *scratch) {
    const vk_qconv *c = run->c;
    void *pb = (void *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    if (run->level >= 2 || run->avxvnni) {
        q_pack_b8(rows, ld, c->k, n, before, c->flip, pb);
        if (run->avxvnni) q_gemm_avxvnni(c, grp, pb, n, colsum, r0, r1, y, ldy);
        else q_gemm_vnni(c, grp, pb, n, colsum, r0, r1, y, ldy);
    } else {
        q_pack_b16(rows, ld, c->k, n, c->flip, pb);
        q_gemm_avx2(c, grp, pb, n, colsum, r0, r1, y, ldy);
    }
}

#endif

// ---- QuantizeLinear ----

// Values beyond ±2^22 saturate anyway; inside, adding and subtracting 1.5·2^23 rounds half to even (the unit in
// the last place is 1 there) without a call to nearbyintf, which baseline x86-64 cannot inline. No reassociation:
// this file is compiled without fast-math.
#define VQ_QUANTIZE_LOOP(T, LO, HI)                                              \
    do {                                                                         \
        const float magic = 12582912.0f, bound = 4194304.0f, z = (float)zero_point; \
        T *out = (T *)y;                                                         \
        for (long i = 0; i < n; i++) {                                           \
            float t = x[i] / scale;                                              \
            t = t != t ? 0.0f : t;                                               \
            t = t < -bound ? -bound : (t > bound ? bound : t);                   \
            float v = ((t + magic) - magic) + z;                                 \
            v = v < (LO) ? (LO) : (v > (HI) ? (HI) : v);                         \
            out[i] = (T)(int)v;                                                  \
        }                                                                        \
    } while (0)

static void q_quantize_base(const float *x, void *y, long n, float scale, int zero_point, int is_signed) {
    if (is_signed) VQ_QUANTIZE_LOOP(int8_t, -128.0f, 127.0f);
    else VQ_QUANTIZE_LOOP(uint8_t, 0.0f, 255.0f);
}

#ifdef VQ_X86
__attribute__((target("avx2"))) static void q_quantize_avx2(const float *x, void *y, long n, float scale,
                                                             int zero_point, int is_signed) {
    if (is_signed) VQ_QUANTIZE_LOOP(int8_t, -128.0f, 127.0f);
    else VQ_QUANTIZE_LOOP(uint8_t, 0.0f, 255.0f);
}

// The same loop 16 floats at a time (the division dominates; a quarter of a quantised pose detector's glue at AVX2).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))) static void q_quantize_avx512(const float *x, void *y, long n,
                                                                                         float scale, int zero_point,
                                                                                         int is_signed) {
    if (is_signed) VQ_QUANTIZE_LOOP(int8_t, -128.0f, 127.0f);
    else VQ_QUANTIZE_LOOP(uint8_t, 0.0f, 255.0f);
}
#endif

void vk_quantize_f32(const float *x, void *y, long n, float scale, int zero_point, int is_signed) {
#ifdef VQ_X86
    if (vk_isa() >= 2) {
        q_quantize_avx512(x, y, n, scale, zero_point, is_signed);
        return;
    }
    if (vk_isa() >= 1) {
        q_quantize_avx2(x, y, n, scale, zero_point, is_signed);
        return;
    }
#endif
    q_quantize_base(x, y, n, scale, zero_point, is_signed);
}
