#!/usr/bin/env bash
# `vigil bench pipeline` against GStreamer's RTSP server on 127.0.0.1 (started and stopped here, free ports):
# N cameras on the live 640x360 test pattern (/test), and on a looped 1280x720 H.264 clip (/file).
# usage: scripts/bench-pipeline.sh [--json] [CAMERAS...]   (default cameras: 1 2 4; needs a release build)
# Motion only by default (--model none); VIGIL_BENCH_MODEL=blazeface_short_128 (shipped model names or paths,
# comma-separated) runs those detectors on every camera. Each figure's name says which detectors ran.
set -euo pipefail
cd "$(dirname "$0")/.."
json=()
if [ "${1:-}" = --json ]; then json=(--json); shift; fi
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 2 4)
vigil=.build/release/vigil
[ -x "$vigil" ] || { echo "build first: swift build -c release" >&2; exit 64; }
seconds=${VIGIL_BENCH_SECONDS:-10}
fps=${VIGIL_BENCH_FPS:-10}
work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# A 1280x720 clip as raw Annex-B H.264 for /file.
samples/make_samples.sh "$work" --720p > /dev/null
ffmpeg -nostdin -loglevel error -y -i "$work/boxes-720p.mp4" -an -c:v copy -bsf:v h264_mp4toannexb -f h264 "$work/clip720.264"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
udp=$(/usr/bin/python3 -c 'import socket; s=socket.socket(type=socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 scripts/testbed/rtsp_server.py "$port" "$work/clip720.264" "$udp" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q serving "$work/server.log" && break; sleep 0.1; done
for mount in test file; do
  for n in "${counts[@]}"; do
    echo "== rtsp://127.0.0.1:$port/$mount ($([ $mount = test ] && echo 640x360 live pattern || echo 1280x720 clip)), $n camera(s)" >&2
    model=(--model "${VIGIL_BENCH_MODEL:-none}")
    "$vigil" bench pipeline "rtsp://127.0.0.1:$port/$mount" --cameras "$n" --seconds "$seconds" --fps "$fps" "${model[@]}" "${json[@]}"
  done
done
