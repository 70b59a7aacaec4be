#!/usr/bin/python3
"""Extracts OpenCV's Dalal-Triggs people detector (the linear SVM of HOGDescriptor_getDefaultPeopleDetector:
3780 weights over a 64x128 window's HOG features, then the bias) into samples/models/hog_people/svm.f32 as
3781 little-endian float32 values, in OpenCV's order (block x major, then block y, then cell x, cell y, bin).

Run once with Debian 12's python3-opencv (OpenCV 4.6.0, Apache-2.0): apt-get install python3-opencv;
/usr/bin/python3 scripts/extract_hog_people.py [OUT_DIR]. The committed file is this script's output.
"""
import hashlib
import os
import sys

import cv2
import numpy as np

out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "samples", "models", "hog_people")
w = np.asarray(cv2.HOGDescriptor_getDefaultPeopleDetector(), dtype="<f4").reshape(-1)
assert w.size == 3781, w.size
os.makedirs(out_dir, exist_ok=True)
path = os.path.join(out_dir, "svm.f32")
with open(path, "wb") as f:
    f.write(w.tobytes())
print(f"{path}: {w.size} float32, OpenCV {cv2.__version__}, sha256 {hashlib.sha256(w.tobytes()).hexdigest()}")
