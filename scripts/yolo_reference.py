#!/usr/bin/env python3
"""Reference of Vigil's `yolo` adapter, for the conformance tests: letterbox, ONNX Runtime, decode, NMS.

Usage: yolo_reference.py MODEL.onnx RGB_RAW W H [SCORE] [--input TENSOR_F32]

RGB_RAW is raw RGB24 bytes of W x H, letterboxed to the model input as Vigil does (bilinear, half-pixel centres,
grey 114 border, x/255; scripts/detect_reference.py's letterbox). The output layout follows from its shape:
  1 x (4+C) x N  (ultralytics YOLOv8/YOLO11 exports): cx, cy, w, h, then C class scores;
  1 x N x (5+C)  (YOLOv5-style exports): cx, cy, w, h, objectness, then C class probabilities; score = obj * cls.
Each candidate takes its best class; candidates with score > SCORE (0.25) go to class-aware hard NMS (IoU 0.7,
best first, ties in anchor order, at most 300 kept), boxes mapped back to source pixels and clipped to the image.
--input: the model's input as raw float32 NCHW in place of the letterbox (see detect_reference.py).
Prints one JSON line per detection: class, score, box.
"""
import json, os, sys
import numpy as np
import onnxruntime as ort
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from detect_reference import letterbox, take_input, use_input


def decode(y, score_threshold):
    """(boxes N x 4 as x1 y1 x2 y2 in input pixels, scores, classes) of the candidates above the threshold."""
    y = y[0]
    if y.shape[0] < y.shape[1]:          # 1 x (4+C) x N
        xywh, cls = y[:4].T, y[4:].T
        best = cls.argmax(1); score = cls[np.arange(len(best)), best]
    else:                                # 1 x N x (5+C)
        xywh, obj, cls = y[:, :4], y[:, 4], y[:, 5:]
        best = cls.argmax(1); score = obj * cls[np.arange(len(best)), best]
    keep = score > score_threshold
    xywh, score, best = xywh[keep], score[keep], best[keep]
    boxes = np.stack([xywh[:, 0] - xywh[:, 2] / 2, xywh[:, 1] - xywh[:, 3] / 2,
                      xywh[:, 0] + xywh[:, 2] / 2, xywh[:, 1] + xywh[:, 3] / 2], 1)
    return boxes, score, best


def nms(boxes, scores, classes, iou_threshold=0.7, max_det=300):
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    kept, gone = [], set()
    for n, i in enumerate(order):
        if i in gone: continue
        if len(kept) >= max_det: break
        kept.append(i)
        for j in order[n + 1:]:
            if j in gone or classes[j] != classes[i]: continue
            iw = min(boxes[i, 2], boxes[j, 2]) - max(boxes[i, 0], boxes[j, 0])
            ih = min(boxes[i, 3], boxes[j, 3]) - max(boxes[i, 1], boxes[j, 1])
            if iw <= 0 or ih <= 0: continue
            inter = iw * ih
            if inter / (area[i] + area[j] - inter) > iou_threshold: gone.add(j)
    return kept


def main():
    given = take_input(sys.argv)
    model, raw, w, h = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    thr = float(sys.argv[5]) if len(sys.argv) > 5 else 0.25
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    _, _, ih, iw = sess.get_inputs()[0].shape
    assert ih == iw, "square inputs only"
    rgb = np.fromfile(raw, np.uint8).reshape(h, w, 3)
    x, scale, px, py = letterbox(rgb, iw, border=114, multiplier=1 / 255, offset=0)
    x = use_input(x, given)
    y = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    boxes, scores, classes = decode(y, thr)
    for i in nms(boxes, scores, classes):
        b = boxes[i]
        src = [(b[0] - px) / scale, (b[1] - py) / scale, (b[2] - px) / scale, (b[3] - py) / scale]
        src = [min(max(src[0], 0), w), min(max(src[1], 0), h), min(max(src[2], 0), w), min(max(src[3], 0), h)]
        print(json.dumps({"class": int(classes[i]), "score": round(float(scores[i]), 5),
                          "box": [round(float(v), 2) for v in src]}))


if __name__ == "__main__":
    main()
