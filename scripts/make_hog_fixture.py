#!/usr/bin/python3
"""Writes Tests/Fixtures/hog_opencv_boxes.json: OpenCV 4.6's HOG people detector (detectMultiScale, default
people SVM, 1 thread, scale 1.05, stride 8, hit threshold 0, group threshold 2) on opencv-doc's images at 2x
upscale, for HOGTests to compare Vigil's hog_people with. A case with a region runs OpenCV on that crop of
the frame (boxes in frame pixels).

  make_hog_fixture.py OPENCV_DATA_DIR [OUT.json]      (/usr/bin/python3 with Debian's python3-opencv)
"""
import json
import os
import sys
from argparse import Namespace

sys.path.insert(0, os.path.dirname(__file__))
from hog_reference import detect, detector, frames  # noqa: E402

CASES = [("person_multi_det.jpg", 0, None), ("vtest.avi", 100, (320, 100, 640, 310)),
         ("vtest.avi", 400, (230, 100, 660, 310))]

data = sys.argv[1]
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "hog_opencv_boxes.json")
hog = detector()
args = Namespace(upscale=2.0, scale=1.05, hit=0.0, group=2)
cases = []
for name, frame, region in CASES:
    _, img = next(frames(os.path.join(data, name), {frame}))
    x1, y1, x2, y2 = region or (0, 0, img.shape[1], img.shape[0])
    boxes = [[b[0] + x1, b[1] + y1, b[2] + x1, b[3] + y1, b[4]] for b in detect(hog, img[y1:y2, x1:x2], args)]
    cases.append({"file": name, "frame": frame, "region": [x1, y1, x2, y2], "upscale": 2, "boxes": boxes})
with open(out, "w") as f:
    json.dump({"made_by": "scripts/make_hog_fixture.py", "opencv": "4.6.0 (Debian python3-opencv)", "cases": cases}, f, indent=1)
print(out)
