#!/usr/bin/env python3
"""Reference of the full-body person box that `vigil detect` derives from the BlazePose detector, for the tests.

Usage: pose_body_reference.py MODEL_DIR RGB_RAW W H [--input TENSOR_F32]

Runs the pose detector (blazepose_detector_224) with ONNX Runtime on the letterboxed image (scripts/
detect_reference.py's letterbox: bilinear, half-pixel centres, zero border, x/127.5 - 1), decodes with MediaPipe's
anchors and weighted NMS (IoU 0.3; boxes *and* keypoints are the score-weighted means of each group), and builds
the body region as MediaPipe's published pose graph does (mediapipe/modules/pose_landmark/
pose_detection_to_roi.pbtxt):
  AlignmentPointsRectsCalculator, start keypoint 0 (mid-hip centre), end keypoint 1 (full-body scale point),
  target angle 90 degrees: centre = keypoint 0, side = 2 * |keypoint 1 - keypoint 0| (in pixels),
  rotation = 90 deg - atan2(-(y1 - y0), x1 - x0);
  RectTransformationCalculator scale_x = scale_y = 1.25, square_long: the side times 1.25, square in pixels.
Vigil's box is that square, axis-aligned (the body lies inside the circle of radius |k1 - k0| around the mid-hip
whatever the rotation, so the axis-aligned square holds it), clipped to the image.
--input: the model's input as raw float32 NCHW in place of the letterbox (see detect_reference.py).
Prints one JSON line per detection, best first: score, head_box (the detector's own box), box, keypoints
(4 points, source pixels), rotation_deg.
"""
import json, math, sys
import numpy as np
import onnxruntime as ort
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from detect_reference import anchors, letterbox, PARAMS, take_input, use_input

SCALE = 1.25

def iou(p, q):
    iw = min(p[2], q[2]) - max(p[0], q[0]); ih = min(p[3], q[3]) - max(p[1], q[1])
    if iw <= 0 or ih <= 0: return 0.0
    i = iw * ih
    return i / ((p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - i)

def body(kp, w, h):
    (x0, y0), (x1, y1) = kp[0], kp[1]
    side = 2 * math.hypot(x1 - x0, y1 - y0) * SCALE
    rot = 90 - math.degrees(math.atan2(-(y1 - y0), x1 - x0))
    rot = (rot + 180) % 360 - 180
    box = [x0 - side / 2, y0 - side / 2, x0 + side / 2, y0 + side / 2]
    return [min(max(box[0], 0), w), min(max(box[1], 0), h), min(max(box[2], 0), w), min(max(box[3], 0), h)], rot

def main():
    given = take_input(sys.argv)
    d, raw, w, h = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sess = ort.InferenceSession(d + "/model.onnx", providers=["CPUExecutionProvider"])
    s = sess.get_inputs()[0].shape[2]
    rgb = np.fromfile(raw, np.uint8).reshape(h, w, 3)
    x, scale, px, py = letterbox(rgb, s)
    x = use_input(x, given)
    outs = sess.run(None, {sess.get_inputs()[0].name: x.astype(np.float32)})
    reg, cls = (outs[0], outs[1]) if outs[0].shape[2] > 1 else (outs[1], outs[0])
    strides, interp, thr = PARAMS[s]
    a = anchors(strides, s, interp)
    reg, cls = reg[0], cls[0, :, 0]
    nk = (reg.shape[1] - 4) // 2
    score = 1 / (1 + np.exp(-np.clip(cls, -100, 100)))
    idx = [i for i in np.argsort(-score, kind="stable") if score[i] >= thr]
    box, kps = {}, {}
    for i in idx:
        xc, yc = reg[i, 0] / s + a[i, 0], reg[i, 1] / s + a[i, 1]
        bw, bh = reg[i, 2] / s, reg[i, 3] / s
        box[i] = np.array([xc - bw / 2, yc - bh / 2, xc + bw / 2, yc + bh / 2], np.float64)
        kps[i] = np.array([[reg[i, 4 + 2 * k] / s + a[i, 0], reg[i, 5 + 2 * k] / s + a[i, 1]] for k in range(nk)])
    left = list(idx)
    to_src = lambda u, v: ((u * s - px) / scale, (v * s - py) / scale)
    while left:
        top = left[0]
        group = [j for j in left if j == top or iou(box[top], box[j]) > 0.3]
        left = [j for j in left if j not in group]
        ws = np.array([score[j] for j in group], np.float64)
        b = sum(box[j] * score[j] for j in group) / ws.sum()
        k = sum(kps[j] * score[j] for j in group) / ws.sum()
        head = [*to_src(b[0], b[1]), *to_src(b[2], b[3])]
        head = [min(max(head[0], 0), w), min(max(head[1], 0), h), min(max(head[2], 0), w), min(max(head[3], 0), h)]
        points = [to_src(u, v) for u, v in k]
        full, rot = body(points, w, h)
        print(json.dumps({"score": round(float(score[top]), 4), "head_box": [round(float(v), 2) for v in head],
                          "box": [round(float(v), 2) for v in full],
                          "keypoints": [[round(float(u), 2), round(float(v), 2)] for u, v in points],
                          "rotation_deg": round(rot, 2)}))

if __name__ == "__main__":
    main()
