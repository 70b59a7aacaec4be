#!/usr/bin/env python3
"""Builds the real-ultralytics-export fixture of the YOLO adapter's conformance test (run once; needs torch).

  python3 -m venv /tmp/yolo-venv
  /tmp/yolo-venv/bin/pip install 'torch==2.13.0+cpu' ultralytics onnx onnxruntime onnxslim   # the CPU torch wheel
  /tmp/yolo-venv/bin/python scripts/make_ultralytics_fixture.py IMAGE.rgb W H Tests/Fixtures/ultralytics_v8_320

Builds YOLOv8 from ultralytics' own yolov8.yaml (random weights, nothing downloaded) at width 0.125 (scale n
is 0.25: the file stays under 3 MB), and fixes what random weights get wrong for a conformance test: with
PyTorch's default init every convolution shrinks its input about 3x, so the output is the head's biases and
any two images give the same boxes. So, with a fixed seed and one forward pass over IMAGE, each convolution's
weights (the DFL's fixed bins aside) are rescaled so its output has unit standard deviation; the class
convolutions' biases are set to -4 (a few hundred of the 2100 anchors score above 0.25, not all or none) and the
BatchNorms to identity. Then ultralytics' own exporter writes model.onnx (opset 17, 320x320, output0 1x84x2100).

IMAGE.rgb is raw RGB24 (W x H), letterboxed to 320 as Vigil does (scripts/yolo_reference.py). Writes
test_data_set_0/input_0.pb and output_0.pb (ONNX Runtime's output), so the directory is also an ONNX backend
test case for `vigil nn test`, and prints the reference detections (decode + NMS, scripts/yolo_reference.py).
"""
import os, sys, tempfile
import yaml
import numpy as np
import torch

os.environ.setdefault("YOLO_OFFLINE", "1")
from ultralytics import YOLO
from ultralytics.nn.tasks import yaml_model_load
import onnx
from onnx import numpy_helper
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from detect_reference import letterbox

SIZE = 320


def calibrate(model, x):
    """One forward pass; each Conv2d's output is divided by its std as it goes (so later convolutions see
    unit-level inputs), and the same factor is folded into its weights."""
    dfl = {id(m) for name, m in model.named_modules() if name.endswith("dfl.conv")}
    hooks = []

    def hook(m, inp, out):
        s = float(out.detach().std()) or 1.0
        with torch.no_grad():
            m.weight.mul_(1 / s)
            if m.bias is not None:
                m.bias.mul_(1 / s)
        return out / s

    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d) and id(m) not in dfl:
            hooks.append(m.register_forward_hook(hook))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()


def main():
    raw, w, h, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    torch.manual_seed(0)
    cfg = yaml_model_load("yolov8n.yaml")   # ultralytics' own definition
    cfg["scales"] = {"n": [0.33, 0.125, 256]}
    tmp = tempfile.mkdtemp()
    with open(os.path.join(tmp, "yolov8n.yaml"), "w") as f:
        yaml.safe_dump({k: v for k, v in cfg.items() if k != "yaml_file"}, f)
    y = YOLO(os.path.join(tmp, "yolov8n.yaml"))
    net = y.model.eval()
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()  # mean 0, var 1: identity up to eps (weight 1, bias 0 from init)
            torch.nn.init.ones_(m.weight); torch.nn.init.zeros_(m.bias)
    rgb = np.fromfile(raw, np.uint8).reshape(h, w, 3)
    x = letterbox(rgb, SIZE, border=114, multiplier=1 / 255, offset=0)[0]
    calibrate(net, torch.from_numpy(x))
    head = net.model[-1]
    for seq in head.cv3:
        with torch.no_grad():
            seq[-1].bias.fill_(-4.0)
    os.makedirs(out, exist_ok=True)
    path = y.export(format="onnx", imgsz=SIZE, opset=17, simplify=True, dynamic=False)
    os.replace(path, os.path.join(out, "model.onnx"))
    sess = ort.InferenceSession(os.path.join(out, "model.onnx"), providers=["CPUExecutionProvider"])
    y0 = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    d = os.path.join(out, "test_data_set_0")
    os.makedirs(d, exist_ok=True)
    onnx.save_tensor(numpy_helper.from_array(x, sess.get_inputs()[0].name), os.path.join(d, "input_0.pb"))
    onnx.save_tensor(numpy_helper.from_array(y0, sess.get_outputs()[0].name), os.path.join(d, "output_0.pb"))
    print("output", y0.shape, "box std", float(y0[0, :4].std()), "scores > 0.25:", int((y0[0, 4:].max(0) > 0.25).sum()),
          file=sys.stderr)


if __name__ == "__main__":
    main()
