#!/usr/bin/env bash
# `vigil bench mjpeg` against GStreamer's RTSP server on 127.0.0.1 (started and stopped here, free ports): the
# endless 640x360 25 fps test pattern on /test. Prints the CPU of a running `vigil run` (one camera, motion only)
# with N viewers on /api/cameras/cam/mjpeg beside the same daemon with none, in alternating windows.
# usage: scripts/bench-mjpeg.sh [--json] [SECONDS] [ROUNDS] [VIEWERS]   (needs a release build: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
json=()
if [ "${1:-}" = --json ]; then json=(--json); shift; fi
seconds=${1:-10}
rounds=${2:-3}
viewers=${3:-4}
vigil=.build/release/vigil
[ -x "$vigil" ] || { echo "build first: swift build -c release" >&2; exit 64; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
udp=$(/usr/bin/python3 -c 'import socket; s=socket.socket(type=socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 scripts/testbed/rtsp_server.py "$port" /dev/null "$udp" > "$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q serving "$work/server.log" && break; sleep 0.1; done
grep -q serving "$work/server.log" || { echo "the RTSP server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
echo "== rtsp://127.0.0.1:$port/test (640x360, 25 fps test pattern), $viewers viewers, $seconds s x $rounds rounds" >&2
"$vigil" bench mjpeg "rtsp://127.0.0.1:$port/test" --viewers "$viewers" --seconds "$seconds" --rounds "$rounds" "${json[@]}"
