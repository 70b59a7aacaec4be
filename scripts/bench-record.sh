#!/usr/bin/env bash
# `vigil bench record` against GStreamer's RTSP server on 127.0.0.1 (started and stopped here, free ports): a
# 1920x1080 25 fps H.264 stream at 4 Mbit/s (a moving box over temporal noise, GOP 25), looped by the server
# from a raw Annex-B file on /file (the /relay mount receives RTP over UDP, which loses the large key frames).
# Prints the CPU of recording per camera beside `ffmpeg -c copy -f segment` on the same stream, and the pre-roll's
# peak memory beside pre_roll_s x bitrate + one GOP.
# usage: scripts/bench-record.sh [--json] [SECONDS] [ROUNDS]   (needs a release build: swift build -c release)
source "$(dirname "$0")/testbed/bench-lib.sh"
seconds=${1:-20}
rounds=${2:-3}
# 12 s of 1080p at 4 Mbit/s (CBR-like), as raw H.264 for /file.
ffmpeg -nostdin -loglevel error -y \
  -f lavfi -i "color=c=0x282828:s=1920x1080:r=25:d=12" -f lavfi -i "color=c=0xD8D8D8:s=180x180:r=25:d=12" \
  -filter_complex "[0][1]overlay=eval=frame:x='mod(t*300,1920)':y=450,noise=alls=8:allf=t,format=yuv420p" \
  -c:v libx264 -preset veryfast -b:v 4M -maxrate 4M -bufsize 4M -g 25 -keyint_min 25 -sc_threshold 0 -bf 0 \
  -bsf:v h264_mp4toannexb -f h264 "$work/clip1080.264"
start_rtsp_server "$work/clip1080.264"
echo "== rtsp://127.0.0.1:$port/file (1920x1080, 25 fps, 4 Mbit/s), $seconds s x $rounds rounds per side" >&2
"$vigil" bench record "rtsp://127.0.0.1:$port/file" --seconds "$seconds" --rounds "$rounds" "${json[@]}"
