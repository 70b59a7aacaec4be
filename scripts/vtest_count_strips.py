#!/usr/bin/python3
"""Renders the strips used to count zone entries and line crossings on vtest.avi by eye
(samples/groundtruth/vtest_zone_line.csv): rows 200-430 of every STEP-th frame, the line y = 288 in red, ticks every
64 px along the top, the frame number, PER strips stacked in one PNG.

    /usr/bin/python3 scripts/vtest_count_strips.py VTEST.avi OUTDIR [--step 10] [--per 4]

Needs Debian's python3-opencv (a test oracle tool; Vigil does not use it)."""
import argparse
import os

import cv2
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("video")
    ap.add_argument("out")
    ap.add_argument("--step", type=int, default=10)
    ap.add_argument("--per", type=int, default=4)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    cap = cv2.VideoCapture(a.video)
    if not cap.isOpened():
        raise SystemExit(f"cannot open {a.video}")
    y0, y1, line = 200, 430, 288
    strips, i = [], 0
    while True:
        ok, f = cap.read()
        if not ok:
            break
        if i % a.step == 0:
            s = f[y0:y1].copy()
            cv2.line(s, (0, line - y0), (s.shape[1] - 1, line - y0), (0, 0, 255), 1)
            for x in range(0, s.shape[1], 64):
                cv2.line(s, (x, 0), (x, 6), (0, 255, 255), 1)
            cv2.putText(s, str(i), (4, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 255), 2)
            strips.append(s)
        i += 1
    if not strips:
        raise SystemExit(f"no frames in {a.video}")
    for k in range(0, len(strips), a.per):
        chunk = strips[k:k + a.per]
        chunk += [np.zeros_like(strips[0])] * (a.per - len(chunk))
        cv2.imwrite(os.path.join(a.out, "strip_%02d.png" % (k // a.per)), np.vstack(chunk))
    print(f"{i} frames, {len(strips)} strips in {a.out}")


if __name__ == "__main__":
    main()
