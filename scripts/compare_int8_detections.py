#!/usr/bin/env python3
"""Float vs int8 in use (issue 17): `vigil detect` on the opencv-doc photos and `vigil replay` of clips with each
detector's float model and its int8 version (quantised here by scripts/make_quantized_models.py, the README's
recipe: QDQ, per-channel int8 weights, uint8 activations, MinMax on 16 frames of vtest.avi), and the differences:

  photo lines   detections float vs int8, matched one to one by IoU (same label, IoU >= 0.5, best pairs first):
                matched count, mean and lowest IoU, score int8 - float (mean, range), the unmatched ones of each side;
  anchors lines (MediaPipe models) the heads' raw outputs float vs int8 at every anchor the float model scores above
                0.5 (compare_anchors): far more pairs than the detections;
  replay lines  the same over every analysed frame of `vigil replay --frames` (motion-gated passes: both runs see
                the same motion), then the alerts of each run by event (object_enter, zone_enter, line_cross, ...)
                and label, and how many frames apart the alerts of one kind, paired in order, came.

  python3 scripts/compare_int8_detections.py --vigil .build/release/vigil --data .ci/opencv-data \\
      [--yolo /tmp/yolov8n/320/model.onnx] [--scenes samples/out] [--work /tmp/int8-compare] [--threads 2]
      [--float-heads] [--recipe='--calibration percentile'] [--models blazepose_detector_224] [--photos-only]

Models: blazeface_short_128 (faces: facereg, face_swapped, messi5; the face scenes of samples/make_scenes.sh with
samples/scenes/rules.yaml when --scenes names their folder), blazepose_detector_224 (person boxes: basketball1,
messi5, person_multi_det; vtest.avi with samples/scenes/vtest.yaml, its detect.models replaced by the model), the
ultralytics_v8_320 test fixture (random weights: noise boxes, but many; photos only) and, with --yolo, a float YOLO export (the
same photos and replay). An int8 model directory is a folder with model.onnx:
`vigil detect --model DIR`, or `detect.models: [DIR]` in a config, loads it like the float one.
Needs python3 with onnxruntime, onnx, numpy and PyYAML; ffmpeg.
"""
import argparse
import collections
import json
import os
import subprocess
import sys

import numpy as np
import onnxruntime as ort
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from make_quantized_models import letterbox, read_rgb  # noqa: E402
FACE_PHOTOS = ["facereg.jpg", "face_swapped.jpg", "messi5.jpg"]
PERSON_PHOTOS = ["basketball1.png", "messi5.jpg", "person_multi_det.jpg"]
SCENES = ["face-cross.mp4", "face-loiter.mp4", "face-left.mp4"]


def iou(a, b):
    iw, ih = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def match(fl, q8, threshold=0.5):
    """One-to-one pairs (float, int8, IoU) of the same label with IoU >= threshold, best IoU first; the unmatched."""
    pairs = sorted(((iou(f["box"], q["box"]), i, j) for i, f in enumerate(fl) for j, q in enumerate(q8)
                    if f["label"] == q["label"]), reverse=True)
    used_f, used_q, out = set(), set(), []
    for v, i, j in pairs:
        if v < threshold or i in used_f or j in used_q:
            continue
        used_f.add(i), used_q.add(j), out.append((fl[i], q8[j], v))
    return out, [f for i, f in enumerate(fl) if i not in used_f], [q for j, q in enumerate(q8) if j not in used_q]


class Tally:
    """Matched pairs and unmatched detections over photos or frames."""

    def __init__(self):
        self.n_float = self.n_int8 = 0
        self.ious, self.dscores, self.only_float, self.only_int8 = [], [], [], []

    def add(self, fl, q8, where=""):
        pairs, uf, uq = match(fl, q8)
        self.n_float += len(fl)
        self.n_int8 += len(q8)
        self.ious += [v for _, _, v in pairs]
        self.dscores += [q["score"] - f["score"] for f, q, _ in pairs]
        self.only_float += [(where, f) for f in uf]
        self.only_int8 += [(where, q) for q in uq]

    def line(self):
        s = f"float {self.n_float}, int8 {self.n_int8}, matched {len(self.ious)}"
        if self.ious:
            s += (f" (IoU mean {sum(self.ious) / len(self.ious):.3f}, lowest {min(self.ious):.3f}; score int8 - float "
                  f"mean {sum(self.dscores) / len(self.dscores):+.4f}, {min(self.dscores):+.4f} .. {max(self.dscores):+.4f})")
        return s + f", only float {len(self.only_float)}, only int8 {len(self.only_int8)}"


def short(d):
    return f"{d['label']} {d['score']:.3f} [{', '.join(f'{v:.0f}' for v in d['box'])}]"


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def quantise(model, norm, data, out, recipe):
    """make_quantized_models.py into `out` (kept: a second run reuses it) with the extra arguments `recipe`."""
    if not os.path.exists(os.path.join(out, "model.onnx")):
        run([sys.executable, os.path.join(ROOT, "scripts/make_quantized_models.py"), "--model", model, "--norm", norm,
             "--video", os.path.join(data, "vtest.avi"), "--image", os.path.join(data, "messi5.jpg"), out] + recipe)
    return out


def detect(vigil, photo, model, threads):
    lines = run([vigil, "detect", photo, "--model", model, "--threads", str(threads)]).splitlines()
    return [json.loads(l) for l in lines if l.startswith("{")]


def compare_photos(vigil, data, name, fmodel, qdir, photos, threads):
    total = Tally()
    for p in photos:
        fl, q8 = detect(vigil, os.path.join(data, p), fmodel, threads), detect(vigil, os.path.join(data, p), qdir, threads)
        t = Tally()
        t.add(fl, q8)
        total.add(fl, q8)
        print(f"  {p}: {t.line()}")
        if len(fl) + len(q8) > 20:
            continue  # the YOLO fixture's hundreds of noise boxes: the summary only
        for _, f in t.only_float:
            print(f"    only float: {short(f)}")
        for _, q in t.only_int8:
            print(f"    only int8:  {short(q)}")
        for f, q, v in match(fl, q8)[0]:
            print(f"    {short(f)}  ->  int8 {q['score']:.3f} [{', '.join(f'{x:.0f}' for x in q['box'])}]  IoU {v:.3f}")
    print(f"  all photos: {total.line()}")


def square_iou(a, b):
    """IoU of two boxes (x0, y0, x1, y1)."""
    iw, ih = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
    inter = max(iw, 0) * max(ih, 0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def compare_anchors(data, fmodel, qdir, photos):
    """The MediaPipe heads' raw outputs, float vs int8 (ONNX Runtime, whose int8 outputs Vigil's equal), at every
    anchor the float model scores above 0.5 on the photos and on every 40th frame of Megamind.avi (7 frames; not the
    calibration clip): far more pairs than the few detections. Regressor values are input pixels relative to the
    anchor, so a box's IoU needs no anchors: the regressed box (cx, cy, w, h) and, for the pose detector, the body
    region Vigil builds (BodyRegion: a square around keypoint 0, half side 1.25 x the distance to keypoint 1)."""
    imgs = [read_rgb(os.path.join(data, p))[0] for p in photos]
    imgs += read_rgb(os.path.join(data, "Megamind.avi"), "select=not(mod(n\\,40))", 8)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    fs = ort.InferenceSession(fmodel, opts, providers=["CPUExecutionProvider"])
    qs = ort.InferenceSession(os.path.join(qdir, "model.onnx"), opts, providers=["CPUExecutionProvider"])
    inp = fs.get_inputs()[0]
    reg_i = 0 if fs.get_outputs()[0].shape[-1] > 1 else 1
    dbox, dkey, dscore, box_iou, region_iou = [], [], [], [], []
    for img in imgs:
        x = letterbox(img, inp.shape[2], "mediapipe")
        (freg, fcls), (qreg, qcls) = [(o[reg_i][0], o[1 - reg_i][0, :, 0]) for o in
                                      (fs.run(None, {inp.name: x}), qs.run(None, {inp.name: x}))]
        for a in np.nonzero(fcls > 0)[0]:
            f, q = freg[a], qreg[a]
            dbox += list(np.abs(q[:4] - f[:4]))
            dkey += list(np.abs(q[4:] - f[4:]))
            dscore.append(qcls[a] - fcls[a])
            box_iou.append(square_iou(*[(r[0] - r[2] / 2, r[1] - r[3] / 2, r[0] + r[2] / 2, r[1] + r[3] / 2) for r in (f, q)]))
            if freg.shape[1] == 12:  # the pose detector: its body region
                half = [1.25 * np.hypot(r[6] - r[4], r[7] - r[5]) for r in (f, q)]
                region_iou.append(square_iou(*[(r[4] - h, r[5] - h, r[4] + h, r[5] + h) for r, h in zip((f, q), half)]))
    if not dscore:
        return print("  anchors: none above 0.5")

    def spread(v):
        return f"mean {np.mean(v):.3f}, 10th percentile {np.percentile(v, 10):.3f}, lowest {np.min(v):.3f}"
    print(f"  anchors above 0.5 ({len(imgs)} images): {len(dscore)}; |int8 - float| box {np.mean(dbox):.2f} px, keypoints "
          f"{np.mean(dkey):.2f} px; score logit int8 - float mean {np.mean(dscore):+.2f} (|.| {np.mean(np.abs(dscore)):.2f})")
    print(f"    box IoU {spread(box_iou)}" + (f"; body region IoU {spread(region_iou)}" if region_iou else ""))


def replay(vigil, clip, config, model, work, tag, camera=None):
    with open(config) as f:
        cfg = yaml.safe_load(f)
    cfg.setdefault("detect", {}).pop("model", None)
    cfg["detect"]["models"] = [model]
    cfg.pop("snapshots", None)
    path = os.path.join(work, f"{tag}.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    frames = os.path.join(work, f"{tag}.frames.jsonl")
    args = [vigil, "replay", clip, "--config", path, "--frames", frames] + (["--camera", camera] if camera else [])
    alerts = [json.loads(l) for l in run(args, cwd=ROOT).splitlines() if l.startswith("{")]
    with open(frames) as f:
        per_frame = {j["frame"]: j.get("detections", []) for j in map(json.loads, f)}
    return per_frame, alerts


def compare_replay(vigil, clip, config, name, fmodel, qdir, work, camera=None):
    tag = f"{os.path.basename(qdir)}-{os.path.basename(clip)}"
    ff, fa = replay(vigil, clip, config, fmodel, work, tag + "-float", camera)
    qf, qa = replay(vigil, clip, config, qdir, work, tag + "-int8", camera)
    t = Tally()
    for n in sorted(set(ff) | set(qf)):
        t.add(ff.get(n, []), qf.get(n, []), n)
    print(f"  {os.path.basename(clip)} ({len(ff)} frames analysed): detections {t.line()}")
    key = lambda a: f"{a['event']}" + (f" {a['label']}" if a.get("label") else "")
    cf, cq = collections.Counter(map(key, fa)), collections.Counter(map(key, qa))
    # alerts of one kind paired in order: how many frames later (+) or earlier (-) the int8 run raised them
    shifts = [q["frame"] - f["frame"] for k in cf for f, q in zip([a for a in fa if key(a) == k], [a for a in qa if key(a) == k])]
    print(f"    alerts float {len(fa)}, int8 {len(qa)}: " + ", ".join(
        f"{k} {cf[k]}/{cq[k]}" for k in sorted(set(cf) | set(cq))) + " (float/int8)"
        + (f"; paired alerts int8 - float frames {min(shifts):+d} .. {max(shifts):+d}" if shifts else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--data", required=True, help="opencv-doc photos and clips (scripts/fetch-test-images.sh)")
    ap.add_argument("--yolo", help="a float YOLO export (square input) to compare too")
    ap.add_argument("--scenes", help="folder of samples/make_scenes.sh's face scenes")
    ap.add_argument("--work", default="/tmp/vigil-int8-compare")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--float-heads", action="store_true", help="quantise with make_quantized_models.py --float-heads")
    ap.add_argument("--recipe", default="", help="more make_quantized_models.py arguments, e.g. '--calibration "
                    "percentile' (one string; its words name the int8 folder)")
    ap.add_argument("--models", help="only these models (comma-separated: blazeface_short_128, blazepose_detector_224, "
                    "ultralytics_v8_320, yolo)")
    ap.add_argument("--photos-only", action="store_true", help="no replays")
    a = ap.parse_args()
    recipe = (["--float-heads"] if a.float_heads else []) + a.recipe.split()
    tag = "-int8" + "".join("-" + w.lstrip("-").replace("/", "_").replace(":", "_") for w in recipe)
    os.makedirs(a.work, exist_ok=True)
    vigil, data = os.path.abspath(a.vigil), os.path.abspath(a.data)
    models = [("blazeface_short_128", os.path.join(ROOT, "samples/models/blazeface_short_128/model.onnx"), "mediapipe",
               FACE_PHOTOS),
              ("blazepose_detector_224", os.path.join(ROOT, "samples/models/blazepose_detector_224/model.onnx"),
               "mediapipe", PERSON_PHOTOS)]
    # random weights rescaled to unit output level (Tests/Fixtures/README.md): its boxes are noise, but many (some
    # 240 a photo at score > 0.25), and show how far int8 moves a YOLO decode; on the photos only (a replay of its
    # noise boxes on every frame of vtest.avi takes minutes and says nothing more)
    models.append(("ultralytics_v8_320", os.path.join(ROOT, "Tests/Fixtures/ultralytics_v8_320/model.onnx"), "yolo",
                   PERSON_PHOTOS))
    if a.yolo:
        models.append(("yolo", os.path.abspath(a.yolo), "yolo", PERSON_PHOTOS))
    for name, fmodel, norm, photos in models:
        if a.models and name not in a.models.split(","):
            continue
        qdir = quantise(fmodel, norm, data, os.path.join(a.work, name + tag), recipe)
        print(f"{name}: float {os.path.relpath(fmodel, ROOT) if fmodel.startswith(ROOT) else fmodel} vs int8 {qdir}")
        compare_photos(vigil, data, name, fmodel, qdir, photos, a.threads)
        if norm == "mediapipe":
            compare_anchors(data, fmodel, qdir, photos)
        if a.photos_only:
            continue
        if norm == "mediapipe" and "face" in name:
            for s in SCENES if a.scenes else []:
                compare_replay(vigil, os.path.join(a.scenes, s), os.path.join(ROOT, "samples/scenes/rules.yaml"), name,
                               fmodel, qdir, a.work, camera="scene")
        elif name != "ultralytics_v8_320":
            compare_replay(vigil, os.path.join(data, "vtest.avi"), os.path.join(ROOT, "samples/scenes/vtest.yaml"), name,
                           fmodel, qdir, a.work)


if __name__ == "__main__":
    main()
