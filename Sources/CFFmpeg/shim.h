// The one C header Vigil includes for FFmpeg. It re-exports, as functions, the macros Swift cannot import.
#ifndef VIGIL_CFFMPEG_SHIM_H
#define VIGIL_CFFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/dict.h>
#include <libavutil/pixdesc.h>
#include <errno.h>

static inline int vigil_averror(int e) { return AVERROR(e); }
static inline int vigil_averror_eof(void) { return AVERROR_EOF; }
static inline int vigil_averror_exit(void) { return AVERROR_EXIT; }
static inline int vigil_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int vigil_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int64_t vigil_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational vigil_time_base_q(void) { return AV_TIME_BASE_Q; }

/// av_strerror into a caller buffer; returns the buffer.
static inline const char *vigil_strerror(int err, char *buf, size_t size) {
    if (av_strerror(err, buf, size) < 0) {
        snprintf(buf, size, "unknown error %d", err);
    }
    return buf;
}

/// Data pointer and line size of plane `i` (AVFrame's arrays arrive in Swift as 8-tuples).
static inline uint8_t *vigil_frame_data(const AVFrame *f, int i) { return f->data[i]; }
static inline int vigil_frame_linesize(const AVFrame *f, int i) { return f->linesize[i]; }

/// sws_scale from a decoded frame into one packed destination plane.
static inline int vigil_sws_scale_to(struct SwsContext *ctx, const AVFrame *src,
                                     uint8_t *dst, int dst_stride) {
    uint8_t *dst_data[4] = { dst, NULL, NULL, NULL };
    int dst_linesize[4] = { dst_stride, 0, 0, 0 };
    return sws_scale(ctx, (const uint8_t * const *)src->data, src->linesize, 0, src->height,
                     dst_data, dst_linesize);
}

/// sws_scale from one packed source plane into a frame's planes (snapshot encoding).
static inline int vigil_sws_scale_into_frame(struct SwsContext *ctx, const uint8_t *src, int src_stride,
                                             int src_height, AVFrame *dst) {
    const uint8_t *src_data[4] = { src, NULL, NULL, NULL };
    int src_linesize[4] = { src_stride, 0, 0, 0 };
    return sws_scale(ctx, src_data, src_linesize, 0, src_height, dst->data, dst->linesize);
}

#endif
