#!/usr/bin/env python3
"""Quantises a float ONNX detector the way users do, with ONNX Runtime's static quantisation (QDQ format,
per-channel int8 weights, uint8 activations; --activations int8 for the int8-activation variant),
calibrated on real video frames, and writes an ONNX backend test directory:

  OUT/model.onnx                     the quantised model
  OUT/test_data_set_0/input_0.pb     one real photo, preprocessed like the model expects
  OUT/test_data_set_0/output_N.pb    ONNX Runtime's outputs of the quantised model for it
  OUT/steps.json                     per output: the quantisation step (scale) of the DequantizeLinear it
                                     comes from (through Reshape/Transpose/Concat...), for "within one step"
  OUT/float_output_N.pb              the float model's outputs for the same input (to compare detections)

--float-heads keeps the detection heads in float (nodes_to_exclude: the Conv nodes whose outputs reach a graph output
through shape-only operators, the MediaPipe models' classifier and regressor convolutions): their outputs span
hundreds of units (anchors far from anything, score logits down to -580), so in uint8 a score logit step is 1.06 to
2.30 on the pose detector and calibration on frames without close faces caps BlazeFace's logits at 0 (every face
scores 0.5). YOLO exports decode in the graph after their heads and have no such Convs (nothing is excluded).

--float-heads regressors keeps only the regressor heads in float (the outputs with more than one value an anchor: box and
keypoints), --float-head-depth 2 also the depthwise Conv before each head Conv. Other recipes to compare
(scripts/compare_int8_detections.py --recipe '...'): --calibration percentile [--percentile P] or entropy (KL
divergence over --entropy-bins; through quantize_static's own Entropy option ONNX Runtime 1.32 keeps 128 bins and 128
quantized bins and gives MinMax's model byte for byte, so the ranges are computed here and passed as its calibration
cache), --per-tensor weight scales, --frames/--every and --extra-video for other calibration frames. What they gave on
the pose detector: README, "Quantised (int8) models".

Calibration frames: every --every'th frame of a clip (opencv-doc's vtest.avi: scripts/fetch-test-images.sh),
decoded with ffmpeg, letterboxed to the model's input (grey 114 for YOLO, black for MediaPipe) and scaled
(--norm yolo: x/255; --norm mediapipe: x/127.5 - 1), NCHW float32.

  python3 scripts/make_quantized_models.py --model samples/models/blazeface_short_128/model.onnx \\
      --norm mediapipe --video .ci/opencv-data/vtest.avi --image .ci/opencv-data/messi5.jpg OUT
  python3 scripts/make_quantized_models.py --model yolov8n.onnx --norm yolo --video vtest.avi --image photo.jpg OUT

The quantize_static call (the one the README gives users):

  quantize_static(model_in, model_out, reader, quant_format=QuantFormat.QDQ, per_channel=True,
                  activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                  op_types_to_quantize=["Conv", "MatMul"], calibrate_method=CalibrationMethod.MinMax)

Needs: pip install onnx onnxruntime numpy; ffmpeg.
"""
import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static


def read_rgb(path, frame_filter=None, max_frames=None):
    """Decodes an image or clip with ffmpeg into a list of HxWx3 uint8 arrays."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                            "-of", "csv=p=0", path], check=True, capture_output=True, text=True).stdout.split()[0]
    w, h = map(int, probe.split(",")[:2])
    args = ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", path]
    if frame_filter:
        args += ["-vf", frame_filter, "-vsync", "0"]
    if max_frames:
        args += ["-frames:v", str(max_frames)]
    raw = subprocess.run(args + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    n = len(raw) // (w * h * 3)
    return [np.frombuffer(raw, np.uint8, w * h * 3, i * w * h * 3).reshape(h, w, 3) for i in range(n)]


def letterbox(img, size, norm):
    """Aspect-preserving resize (bilinear, numpy) into size x size, centred; NCHW float32."""
    h, w = img.shape[:2]
    s = min(size / w, size / h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    ys = np.clip((np.arange(nh) + 0.5) / s - 0.5, 0, h - 1)
    xs = np.clip((np.arange(nw) + 0.5) / s - 0.5, 0, w - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    f = img.astype(np.float32)
    top = f[y0][:, x0] * (1 - fx) + f[y0][:, x1] * fx
    bottom = f[y1][:, x0] * (1 - fx) + f[y1][:, x1] * fx
    resized = top * (1 - fy) + bottom * fy
    canvas = np.full((size, size, 3), 114.0 if norm == "yolo" else 0.0, np.float32)
    oy, ox = (size - nh) // 2, (size - nw) // 2
    canvas[oy:oy + nh, ox:ox + nw] = resized
    x = canvas / 255.0 if norm == "yolo" else canvas / 127.5 - 1.0
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None]).astype(np.float32)


class Frames(CalibrationDataReader):
    def __init__(self, name, tensors):
        self.name, self.items = name, list(tensors)

    def get_next(self):
        return {self.name: self.items.pop(0)} if self.items else None


def output_steps(model):
    """For each graph output, the largest scale of the DequantizeLinear nodes it is computed from through
    shape-only operators (Reshape, Transpose, Concat, Squeeze, Unsqueeze, Flatten, Identity); None when
    a computing operator comes between (the output is not a dequantised value)."""
    producer = {o: n for n in model.graph.node for o in n.output}
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    moving = {"Reshape", "Transpose", "Concat", "Squeeze", "Unsqueeze", "Flatten", "Identity"}

    def step(name):
        n = producer.get(name)
        if n is None:
            return None
        if n.op_type == "DequantizeLinear":
            return float(np.max(inits[n.input[1]])) if n.input[1] in inits else None
        if n.op_type in moving:
            data = [i for i in n.input[:1 if n.op_type != "Concat" else None] if i and i not in inits]
            steps = [step(i) for i in data]
            return None if not steps or any(s is None for s in steps) else max(steps)
        return None

    return {o.name: step(o.name) for o in model.graph.output}


def head_convs(model, outputs=None, depth=1):
    """Names of the Conv nodes whose outputs reach a graph output (of `outputs`, default all) through shape-only
    operators, and with depth 2 also the Conv that feeds each of them directly (the head's depthwise Conv)."""
    producer = {o: n for n in model.graph.node for o in n.output}
    inits = {t.name for t in model.graph.initializer}
    moving = {"Reshape", "Transpose", "Concat", "Squeeze", "Unsqueeze", "Flatten", "Identity"}
    heads, todo = [], [(o.name, depth) for o in model.graph.output if outputs is None or o.name in outputs]
    while todo:
        name, left = todo.pop()
        n = producer.get(name)
        if n is not None and n.op_type == "Conv" and n.name not in heads:
            heads.append(n.name)
            if left > 1:
                todo.append((n.input[0], left - 1))
        elif n is not None and n.op_type in moving and left == depth:
            todo += [(i, left) for i in n.input if i and i not in inits]
    return heads


def entropy_cache(model, name, calib, op_types, bins, quantized_bins, folder):
    """Entropy (KL-divergence) ranges of the tensors quantize_static calibrates, as its calibration cache. Through
    quantize_static itself, CalibrationMethod.Entropy keeps ONNX Runtime's 128 histogram bins and 128 quantized bins,
    where the search has no narrower range to try: the ranges (and the model) are MinMax's, byte for byte."""
    from onnxruntime.quantization.calibrate import create_calibrator, save_tensors_data
    calibrator = create_calibrator(Path(model), op_types or [], augmented_model_path=os.path.join(folder, "augmented.onnx"),
                                   calibrate_method=CalibrationMethod.Entropy,
                                   extra_options={"num_bins": bins, "num_quantized_bins": quantized_bins})
    calibrator.collect_data(Frames(name, calib))
    path = os.path.join(folder, "ranges.json")
    save_tensors_data(calibrator.compute_data(), path)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--model", required=True)
    ap.add_argument("--norm", choices=["yolo", "mediapipe"], required=True)
    ap.add_argument("--video", required=True, help="calibration clip (e.g. opencv-doc's vtest.avi)")
    ap.add_argument("--every", type=int, default=50, help="calibrate on every Nth frame")
    ap.add_argument("--frames", type=int, default=16, help="calibration frames")
    ap.add_argument("--image", required=True, help="the photo of test_data_set_0")
    ap.add_argument("--activations", choices=["uint8", "int8"], default="uint8")
    ap.add_argument("--weights", choices=["int8", "uint8"], default="int8",
                    help="weight_type (ORT's default for users is int8; uint8 tests the rarer QUInt8 weights)")
    ap.add_argument("--op-types", default="Conv,MatMul", help="op_types_to_quantize ('all': every type ORT quantises)")
    ap.add_argument("--float-heads", nargs="?", const="all", choices=["all", "regressors"],
                    help="keep the Convs that feed the outputs in float (regressors: only those of the outputs with "
                         "more than one value an anchor, the MediaPipe models' box and keypoint regressors)")
    ap.add_argument("--float-head-depth", type=int, default=1,
                    help="with --float-heads: 2 also keeps the Conv before each head Conv (its depthwise one) in float")
    ap.add_argument("--calibration", choices=["minmax", "percentile", "entropy"], default="minmax",
                    help="calibrate_method: MinMax, Percentile (--percentile of |x|) or Entropy (KL divergence)")
    ap.add_argument("--percentile", type=float, default=99.999, help="CalibPercentile of --calibration percentile")
    ap.add_argument("--entropy-bins", default="2048,255",
                    help="--calibration entropy: histogram bins and quantized bins (see entropy_cache)")
    ap.add_argument("--per-tensor", action="store_true", help="per_channel=False: one weight scale per tensor")
    ap.add_argument("--extra-video", action="append", default=[],
                    help="another calibration clip (VIDEO[:EVERY[:FRAMES]], default --every and --frames)")
    a = ap.parse_args()

    float_model = onnx.load(a.model)
    inp = float_model.graph.input[0]
    size = inp.type.tensor_type.shape.dim[2].dim_value
    frames = read_rgb(a.video, f"select=not(mod(n\\,{a.every}))", a.frames)
    for spec in a.extra_video:
        path, every, count = (spec.split(":") + [a.every, a.frames])[:3]
        frames += read_rgb(path, f"select=not(mod(n\\,{int(every)}))", int(count))
    calib = [letterbox(f, size, a.norm) for f in frames]
    os.makedirs(os.path.join(a.out, "test_data_set_0"), exist_ok=True)
    out_model = os.path.join(a.out, "model.onnx")
    method = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
              "entropy": CalibrationMethod.Entropy}[a.calibration]
    heads = None if a.float_heads != "regressors" else [
        o.name for o in float_model.graph.output if o.type.tensor_type.shape.dim[-1].dim_value > 1]
    op_types = None if a.op_types == "all" else a.op_types.split(",")
    scratch = tempfile.TemporaryDirectory(prefix="vigil-quantize-")
    cache = None
    if a.calibration == "entropy":
        bins, qbins = map(int, a.entropy_bins.split(","))
        cache = entropy_cache(a.model, inp.name, calib, op_types, bins, qbins, scratch.name)
    quantize_static(a.model, out_model, Frames(inp.name, calib), quant_format=QuantFormat.QDQ,
                    per_channel=not a.per_tensor,
                    activation_type=QuantType.QUInt8 if a.activations == "uint8" else QuantType.QInt8,
                    weight_type=QuantType.QInt8 if a.weights == "int8" else QuantType.QUInt8,
                    op_types_to_quantize=op_types, calibrate_method=method,
                    nodes_to_exclude=head_convs(float_model, heads, a.float_head_depth) if a.float_heads else None,
                    extra_options={"CalibPercentile": a.percentile} if a.calibration == "percentile" else None,
                    **({"calibration_cache_path": cache} if cache else {}))
    scratch.cleanup()
    x = letterbox(read_rgb(a.image)[0], size, a.norm)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    q = onnx.load(out_model)
    outs = ort.InferenceSession(out_model, opts, providers=["CPUExecutionProvider"]).run(None, {inp.name: x})
    fouts = ort.InferenceSession(a.model, opts, providers=["CPUExecutionProvider"]).run(None, {inp.name: x})
    d = os.path.join(a.out, "test_data_set_0")
    with open(os.path.join(d, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, inp.name).SerializeToString())
    for i, (o, v) in enumerate(zip(q.graph.output, outs)):
        with open(os.path.join(d, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(v, o.name).SerializeToString())
    for i, (o, v) in enumerate(zip(float_model.graph.output, fouts)):
        with open(os.path.join(a.out, f"float_output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(v, o.name).SerializeToString())
    with open(os.path.join(a.out, "steps.json"), "w") as f:
        json.dump(output_steps(q), f, indent=1)
    counts = {}
    for n in q.graph.node:
        counts[n.op_type] = counts.get(n.op_type, 0) + 1
    print(a.out, "calibrated on", len(calib), "frames;", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
