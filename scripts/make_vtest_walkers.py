#!/usr/bin/python3
"""Proposes the ground truth of isolated walking people on opencv-doc's vtest.avi, independently of Vigil's
detectors: OpenCV's MOG2 background subtraction (shadows removed), morphological clean-up, connected
components; a blob is a walker when it is person-shaped (40-260 px tall, 1.7-5 times as tall as wide), not
cut by the frame's edge, isolated (no other foreground blob within 12 px) and as tall as a person standing
there (the camera looks down: height ≈ a + b·(foot row), fitted robustly to the blobs; blobs off it by more
than 25 % are two people one behind the other, or a person partly hidden). Sampled frames: 50, 75, ...,
775 (30 frames). Prints CSV `frame,x1,y1,x2,y2` (source pixels, x2/y2 exclusive) and, with --render DIR,
writes each frame with its boxes as PNG plus contact sheets, to be checked by eye.

The committed samples/groundtruth/vtest_walkers.csv is this script's output corrected by hand after looking
at the renders (see samples/groundtruth/README.md). Run with Debian's /usr/bin/python3 and python3-opencv.

  make_vtest_walkers.py VTEST_AVI [--render DIR] [--check CSV]   (--check: render CSV's boxes instead)
"""
import argparse
import csv
import os

import cv2
import numpy as np

FRAMES = list(range(50, 800, 25))[:30]


def propose(path):
    cap = cv2.VideoCapture(path)
    mog = cv2.createBackgroundSubtractorMOG2(history=300, varThreshold=16, detectShadows=True)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    out, pictures, i = [], {}, 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        fg = mog.apply(frame)
        if i in FRAMES:
            pictures[i] = frame
            mask = (fg == 255).astype(np.uint8) * 255
            mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
            mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2)
            mask = cv2.dilate(mask, kernel)
            n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
            blobs = [tuple(int(v) for v in stats[k][:4]) for k in range(1, n) if stats[k][4] >= 60]
            for (x, y, w, h) in blobs:
                if not (40 <= h <= 260 and 1.7 <= h / w <= 5):
                    continue
                if x <= 2 or y <= 2 or x + w >= frame.shape[1] - 2 or y + h >= frame.shape[0] - 2:
                    continue
                near = [b for b in blobs if b != (x, y, w, h) and b[0] < x + w + 12 and x < b[0] + b[2] + 12
                        and b[1] < y + h + 12 and y < b[1] + b[3] + 12]
                if not near:
                    out.append((i, x, y, x + w, y + h))
        i += 1
    return perspective_filter(out), pictures


def perspective_filter(rows):
    a = np.array(rows, dtype=float)
    design = np.vstack([a[:, 4], np.ones(len(a))]).T
    height = a[:, 4] - a[:, 2]
    keep = np.ones(len(a), dtype=bool)
    for _ in range(4):
        coef = np.linalg.lstsq(design[keep], height[keep], rcond=None)[0]
        keep = np.abs(height / (design @ coef) - 1) < 0.25
    return [r for r, k in zip(rows, keep) if k]


def render(rows, pictures, directory):
    os.makedirs(directory, exist_ok=True)
    tiles = []
    for f in FRAMES:
        img = pictures[f].copy()
        for (g, x1, y1, x2, y2) in rows:
            if g == f:
                cv2.rectangle(img, (x1, y1), (x2 - 1, y2 - 1), (0, 255, 0), 2)
        cv2.putText(img, str(f), (8, 30), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 255), 2)
        cv2.imwrite(os.path.join(directory, f"frame{f:03d}.png"), img)
        tiles.append(cv2.resize(img, (384, 288)))
    for s in range(0, len(tiles), 6):
        part = tiles[s:s + 6] + [np.zeros_like(tiles[0])] * (6 - len(tiles[s:s + 6]))
        sheet = np.vstack([np.hstack(part[0:3]), np.hstack(part[3:6])])
        cv2.imwrite(os.path.join(directory, f"sheet{s // 6}.png"), sheet)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("video")
    p.add_argument("--render")
    p.add_argument("--check")
    a = p.parse_args()
    rows, pictures = propose(a.video)
    if a.check:
        with open(a.check) as f:
            rows = [tuple(int(v) for v in r) for r in csv.reader(l for l in f if not l.startswith("#") and l.strip())]
    else:
        print("frame,x1,y1,x2,y2")
        for r in rows:
            print(",".join(str(v) for v in r))
    if a.render:
        render(rows, pictures, a.render)


if __name__ == "__main__":
    main()
