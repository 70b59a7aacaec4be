#!/usr/bin/env bash
# Issue 16's capacity figure in one command: how many live cameras one Vigil process analyses at 10 fps with the
# default detectors (motion-gated) and < 1 % of frames dropped after warm-up, for 640x360 and 1280x720.
# opencv-doc's vtest.avi (pedestrians; fetched by scripts/fetch-test-images.sh) is scaled to each size, encoded
# with libx264 (its defaults: B-frames) as raw Annex-B H.264, and served on 127.0.0.1 by GStreamer's RTSP
# server (scripts/testbed/rtsp_server.py, /file, stamped 25 fps; each client its own pipeline), on free ports;
# `vigil bench capacity` steps the camera count and prints a table per size with per-stage CPU per camera.
# The servers run on the same cores as Vigil: their CPU is printed beside each trial.
# usage: scripts/bench-capacity.sh [vigil bench capacity options: --seconds S --settle S --max N --fps F --model …
#   --tracked-every N (detect.tracked_every_n_frames; 1: as before that key, for an A/B)]
# needs a release build (swift build -c release); VIGIL_OPENCV_DATA: where the opencv-doc files are (.ci/opencv-data);
# VIGIL_CAPACITY_SIZES: the stream sizes (default "640x360 1280x720"); VIGIL=PATH: another vigil binary (a before/after
# comparison in the same conditions).
# Below each trial's row: detection per analysed frame (passes by kind; per model the inferences, their CPU time,
# the model input's pixels and the searched regions' side).
set -euo pipefail
cd "$(dirname "$0")/.."
vigil=${VIGIL:-.build/release/vigil}
[ -x "$vigil" ] || { echo "build first: swift build -c release" >&2; exit 64; }
data=${VIGIL_OPENCV_DATA:-.ci/opencv-data}
[ -f "$data/vtest.avi" ] || scripts/fetch-test-images.sh "$data" > /dev/null
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { /usr/bin/python3 -c "import socket; s=socket.socket(type=socket.$1); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
urls=()
server_args=()
for size in ${VIGIL_CAPACITY_SIZES:-640x360 1280x720}; do
  ffmpeg -nostdin -loglevel error -y -i "$data/vtest.avi" -an -vf "scale=${size/x/:}" -c:v libx264 -preset veryfast \
    -f h264 "$work/vtest-$size.264"
  port=$(free_port SOCK_STREAM); udp=$(free_port SOCK_DGRAM)
  VIGIL_RTSP_SHARED=0 /usr/bin/python3 scripts/testbed/rtsp_server.py "$port" "$work/vtest-$size.264" "$udp" \
    > "$work/server-$size.log" 2>&1 &
  pids+=($!)
  server_args+=(--server-pid "$!")
  for _ in $(seq 100); do grep -q serving "$work/server-$size.log" && break; sleep 0.1; done
  grep -q serving "$work/server-$size.log" || { cat "$work/server-$size.log" >&2; exit 1; }
  urls+=("rtsp://127.0.0.1:$port/file=vtest $size")
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
"$vigil" bench capacity "${urls[@]}" "${server_args[@]}" "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
