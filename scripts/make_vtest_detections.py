#!/usr/bin/env python3
"""Records what Vigil's detectors find on opencv-doc's vtest.avi with samples/scenes/vtest.yaml, frame by frame, as
samples/groundtruth/vtest_detections.csv: for every analysed frame where the detector looked (full frame, the
searched regions, or nothing moved) and the detections after filters, merging and person/face fusion, i.e. what
the camera's tracker is given. VtestCountsTests (Tests/PipelineTests) feeds these rows to the tracker and the
rules and compares the zone_enter / line_cross counts with the by-eye truth (vtest_zone_line.csv) in seconds,
where replaying the clip with three detectors takes minutes of CPU even in a release build.

    scripts/make_vtest_detections.py --vigil .build/release/vigil --video .ci/opencv-data/vtest.avi \\
        [--frames-log EXISTING.jsonl] [--out samples/groundtruth/vtest_detections.csv]

Without --frames-log it runs `vigil replay VIDEO --config samples/scenes/vtest.yaml --frames TMP`. Re-record
after a change to a detector, to the fusion or to the region planner (the regions searched depend on the tracks
too, so a tracker change moves a few rows; VtestCountsTests bounds stay wide enough for that)."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = """# What Vigil's detectors gave the tracker on opencv-doc's vtest.avi (768x576, 10 fps, 795 frames) with
# samples/scenes/vtest.yaml, recorded by scripts/make_vtest_detections.py from `vigil replay --frames`. One row per
# analysed frame's pass (kind=pass, label = full_frame | regions | no_motion | tracked), per searched region (kind=region,
# source pixels) and per detection after filters, merging and person/face fusion (kind=det). Read by
# Tests/PipelineTests/VtestCountsTests.swift.
frame,media_time,kind,label,score,x1,y1,x2,y2
"""


def fmt(v):
    return f"{v:.1f}"


def convert(frames_log, out):
    rows = 0
    with open(frames_log) as f, open(out, "w") as o:
        o.write(HEADER)
        for line in f:
            r = json.loads(line)
            p = r.get("pass")
            if p is None or p == "skipped":
                continue
            t = f"{r['media_time']:.3f}"
            o.write(f"{r['frame']},{t},pass,{p},,,,,\n")
            for b in r.get("regions", []):
                o.write(f"{r['frame']},{t},region,,,{','.join(fmt(v) for v in b)}\n")
            for d in r["detections"]:
                o.write(f"{r['frame']},{t},det,{d['label']},{d['score']:.3f},{','.join(fmt(v) for v in d['box'])}\n")
            rows += 1
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", default=os.path.join(ROOT, ".build/release/vigil"))
    ap.add_argument("--video", default=os.path.join(ROOT, ".ci/opencv-data/vtest.avi"))
    ap.add_argument("--config", default=os.path.join(ROOT, "samples/scenes/vtest.yaml"))
    ap.add_argument("--frames-log", help="an existing `vigil replay --frames` file of that replay")
    ap.add_argument("--out", default=os.path.join(ROOT, "samples/groundtruth/vtest_detections.csv"))
    a = ap.parse_args()
    if a.frames_log:
        n = convert(a.frames_log, a.out)
    else:
        for p in (a.vigil, a.video):
            if not os.path.exists(p):
                sys.exit(f"missing {p} (build vigil; scripts/fetch-test-images.sh .ci/opencv-data fetches vtest.avi)")
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "frames.jsonl")
            cmd = [a.vigil, "replay", a.video, "--config", a.config, "--alerts", os.path.join(tmp, "a.jsonl"),
                   "--frames", log]
            run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=dict(os.environ, VIGIL_MODELS=os.path.join(ROOT, "samples/models")))
            if run.returncode != 0:
                sys.exit(f"vigil replay failed ({run.returncode}): {run.stderr.strip()}")
            n = convert(log, a.out)
    print(f"{a.out}: {n} analysed frames")


if __name__ == "__main__":
    main()
