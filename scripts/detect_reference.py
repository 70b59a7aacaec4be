#!/usr/bin/env python3
"""Reference decode of the MediaPipe SSD models with ONNX Runtime, for cross-checking `vigil detect`.

Usage: detect_reference.py MODEL_DIR [RGB_RAW W H] [--input TENSOR_F32]
Without an image, decodes the model's test_data_set_0 (input_0.pb). With one, RGB_RAW is raw RGB24 bytes of
W×H (e.g. `ffmpeg -i img.jpg -f rawvideo -pix_fmt rgb24 x.rgb`), letterboxed as Vigil does (bilinear, half-pixel
centres, zero border, x/127.5 - 1). Prints one JSON line per detection (source pixels).
--input: the model's input tensor as raw float32 NCHW (e.g. Vigil's own letterbox of the image, written by a test)
in place of this script's letterbox (the box mapping still follows from W and H): for quantised models, where an
input value one float rounding apart can move an output by a quantisation step.
"""
import json, math, sys
import numpy as np
import onnx
from onnx import numpy_helper
import onnxruntime as ort

PARAMS = {128: ([8, 16, 16, 16], 1.0, 0.5), 192: ([4], 0.0, 0.6), 224: ([8, 16, 32, 32, 32], 1.0, 0.5)}

def anchors(strides, size, interp):
    out, layer = [], 0
    while layer < len(strides):
        last, per = layer, 0
        while last < len(strides) and strides[last] == strides[layer]:
            per += 1 + (1 if interp > 0 else 0); last += 1
        fm = math.ceil(size / strides[layer])
        for y in range(fm):
            for x in range(fm):
                out += [((x + .5) / fm, (y + .5) / fm)] * per
        layer = last
    return np.array(out, np.float32)

def letterbox(rgb, s, border=0.0, multiplier=1 / 127.5, offset=-1.0):
    """Vigil's Letterbox.fill: value = pixel * multiplier + offset, border pixels `border` (before scaling)."""
    h, w, _ = rgb.shape
    scale = min(s / w, s / h)
    px, py = (s - w * scale) / 2, (s - h * scale) / 2
    x0, y0 = int(round(px)), int(round(py))
    out = np.full((s, s, 3), border, np.float32)
    fx, fy = 1 / scale, 1 / scale
    xs = np.arange(x0, s - x0); ys = np.arange(y0, s - y0)
    sx = np.clip((xs - x0 + .5) * fx - .5, 0, w - 1); sy = np.clip((ys - y0 + .5) * fy - .5, 0, h - 1)
    ix = sx.astype(int); iy = sy.astype(int); wx = (sx - ix)[None, :, None]; wy = (sy - iy)[:, None, None]
    ix1 = np.minimum(ix + 1, w - 1); iy1 = np.minimum(iy + 1, h - 1)
    f = rgb.astype(np.float32)
    top = f[iy][:, ix] * (1 - wx) + f[iy][:, ix1] * wx
    bot = f[iy1][:, ix] * (1 - wx) + f[iy1][:, ix1] * wx
    out[y0:s - y0, x0:s - x0] = top * (1 - wy) + bot * wy
    return (out * np.float32(multiplier) + np.float32(offset)).transpose(2, 0, 1)[None].astype(np.float32), scale, px, py

def take_input(argv):
    """Removes `--input PATH` from argv; the path or None."""
    if "--input" not in argv:
        return None
    i = argv.index("--input")
    path = argv[i + 1]
    del argv[i:i + 2]
    return path

def use_input(x, path):
    """x, or the raw float32 tensor of x's shape at path."""
    return x if path is None else np.fromfile(path, np.float32).reshape(x.shape)

def main():
    given = take_input(sys.argv)
    d = sys.argv[1]
    sess = ort.InferenceSession(d + "/model.onnx", providers=["CPUExecutionProvider"])
    s = sess.get_inputs()[0].shape[2]
    if len(sys.argv) > 2:
        w, h = int(sys.argv[3]), int(sys.argv[4])
        rgb = np.fromfile(sys.argv[2], np.uint8).reshape(h, w, 3)
        x, scale, px, py = letterbox(rgb, s)
    else:
        x = numpy_helper.to_array(onnx.load_tensor(d + "/test_data_set_0/input_0.pb"))
        scale, px, py, w, h = 1.0, 0.0, 0.0, s, s
    x = use_input(x, given)
    outs = sess.run(None, {sess.get_inputs()[0].name: x.astype(np.float32)})
    reg, cls = (outs[0], outs[1]) if outs[0].shape[2] > 1 else (outs[1], outs[0])
    strides, interp, thr = PARAMS[s]
    a = anchors(strides, s, interp)
    reg, cls = reg[0], cls[0, :, 0]
    score = 1 / (1 + np.exp(-np.clip(cls, -100, 100)))
    idx = [i for i in np.argsort(-score, kind="stable") if score[i] >= thr]
    boxes = {}
    for i in idx:
        xc, yc = reg[i, 0] / s + a[i, 0], reg[i, 1] / s + a[i, 1]
        bw, bh = reg[i, 2] / s, reg[i, 3] / s
        boxes[i] = np.array([xc - bw / 2, yc - bh / 2, xc + bw / 2, yc + bh / 2])
    def iou(p, q):
        iw = min(p[2], q[2]) - max(p[0], q[0]); ih = min(p[3], q[3]) - max(p[1], q[1])
        if iw <= 0 or ih <= 0: return 0
        i = iw * ih; return i / ((p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - i)
    left = list(idx)
    while left:
        top = left[0]
        group = [j for j in left if j == top or iou(boxes[top], boxes[j]) > 0.3]
        left = [j for j in left if j not in group]
        ws = np.array([score[j] for j in group])
        b = sum(boxes[j] * score[j] for j in group) / ws.sum() * s
        src = [(b[0] - px) / scale, (b[1] - py) / scale, (b[2] - px) / scale, (b[3] - py) / scale]
        src = [min(max(src[0], 0), w), min(max(src[1], 0), h), min(max(src[2], 0), w), min(max(src[3], 0), h)]
        print(json.dumps({"score": round(float(score[top]), 4), "box": [round(float(v), 2) for v in src]}))

if __name__ == "__main__":
    main()
