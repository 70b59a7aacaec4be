#!/usr/bin/env bash
# `vigil bench mjpeg` against GStreamer's RTSP server on 127.0.0.1 (started and stopped here, free ports): the
# endless 640x360 25 fps test pattern on /test. Prints the CPU of a running `vigil run` (one camera, motion only)
# with N viewers on /api/cameras/cam/mjpeg beside the same daemon with none, in alternating windows.
# usage: scripts/bench-mjpeg.sh [--json] [SECONDS] [ROUNDS] [VIEWERS]   (needs a release build: swift build -c release)
source "$(dirname "$0")/testbed/bench-lib.sh"
seconds=${1:-10}
rounds=${2:-3}
viewers=${3:-4}
start_rtsp_server /dev/null
echo "== rtsp://127.0.0.1:$port/test (640x360, 25 fps test pattern), $viewers viewers, $seconds s x $rounds rounds" >&2
"$vigil" bench mjpeg "rtsp://127.0.0.1:$port/test" --viewers "$viewers" --seconds "$seconds" --rounds "$rounds" "${json[@]}"
