#!/usr/bin/env python3
"""Reference NMS for `vigil bench nms`: the classic NumPy greedy NMS (Fast R-CNN's py_cpu_nms, continuous
coordinates), class-aware: a kept box suppresses only boxes of its class.

Usage: nms_reference.py CANDIDATES.csv IOU REPEAT  (rows: x1,y1,x2,y2,score,class)
Prints {"kept": N, "ms": median milliseconds per run} (the CSV parse is not timed).
"""
import json, sys, time
import numpy as np

def nms(boxes, scores, classes, thr):
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(x1[i], x1[order[1:]]); yy1 = np.maximum(y1[i], y1[order[1:]])
        xx2 = np.minimum(x2[i], x2[order[1:]]); yy2 = np.minimum(y2[i], y2[order[1:]])
        inter = np.maximum(0.0, xx2 - xx1) * np.maximum(0.0, yy2 - yy1)
        iou = inter / (areas[i] + areas[order[1:]] - inter)
        order = order[1:][(iou <= thr) | (classes[order[1:]] != classes[i])]
    return keep

def main():
    data = np.loadtxt(sys.argv[1], delimiter=",", dtype=np.float32, ndmin=2)
    thr, repeat = float(sys.argv[2]), int(sys.argv[3])
    boxes, scores, classes = data[:, :4], data[:, 4], data[:, 5]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        keep = nms(boxes, scores, classes, thr)
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"kept": len(keep), "ms": float(np.median(times))}))

main()
