// Hand-written float32 kernels of Vigil's tensor engine, chosen at run time by CPU features.
// The library is compiled for baseline x86-64; only functions marked with a target attribute use
// AVX-512 or AVX2+FMA, and they are called only after vk_isa() reported that the CPU and OS support it.
#ifndef C_INFERENCE_KERNELS_H
#define C_INFERENCE_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Rows of a packed weight panel and columns of a packed input panel of the GEMM micro-kernel.
#define VK_MR 8
#define VK_NR 32

/// Caps of the kernels' instruction sets, in order (environment `VIGIL_NN_ISA` at the first call: `none`, `avx2`,
/// `avxvnni`, `avx512`; unset: VK_CAP_AVX512, i.e. the best the CPU has; the vigil command refuses any other value
/// at start-up, the library takes it as unset). A cap names a class
/// of CPU: VK_CAP_AVX2 Haswell-class (AVX2 + FMA), VK_CAP_AVXVNNI AVX2 + AVX-VNNI (Intel N100, Alder Lake and
/// later cores without AVX-512), VK_CAP_AVX512 AVX-512. The float kernels make no use of AVX-VNNI (under
/// VK_CAP_AVXVNNI they run at level 1); the integer kernels do (vk_qlevel).
#define VK_CAP_NONE 0
#define VK_CAP_AVX2 1
#define VK_CAP_AVXVNNI 2
#define VK_CAP_AVX512 3

/// 0: no fast path (use the portable code); 1: AVX2 + FMA; 2: AVX-512F (with OS support for the
/// state). The detected level capped by the cap in force (vk_isa_cap: `none` 0, `avx2` and `avxvnni` 1).
/// Every entry point has an AVX2 form (level 1) and an AVX-512 form (level 2) beside the scalar one.
int vk_isa(void);
/// What the CPU and OS support (0, 1 or 2), ignoring the cap.
int vk_cpu_isa(void);
/// The level vk_isa() chooses for a CPU with these features (non-zero: present) under `limit`: 2 with AVX-512F,
/// 1 with AVX2 and FMA, else 0; at most limit. vk_cpu_isa and vk_isa use it (exposed so that the choice on CPUs
/// other than this one can be tested).
int vk_isa_for(int avx512f, int avx2, int fma, int limit);
/// The cap (VK_CAP_*) a value of `VIGIL_NN_ISA` names (NULL, i.e. unset: VK_CAP_AVX512); -1 for any other value.
/// Exact, lower-case names: `AVX2` or `avx2 ` name no cap.
int vk_isa_cap_named(const char *name);
/// The cap in force (VK_CAP_*).
int vk_isa_cap(void);
/// Sets the cap (VK_CAP_*) for every later call and returns the previous one. For tests: every entry point
/// works at every level, so changing it while kernels run is safe.
int vk_set_isa_cap(int cap);
/// vk_set_isa_cap in float levels: 0 VK_CAP_NONE, 1 VK_CAP_AVX2, 2 VK_CAP_AVX512; returns the float level
/// the previous cap allowed (0, 1 or 2).
int vk_set_isa_limit(int level);

/// Pointwise activation: kind 0 none, 1 relu, 2 clip(a, b), 3 leaky relu(a), 4 hard sigmoid(a, b),
/// 5 hard swish, 6 sigmoid, 7 silu.
typedef struct {
    int kind;
    float a, b;
} VKActivation;

/// What happens to a GEMM result before it is stored: + bias[row], activation, + residual (same
/// layout as the output), post-activation.
typedef struct {
    const float *bias;
    VKActivation activation;
    const float *residual;
    VKActivation post;
} VKEpilogue;

/// Floats of the packed form of an m×k matrix (rows padded to VK_MR).
size_t vk_packed_a_floats(int m, int k);
/// Packs row-major A (m×k, row stride lda) into VK_MR-row panels, k-major inside a panel.
void vk_pack_a(const float *a, int lda, int m, int k, float *dst);
/// Packs rows of B (k×n, row stride ldb) into VK_NR-column panels (zero-padded), k-major inside.
void vk_pack_b(const float *b, long ldb, int k, int n, float *dst);

/// 2-D im2col geometry (1-D: in_h = out_h = k_h = 1).
typedef struct {
    int channels, in_h, in_w, out_h, out_w, k_h, k_w;
    int stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
} VKConvGeometry;

/// im2col of output pixels [p0, p1) of one group (channels planes at src), written directly in the
/// packed-B panel layout of vk_pack_b (k = channels·k_h·k_w rows).
void vk_im2col_pack(const float *src, const VKConvGeometry *g, int p0, int p1, float *dst);

/// C (m×n, row stride ldc) = packed A (m×k) · packed B (k×n), then the epilogue (ep may be NULL;
/// residual, when set, is read with row stride ldc).
void vk_gemm_packed(int m, int n, int k, const float *pa, const float *pb, float *c, long ldc,
                    const VKEpilogue *ep);

/// Implicit GEMM for stride-1 convolutions, no im2col: `src` holds the group's input planes
/// zero-padded to rows of `pitch` floats (plane stride from the offsets), and output pixel (oy, ox) is
/// virtual column v = oy·pitch + ox, whose k-th input value is src[offsets[k] + v]. Computes virtual
/// columns [v0, v1) of all m output channels (packed weights pa, m×k) and stores the columns with
/// ox < out_w at y + row·ldy + oy·out_w + ox after the epilogue (residual read at the same places).
void vk_conv_implicit(int m, int k, const float *pa, const int *offsets, const float *src, int pitch, int out_w,
                      long v0, long v1, float *y, long ldy, const VKEpilogue *ep);

/// Output channels per panel of the channel-vectorised convolution kernel (vk_conv_channels).
#define VK_MT 32
/// Floats of the channel-vectorised packed form of an m×k matrix (rows padded to VK_MT).
size_t vk_packed_at_floats(int m, int k);
/// Packs row-major A (m×k, row stride lda) into VK_MT-row panels, k-major inside (rows zero-padded).
void vk_pack_at(const float *a, int lda, int m, int k, float *dst);
/// The implicit GEMM of vk_conv_implicit (same offsets, zero-padded source and pitch; stride 2 through the
/// parity planes) with the output channels in the vector lanes: output rows r in panels [panel0, panel1) of pt
/// (packed by vk_pack_at), r < m, at y + r·ldy + oy·out_w + ox for the out_h × out_w pixels, then the epilogue
/// (bias[r]; residual read like y). Only real pixels are computed (the implicit GEMM also computes the pitch −
/// out_w padding columns of each row and rounds to 16-lane vectors: 7×7 = 49 pixels take four). Every ISA level:
/// AVX-512 kernel, AVX2 kernel (16-channel halves × 6 pixels), scalar.
void vk_conv_channels(int m, int k, const float *pt, const int *offsets, const float *src, int pitch, int out_h,
                      int out_w, int panel0, int panel1, float *y, long ldy, const VKEpilogue *ep);

/// Copies an in_h×in_w plane into a zeroed ph×pitch plane at (pad_top, pad_left).
void vk_pad_plane(const float *x, int in_h, int in_w, int pad_top, int pad_left, int ph, int pitch, float *dst);

/// Stride-2 form for vk_conv_implicit: the zero-padded plane (padded pixel (py, px) holds input
/// (py - pad_top, px - pad_left)) split into four hh×hw planes by row and column parity, plane
/// (py & 1)·2 + (px & 1) holding it at (py >> 1, px >> 1).
void vk_pad_plane_s2(const float *x, int in_h, int in_w, int pad_top, int pad_left, int hh, int hw, float *dst);

/// Floats of scratch vk_depthwise needs (one zero-padded input plane with slack for wide loads).
size_t vk_depthwise_scratch_floats(const VKConvGeometry *g);
/// One channel of a depthwise convolution: input plane x (in_h×in_w), taps w (k_h×k_w), output plane
/// y (out_h×out_w) = activation(conv + bias), then + residual plane res (may be NULL) and post.
/// Scalar below level 2.
void vk_depthwise(const float *x, const float *w, float bias, float *y, const float *res, VKActivation act,
                  VKActivation post, const VKConvGeometry *g, float *scratch);

/// Floats of scratch vk_depthwise_channels needs (at least vk_depthwise_scratch_floats).
size_t vk_depthwise_channels_scratch_floats(const VKConvGeometry *g);
/// `channels` consecutive channels of a depthwise convolution with multiplier 1 (planes x + c·in_h·in_w, taps
/// w + c·k_h·k_w, bias[c], outputs y + c·out_h·out_w, residual planes res + c·out_h·out_w or NULL), as
/// vk_depthwise on each. At level 2 with 3×3 or 5×5 taps, dilation 1, equal strides 1 or 2 and input planes
/// of at most 64 pixels: 16 channels at a time in the vector lanes (their planes transposed into a zero-padded
/// pixel-major tile in scratch), so that 7×7 and 6×6 planes fill every lane; otherwise channel by channel
/// through vk_depthwise.
void vk_depthwise_channels(const float *x, const float *w, const float *bias, float *y, const float *res,
                           VKActivation act, VKActivation post, const VKConvGeometry *g, int channels,
                           float *scratch);
/// Floats of scratch vk_maxpool needs (one input row padded with −∞ and slack for wide loads).
size_t vk_maxpool_scratch_floats(const VKConvGeometry *g);
/// MaxPool of one plane (padding never wins; NaN inputs are skipped like the portable path).
/// Scalar at level 0.
void vk_maxpool(const float *x, float *y, const VKConvGeometry *g, float *scratch);

/// In-place activation of n floats.
void vk_activation(float *p, long n, VKActivation act);
/// Out of place (x and y may be equal).
void vk_activation_to(const float *x, float *y, long n, VKActivation act);


/// A persistent pool of worker threads for parallel loops (Pool.c). `threads` - 1 helpers are started; the
/// caller is worker 0. Between regions a helper spins for `spin_ns` nanoseconds, then sleeps on a futex.
/// One caller at a time per pool (a session runs one inference at a time).
typedef struct vk_pool vk_pool;
typedef void (*vk_task_fn)(void *ctx, int worker);
vk_pool *vk_pool_create(int threads, long spin_ns);
/// Threads available (helpers started + the caller).
int vk_pool_threads(const vk_pool *pool);
/// Runs fn(ctx, w) for w in 0..<workers (capped at the pool's threads), w = 0 on the calling thread, and
/// returns when all have returned.
void vk_pool_run(vk_pool *pool, int workers, vk_task_fn fn, void *ctx);
/// 0, 1, 2, … across all workers of the current region (counted from 0 at each vk_pool_run): chunks
/// claimed dynamically, so that a worker that lost its core for a while does not hold the region up.
int vk_pool_next(vk_pool *pool);
/// How long idle helpers spin now: the configured time, or 0 after the caller waited more than 300 µs for a
/// helper that was taken off its core (a busy machine), until 256 regions in a row go without such a wait.
long vk_pool_spin_ns(const vk_pool *pool);
/// The spin policy, told how long the caller of one region waited for its helpers (vk_pool_run measures it on
/// CLOCK_MONOTONIC; tests pass virtual waits): more than 300 µs stops the helpers' spinning, 256 regions in a row
/// without such a wait bring it back. Call it only where vk_pool_run could run (one caller at a time).
void vk_pool_note_wait(vk_pool *pool, long waited_ns);
/// Stops and joins the helpers and frees the pool.
void vk_pool_destroy(vk_pool *pool);

/// Peak FMA throughput loop at ISA level 1 (AVX2 + FMA, ymm) or 2 (AVX-512F, zmm): `steps` × 16 (zmm) or 12 (ymm)
/// independent FMAs. Returns the floating-point operations done (2 per lane per FMA), 0 when the CPU lacks the level;
/// `checksum` (may be NULL) receives the accumulators' sum so that nothing is optimised away.
double vk_peak_fma(int level, long steps, double *checksum);
/// A chain of 8·steps dependent integer adds (one cycle each): returns the cycles, for the core clock.
long vk_clock_cycles(long steps);

#ifdef __cplusplus
}
#endif

#include "QKernels.h"
#include "QGlue.h"

#endif
