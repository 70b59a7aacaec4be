#!/usr/bin/python3
"""OpenCV's HOG people detector (cv2.HOGDescriptor with the default people SVM, detectMultiScale) as the
reference of Vigil's hog_people detector: the test fixture and `vigil bench hog`. One thread
(cv2.setNumThreads(1)). Run with Debian's /usr/bin/python3 and python3-opencv (OpenCV 4.6).

  hog_reference.py boxes FILE [--frame N]... [--upscale 2] [--scale 1.05] [--hit 0] [--group 2]
      JSON line per frame: {"file","frame","width","height","boxes":[[x1,y1,x2,y2,margin],...]} in source pixels.
  hog_reference.py serve RAW WIDTH HEIGHT COUNT [--upscale 2] [--scale 1.05] [--hit 0] [--group 2]
      RAW holds COUNT frames of WIDTH×HEIGHT RGB24; reads a frame index per stdin line, answers one JSON line
      {"ms": time of resize + detectMultiScale, "boxes": [...]} per request.
"""
import argparse
import json
import sys
import time

import cv2
import numpy as np


def detector():
    cv2.setNumThreads(1)
    hog = cv2.HOGDescriptor()  # 64×128 window, 16×16 blocks, 8×8 cells, 9 bins, L2-Hys, gamma correction
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    return hog


def detect(hog, bgr, a):
    """Boxes in the frame's pixels: the frame scaled by `upscale` (bilinear), detectMultiScale, scaled back."""
    img = bgr if a.upscale == 1 else cv2.resize(bgr, None, fx=a.upscale, fy=a.upscale, interpolation=cv2.INTER_LINEAR)
    rects, weights = hog.detectMultiScale(img, hitThreshold=a.hit, winStride=(8, 8), padding=(0, 0),
                                          scale=a.scale, groupThreshold=a.group)
    out = []
    for (x, y, w, h), s in zip(rects, np.asarray(weights).reshape(-1)):
        u = a.upscale
        out.append([round(x / u, 2), round(y / u, 2), round((x + w) / u, 2), round((y + h) / u, 2), round(float(s), 4)])
    return out


def frames(path, wanted):
    if not path.lower().endswith((".avi", ".mp4", ".mkv", ".mov")):
        yield 0, cv2.imread(path, cv2.IMREAD_COLOR)
        return
    cap = cv2.VideoCapture(path)
    i = 0
    while True:
        ok, f = cap.read()
        if not ok:
            return
        if i in wanted:
            yield i, f
        i += 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["boxes", "serve"])
    p.add_argument("args", nargs="+")
    p.add_argument("--frame", type=int, action="append", default=[])
    p.add_argument("--upscale", type=float, default=2)
    p.add_argument("--scale", type=float, default=1.05)
    p.add_argument("--hit", type=float, default=0)
    p.add_argument("--group", type=int, default=2)
    a = p.parse_args()
    hog = detector()
    if a.mode == "boxes":
        path = a.args[0]
        for i, f in frames(path, set(a.frame or [0])):
            print(json.dumps({"file": path.split("/")[-1], "frame": i, "width": f.shape[1], "height": f.shape[0],
                              "boxes": detect(hog, f, a)}))
        return
    raw, w, h, n = a.args[0], int(a.args[1]), int(a.args[2]), int(a.args[3])
    data = np.fromfile(raw, dtype=np.uint8).reshape(n, h, w, 3)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        k = int(line)
        bgr = np.ascontiguousarray(data[k][:, :, ::-1])
        t0 = time.perf_counter()
        boxes = detect(hog, bgr, a)
        ms = (time.perf_counter() - t0) * 1e3
        print(json.dumps({"ms": ms, "boxes": boxes}), flush=True)


if __name__ == "__main__":
    main()
