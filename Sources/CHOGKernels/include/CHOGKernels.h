// The per-pixel work of Vigil's HOG people detector (Detection's HOGPeopleDetector and HOGFeatureMap): sampling a
// pyramid level from an RGB24 frame, gradients and orientation bins, the blocks' histograms and L2-Hys
// normalisation, and the linear SVM over every window. Each entry point has a baseline x86-64 (or portable) body,
// an AVX2+FMA one and an AVX-512 one, the widest the CPU supports chosen once at run time (`VIGIL_HOG_ISA=avx2` or
// `none` in the environment caps it); the target is compiled at -O2 even in debug builds. The AVX2 and AVX-512
// bodies give the same bits; the baseline the same features to about 1e-7 (window scores to about 1e-6).
// Everything follows OpenCV 4.6's HOGDescriptor for its default people detector (see HOGFeatureMap's comment).
//
// Thread safety: the functions keep no state but the run-time choice of body (an idempotent cached value);
// calls on disjoint buffers may run concurrently.
#ifndef VIGIL_CHOGKERNELS_H
#define VIGIL_CHOGKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// One image's planes, scratch rows and block features (buffers owned by the caller, with 16 floats of slack).
typedef struct {
    /// Gamma planes R, G, B: pixel (x, y) of plane c at `planes[(c * height + y) * rowStride + 1 + x]`
    /// (one padding value before and after each row, filled by `vigil_hog_compute`).
    float *planes;
    long rowStride;
    int width, height;
    /// Blocks across and down; block row `by` value `k` block `bx` at `features[(by * 36 + k) * planeStride + bx]`.
    int blocksX, blocksY;
    long planeStride;
    /// Scratch: one row each of magnitudes and bins (width rounded up to 16), one row histogram
    /// (`histLength` = blocksX * 18 rounded up to 16), the accumulators (blocksY * 2 * histLength).
    float *magnitude0, *magnitude1;
    int32_t *bin0, *bin1;
    float *rowHistogram, *accumulator;
    long histLength;
    float *features;
} VigilHOGMap;

/// Samples a level of `map->width`×`map->height` from an RGB24 frame: output pixel (x, y) is the bilinear
/// sample (pixel centres aligned, clamped at the edges) at frame position (rx + (x + ½)·sx − ½, ry + (y + ½)·sy − ½),
/// rounded to 8 bits, then √. `x0`, `x1` (int32) and `ax` are scratch of `map->width` values, `row` of
/// 3·frameWidth + 16 floats.
void vigil_hog_sample(VigilHOGMap *map, const uint8_t *rgb, int frameWidth, int frameHeight, long frameStride,
                      float rx, float ry, float sx, float sy, int32_t *x0, int32_t *x1, float *ax, float *row);

/// Every block of the image the planes hold, into `map->features`.
void vigil_hog_compute(VigilHOGMap *map);

/// The SVM on every window of 7×15 blocks: score = bias + Σ weights · features, with `weights` ordered
/// `[block y][value k][block x]`. Writes the windows scoring at least `threshold` (x, y in blocks, and the score)
/// to `hitsX`, `hitsY`, `hitScores` (capacity: windows across × down) in row order and returns their count. `acc`:
/// scratch of two rows of windows across rounded up to 16, plus 16.
int vigil_hog_score(const VigilHOGMap *map, const float *weights, float bias, float threshold, float *acc,
                    int32_t *hitsX, int32_t *hitsY, float *hitScores);

/// The magnitude of (dx, dy) split between its two nearest unsigned orientation bins (centres 10°, 30°, …, 170°).
void vigil_hog_bin(float dx, float dy, float magnitude, float *w0, float *w1, int32_t *h0, int32_t *h1);
/// The direction of (dx, dy) modulo π, in [0, π] (OpenCV's fastAtan2 polynomial).
float vigil_hog_angle(float dx, float dy);
/// OpenCV's normalizeBlockHistogram on n values: v / (‖v‖ + 0.1·n), clipped at 0.2, then v / (‖v‖ + 0.001).
void vigil_hog_l2hys(float *v, int n);
/// Weight of pixel column j (0…15 of a block) for cell 0 and 1 at [2j] and [2j+1] (also serves rows).
void vigil_hog_cell_weights(float out[32]);
/// Which body runs: 2 AVX-512 (F, BW, DQ, VL), 1 AVX2+FMA, 0 baseline.
int vigil_hog_isa(void);
/// The widest body a value of `VIGIL_HOG_ISA` allows: `avx512` (or NULL, i.e. unset) 2, `avx2` and `avxvnni` (an
/// AVX2 CPU with AVX-VNNI: the HOG kernels have no use for it) 1, `none` and `baseline` 0; -1 for any other value.
int vigil_hog_isa_cap_named(const char *name);

/// The three entry points with the body chosen by `isa` (as `vigil_hog_isa`; capped at what the CPU supports,
/// −1 the default body): to compare the bodies.
void vigil_hog_sample_with(int isa, VigilHOGMap *map, const uint8_t *rgb, int frameWidth, int frameHeight,
                           long frameStride, float rx, float ry, float sx, float sy, int32_t *x0, int32_t *x1,
                           float *ax, float *row);
void vigil_hog_compute_with(int isa, VigilHOGMap *map);
int vigil_hog_score_with(int isa, const VigilHOGMap *map, const float *weights, float bias, float threshold,
                         float *acc, int32_t *hitsX, int32_t *hitsY, float *hitScores);

#endif
