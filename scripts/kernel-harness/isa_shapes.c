// The C kernels' AVX2 forms beside their AVX-512 forms, one thread, in one run: vk_conv_implicit (1×1, 3×3
// stride 1 and 2 on the layouts Conv.swift builds) and vk_depthwise (3×3 / 5×5) on shapes of YOLOv8n-320,
// BlazeFace and the pose detector, and SiLU over 204,800 floats. Each repetition times both levels (thread CPU
// time, 5 calls), alternating which goes first; prints the median per level with the spread over repetitions,
// the ratio AVX2 ÷ AVX-512, and whether both levels' outputs agree (sum of outputs). For finding where the AVX2
// path loses per operator shape; model-level figures come from `scripts/bench-isa.sh` and `vigil bench nn`.
// Built and run by scripts/kernel-harness/run.sh (it includes Kernels.c to reach the static kernels).
#include "../../Sources/CInferenceKernels/Kernels.c"
#include <math.h>
#include <stdio.h>
#include <time.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static float *filled(long n) {
    float *p = aligned_alloc(64, (size_t)((n * 4 + 63) / 64) * 64 + 256);
    for (long i = 0; i < n; i++) p[i] = (float)((i * 7919 % 1000) / 1000.0 - 0.5);
    return p;
}

typedef struct { int cin, cout, h, w, k, s, act; } Shape;

// 1: time_conv runs the channel-vectorised kernel (vk_conv_channels, weights packed by vk_pack_at) instead.
static int channels_mode;

// One implicit-GEMM (or channel-vectorised) convolution at `isa`, laid out as Conv.swift lays it out; returns ms
// per call, *sum the outputs' sum.
static double time_conv(Shape sh, int isa, double *sum) {
    vk_set_isa_limit(isa);
    const int pad = sh.k / 2, oh = (sh.h + 2 * pad - sh.k) / sh.s + 1, ow = (sh.w + 2 * pad - sh.k) / sh.s + 1;
    int pitch, rows;
    if (sh.k == 1) { pitch = sh.w; rows = sh.h; }
    else if (sh.s == 2) {
        pitch = (sh.w + pad + 1) / 2 > ow + (sh.k - 1) / 2 ? (sh.w + pad + 1) / 2 : ow + (sh.k - 1) / 2;
        rows = (sh.h + pad + 1) / 2 > oh + (sh.k - 1) / 2 ? (sh.h + pad + 1) / 2 : oh + (sh.k - 1) / 2;
    } else {
        pitch = sh.w + pad > ow + sh.k - 1 ? sh.w + pad : ow + sh.k - 1;
        rows = sh.h + pad > oh + sh.k - 1 ? sh.h + pad : oh + sh.k - 1;
    }
    const int channel = (sh.s == 2 && sh.k > 1 ? 4 : 1) * pitch * rows, K = sh.cin * sh.k * sh.k;
    int *off = malloc((size_t)K * sizeof(int)), p = 0;
    for (int c = 0; c < sh.cin; c++)
        for (int ky = 0; ky < sh.k; ky++)
            for (int kx = 0; kx < sh.k; kx++)
                off[p++] = sh.s == 2 ? c * channel + ((ky & 1) * 2 + (kx & 1)) * pitch * rows + (ky >> 1) * pitch + (kx >> 1)
                                     : c * channel + ky * pitch + kx;
    float *src = filled((long)sh.cin * channel + 64), *w = filled((long)sh.cout * K);
    float *pa = filled((long)vk_packed_a_floats(sh.cout, K)), *bias = filled(sh.cout), *y = filled((long)sh.cout * oh * ow);
    float *pt = filled((long)vk_packed_at_floats(sh.cout, K));
    vk_pack_a(w, K, sh.cout, K, pa);
    vk_pack_at(w, K, sh.cout, K, pt);
    VKEpilogue ep = {bias, {sh.act, 0, 6}, 0, {0, 0, 0}};
    const long virt = (long)(oh - 1) * pitch + ow;
    const int panels = (sh.cout + VK_MT - 1) / VK_MT;
    double t = now_ms();
    for (int i = 0; i < 5; i++) {
        if (channels_mode) vk_conv_channels(sh.cout, K, pt, off, src, pitch, oh, ow, 0, panels, y, (long)oh * ow, &ep);
        else vk_conv_implicit(sh.cout, K, pa, off, src, pitch, ow, 0, virt, y, (long)oh * ow, &ep);
    }
    t = (now_ms() - t) / 5;
    *sum = 0;
    for (long i = 0; i < (long)sh.cout * oh * ow; i++) *sum += y[i];
    free(off); free(src); free(w); free(pa); free(pt); free(bias); free(y);
    return t;
}

// One depthwise convolution (every channel) at `isa`.
static double time_depthwise(Shape sh, int isa, double *sum) {
    vk_set_isa_limit(isa);
    const int pad = sh.k / 2, oh = (sh.h + 2 * pad - sh.k) / sh.s + 1, ow = (sh.w + 2 * pad - sh.k) / sh.s + 1;
    VKConvGeometry g = {1, sh.h, sh.w, oh, ow, sh.k, sh.k, sh.s, sh.s, 1, 1, pad, pad};
    float *x = filled((long)sh.cin * sh.h * sh.w), *w = filled((long)sh.cin * sh.k * sh.k);
    float *y = filled((long)sh.cin * oh * ow), *scratch = filled((long)vk_depthwise_scratch_floats(&g));
    const VKActivation act = {sh.act, 0, 6}, none = {0, 0, 0};
    double t = now_ms();
    for (int i = 0; i < 5; i++)
        for (int c = 0; c < sh.cin; c++)
            vk_depthwise(x + (long)c * sh.h * sh.w, w + c * sh.k * sh.k, 0.1f, y + (long)c * oh * ow, 0, act, none, &g,
                         scratch);
    t = (now_ms() - t) / 5;
    *sum = 0;
    for (long i = 0; i < (long)sh.cin * oh * ow; i++) *sum += y[i];
    free(x); free(w); free(y); free(scratch);
    return t;
}

// MaxPool (vk_maxpool, k×k, pad k/2) on every channel at `isa`.
static double time_maxpool(Shape sh, int isa, double *sum) {
    vk_set_isa_limit(isa);
    const int pad = sh.k / 2, oh = (sh.h + 2 * pad - sh.k) / sh.s + 1, ow = (sh.w + 2 * pad - sh.k) / sh.s + 1;
    VKConvGeometry g = {1, sh.h, sh.w, oh, ow, sh.k, sh.k, sh.s, sh.s, 1, 1, pad, pad};
    float *x = filled((long)sh.cin * sh.h * sh.w), *y = filled((long)sh.cin * oh * ow);
    float *scratch = filled((long)vk_maxpool_scratch_floats(&g));
    double t = now_ms();
    for (int i = 0; i < 5; i++)
        for (int c = 0; c < sh.cin; c++) vk_maxpool(x + (long)c * sh.h * sh.w, y + (long)c * oh * ow, &g, scratch);
    t = (now_ms() - t) / 5;
    *sum = 0;
    for (long i = 0; i < (long)sh.cin * oh * ow; i++) *sum += y[i];
    free(x); free(y); free(scratch);
    return t;
}

// SiLU (vk_activation_to) over sh.cin × sh.h × sh.w floats.
static double time_silu(Shape sh, int isa, double *sum) {
    vk_set_isa_limit(isa);
    const long n = (long)sh.cin * sh.h * sh.w;
    float *x = filled(n), *y = filled(n);
    for (long i = 0; i < n; i++) x[i] = x[i] * 20;
    double t = now_ms();
    for (int i = 0; i < 5; i++) vk_activation_to(x, y, n, (VKActivation){7, 0, 0});
    t = (now_ms() - t) / 5;
    *sum = 0;
    for (long i = 0; i < n; i++) *sum += y[i];
    free(x); free(y);
    return t;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void compare(const char *kind, Shape sh, int reps, double (*run)(Shape, int, double *)) {
    double a[64], b[64], sa = 0, sb = 0;
    for (int r = 0; r < reps; r++) {
        if (r % 2 == 0) { a[r] = run(sh, 2, &sa); b[r] = run(sh, 1, &sb); }
        else { b[r] = run(sh, 1, &sb); a[r] = run(sh, 2, &sa); }
    }
    qsort(a, (size_t)reps, sizeof(double), by_value);
    qsort(b, (size_t)reps, sizeof(double), by_value);
    const double ma = a[reps / 2], mb = b[reps / 2];
    printf("%-9s %4d->%-4d %3dx%-3d k%d s%d act%d: AVX-512 %.4f ms (%.4f…%.4f)  AVX2 %.4f ms (%.4f…%.4f)  "
           "AVX2 ÷ AVX-512 %.3f%s\n", kind, sh.cin, sh.cout, sh.h, sh.w, sh.k, sh.s, sh.act, ma, a[0], a[reps - 1], mb,
           b[0], b[reps - 1], mb / ma, fabs(sa - sb) <= 1e-3 * (1 + fabs(sa)) ? "" : "  OUTPUTS DIFFER");
}

int main(int argc, char **argv) {
    const int reps = argc > 1 && atoi(argv[1]) > 0 && atoi(argv[1]) <= 64 ? atoi(argv[1]) : 9;
    if (vk_cpu_isa() < 2) { fprintf(stderr, "needs an AVX-512 CPU (both levels)\n"); return 1; }
    // Activation kinds: 0 none, 1 relu, 2 clip, 7 silu.
    const Shape conv[] = {
        {32, 32, 80, 80, 1, 1, 7},   {64, 64, 40, 40, 1, 1, 7},    {128, 128, 20, 20, 1, 1, 7},
        {256, 256, 10, 10, 1, 1, 7}, {16, 16, 80, 80, 3, 1, 7},    {32, 32, 40, 40, 3, 1, 7},
        {64, 64, 20, 20, 3, 1, 7},   {3, 16, 320, 320, 3, 2, 7},   {16, 32, 160, 160, 3, 2, 7},  {32, 64, 80, 80, 3, 2, 7},
        {24, 24, 64, 64, 1, 1, 1},   {48, 48, 32, 32, 1, 1, 1},    {96, 96, 16, 16, 1, 1, 1},
        {128, 32, 56, 56, 1, 1, 2},  {1152, 192, 7, 7, 1, 1, 0},   {672, 112, 14, 14, 1, 1, 0},
    };
    const Shape dw[] = {
        {24, 24, 64, 64, 3, 1, 0},   {96, 96, 16, 16, 3, 1, 0},    {24, 24, 64, 64, 3, 2, 0},
        {128, 128, 56, 56, 5, 1, 2}, {256, 256, 14, 14, 5, 1, 2},  {128, 128, 112, 112, 5, 2, 2},
    };
    for (unsigned i = 0; i < sizeof conv / sizeof *conv; i++) compare("implicit", conv[i], reps, time_conv);
    // The shapes Conv.swift gives the channel-vectorised kernel (ConvKernel.channelVectorisedPays): 1×1 on 7×7 and
    // 6×6, 3×3 on 10×10; first the implicit GEMM on them, then vk_conv_channels.
    const Shape small[] = {
        {1152, 192, 7, 7, 1, 1, 0}, {192, 1152, 7, 7, 1, 1, 0}, {128, 128, 6, 6, 1, 1, 1}, {96, 96, 6, 6, 1, 1, 1},
        {128, 128, 10, 10, 3, 1, 7}, {256, 64, 10, 10, 3, 1, 7}, {64, 64, 20, 20, 3, 1, 7},  {64, 128, 40, 40, 3, 2, 7},
        {128, 256, 20, 20, 3, 2, 7},
    };
    for (unsigned i = 0; i < sizeof small / sizeof *small; i++) compare("implicit", small[i], reps, time_conv);
    channels_mode = 1;
    for (unsigned i = 0; i < sizeof small / sizeof *small; i++) compare("channels", small[i], reps, time_conv);
    channels_mode = 0;
    for (unsigned i = 0; i < sizeof dw / sizeof *dw; i++) compare("depthwise", dw[i], reps, time_depthwise);
    compare("maxpool", (Shape){128, 128, 10, 10, 5, 1, 0}, reps, time_maxpool);
    compare("maxpool", (Shape){256, 256, 20, 20, 5, 1, 0}, reps, time_maxpool);
    compare("silu", (Shape){32, 32, 80, 80, 0, 0, 7}, reps, time_silu);
    return 0;
}
