#!/usr/bin/env bash
# The one-thread table of the tensor engine beside ONNX Runtime (the daemon's mode: one thread per inference),
# from ONE `vigil bench nn --threads 1` run over the five models: the three shipped detectors and YOLOv8n at
# 320 and 640 (real ultralytics exports). Prints the bench's own output, then a markdown table of the CPU time
# per run (the calling thread's CPU clock, so time other processes held the core is not counted): medians over
# rounds with their spread (min…max of the rounds' medians), ONNX Runtime ÷ Vigil (≥ 1: Vigil as fast or
# faster), the wall-clock medians, and the load average before and after. Rounds alternate which engine runs
# first.
# usage: scripts/bench-nn-1thread.sh [--rounds R] [--iterations K] [--yolo DIR] [--vigil PATH]   (needs a release build and
#        python3 with onnxruntime; DIR holds 320/model.onnx and 640/model.onnx, default /tmp/yolov8n, made by
#        `python scripts/make_yolov8n_bench_models.py DIR` in a venv with ultralytics; missing YOLO models are
#        left out of the table with a note; PATH: the vigil executable (absolute, or relative to the repository),
#        default .build/release/vigil; e.g. a copy of an older build, for a before/after table)
set -euo pipefail
cd "$(dirname "$0")/.."
vigil=.build/release/vigil
rounds=3 iterations=10 yolo=/tmp/yolov8n
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --iterations) iterations=$2; shift 2 ;;
    --yolo) yolo=$2; shift 2 ;;
    --vigil) vigil=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds R] [--iterations K] [--yolo DIR] [--vigil PATH]" >&2; exit 64 ;;
  esac
done
[ -x "$vigil" ] || { echo "build first: swift build -c release --product vigil" >&2; exit 64; }
models=(samples/models/blazeface_short_128/model.onnx samples/models/blazeface_full_192/model.onnx
        samples/models/blazepose_detector_224/model.onnx)
for size in 320 640; do
  if [ -f "$yolo/$size/model.onnx" ]; then models+=("$yolo/$size/model.onnx")
  else echo "note: $yolo/$size/model.onnx missing (scripts/make_yolov8n_bench_models.py makes it); left out" >&2; fi
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$vigil" bench nn "${models[@]}" --threads 1 --rounds "$rounds" --iterations "$iterations" 2>&1 | tee "$out"
python3 - "$out" "${models[@]}" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
models = sys.argv[2:]
names = {"blazeface_short_128": "BlazeFace-128", "blazeface_full_192": "BlazeFace-192",
         "blazepose_detector_224": "pose detector 224"}
num = r"([0-9.]+)"
print()
for line in text.splitlines():
    if line.startswith("bench nn: load"):
        print(line)
print()
print("| model (GFLOP/run) | Vigil CPU ms (spread) | ONNX Runtime CPU ms (spread) | ORT ÷ Vigil (CPU) | wall medians Vigil / ORT ms |")
print("| --- | --- | --- | --- | --- |")
for path in models:
    parts = path.split("/")
    name = names.get(parts[-2], f"YOLOv8n-{parts[-2]}")
    p = re.escape(path)
    spread = re.search(p + r": rounds' medians vigil " + num + "…" + num + r" ms, onnxruntime \S+ " + num + "…" + num +
                       r" ms; CPU time vigil " + num + "…" + num + r" ms, onnxruntime \S+ " + num + "…" + num + " ms", text)
    gflop = re.search(p + r": " + num + " GFLOP per run", text)
    if not spread or not gflop:
        print(f"| {name} | (no result in the bench output) | | | |")
        continue
    rounds = re.findall(p + r" round \d+ \([^)]*\): vigil " + num + r" ms \(cpu " + num + r";.*?onnxruntime \S+ " + num +
                        r" ms \(cpu " + num + r"\)", text)
    med = lambda xs: sorted(xs)[len(xs) // 2] if len(xs) % 2 else sum(sorted(xs)[len(xs) // 2 - 1:len(xs) // 2 + 1]) / 2
    vw, vc, ow, oc = (med([float(r[i]) for r in rounds]) for i in range(4))
    s = [float(x) for x in spread.groups()]
    print(f"| {name} ({float(gflop.group(1)):g}) | {vc:.2f} ({s[4]:g}–{s[5]:g}) | {oc:.2f} ({s[6]:g}–{s[7]:g}) | "
          f"{oc / vc:.2f} | {vw:.2f} / {ow:.2f} |")
PY
