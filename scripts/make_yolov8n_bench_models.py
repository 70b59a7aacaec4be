#!/usr/bin/env python3
"""Writes real ultralytics YOLOv8n exports for `vigil bench nn` (benchmarks only; run once; needs torch).

  python3 -m venv /tmp/yolo-venv
  /tmp/yolo-venv/bin/pip install 'torch==2.13.0+cpu' ultralytics onnx onnxruntime onnxslim   # the CPU torch wheel
  /tmp/yolo-venv/bin/python scripts/make_yolov8n_bench_models.py /tmp/yolov8n    # -> /tmp/yolov8n/{320,640}/model.onnx

YOLOv8n from ultralytics' own yolov8n.yaml at scale n (depth 0.33, width 0.25: 3.2 M parameters, 8.7 GFLOPs at
640), random weights (seed 0, nothing downloaded), BatchNorms folded by the exporter; opset 17, static 1x3xSxS
input, output0 1x84xN — the graph and operator mix of the downloadable yolov8n.pt export. The speed of a
float engine does not depend on the weight values (no sparsity is exploited), so random weights time the same.
"""
import os, sys, tempfile

os.environ.setdefault("YOLO_OFFLINE", "1")
import torch
from ultralytics import YOLO


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/yolov8n"
    for size in (320, 640):
        torch.manual_seed(0)
        tmp = tempfile.mkdtemp()
        y = YOLO("yolov8n.yaml")
        path = y.export(format="onnx", imgsz=size, opset=17, simplify=True, dynamic=False, project=tmp)
        d = os.path.join(out, str(size))
        os.makedirs(d, exist_ok=True)
        os.replace(path, os.path.join(d, "model.onnx"))
        print(os.path.join(d, "model.onnx"))


if __name__ == "__main__":
    main()
