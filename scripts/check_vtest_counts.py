#!/usr/bin/env python3
"""Replays opencv-doc's vtest.avi with samples/scenes/vtest.yaml (a zone over the lower half, a line across the
middle, faces, BlazePose people and hog_people) and prints Vigil's zone_enter and line_cross counts beside the by-eye truth of
samples/groundtruth/vtest_zone_line.csv (clear events, and clear + marginal ones). Exits 1 when a count lies
outside [clear - TOL, clear + marginal + TOL] (--tolerance, default 5).

    scripts/check_vtest_counts.py --vigil .build/release/vigil --video .ci/opencv-data/vtest.avi [--tolerance 5]
        [--annotate OUT.mp4] [--frames OUT.jsonl]

The replay runs three detectors on 795 frames (most of them full-frame passes: minutes of CPU even in a release
build), so this is a script, not a CI test."""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def truth():
    path = os.path.join(ROOT, "samples/groundtruth/vtest_zone_line.csv")
    with open(path) as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    clear = Counter(r["event"] for r in rows if r["certainty"] == "clear")
    marginal = Counter(r["event"] for r in rows if r["certainty"] == "marginal")
    return clear, marginal


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", default=os.path.join(ROOT, ".build/release/vigil"))
    ap.add_argument("--video", default=os.path.join(ROOT, ".ci/opencv-data/vtest.avi"))
    ap.add_argument("--config", default=os.path.join(ROOT, "samples/scenes/vtest.yaml"))
    ap.add_argument("--tolerance", type=int, default=5)
    ap.add_argument("--annotate")
    ap.add_argument("--frames")
    a = ap.parse_args()
    for p in (a.vigil, a.video):
        if not os.path.exists(p):
            sys.exit(f"missing {p} (build vigil; scripts/fetch-test-images.sh .ci/opencv-data fetches vtest.avi)")
    with tempfile.TemporaryDirectory() as tmp:
        alerts = os.path.join(tmp, "alerts.jsonl")
        cmd = [a.vigil, "replay", a.video, "--config", a.config, "--alerts", alerts, "--stats"]
        if a.annotate:
            cmd += ["--annotate", a.annotate]
        if a.frames:
            cmd += ["--frames", a.frames]
        run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            sys.exit(f"vigil replay failed ({run.returncode}): {run.stderr.strip()}")
        with open(alerts) as f:
            events = [json.loads(line) for line in f if line.strip()]
    got = Counter(e["event"] for e in events)
    tracks = len({e.get("track_id") for e in events if e["event"] == "object_enter"})
    clear, marginal = truth()
    ok = True
    print(f"object_enter (tracks confirmed): {tracks}")
    for event in ("zone_enter", "line_cross"):
        lo, hi = clear[event], clear[event] + marginal[event]
        inside = lo - a.tolerance <= got[event] <= hi + a.tolerance
        ok = ok and inside
        print(f"{event}: Vigil {got[event]}, by eye {lo} clear ({lo}-{hi} with marginal ones), "
              f"tolerance {a.tolerance}: {'ok' if inside else 'OUTSIDE'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
