#!/usr/bin/env bash
# Generates Vigil's sample clips with ffmpeg (lavfi sources, known ground truth). Nothing here is committed
# as video: run this script instead.
#
#   samples/make_samples.sh [OUT_DIR]        default OUT_DIR: samples/out
#
# Clips (640x360, 25 fps, H.264, camera-like GOP of 25 frames, temporal noise on a dark background):
#   boxes.mp4    12 s. Ground truth (frame = 25 * t):
#                  A  60x60 light grey, y 150..210, x = -60 + 200*(t-2) for 2 <= t <= 6  -> visible frames 51..137
#                  C  50x50 red,        x = 100 + 120*(t-3), y = 40 + 60*(t-3) for 3 <= t <= 5 -> frames 75..125
#                  B  40x80 green,      x 300..340, y = -80 + 220*(t-8) for 8 <= t <= 10 -> visible frames 201..249
#                so motion runs over frames 51..137 and 201..249 and nothing moves elsewhere.
#   static.mp4   8 s, the same noisy background with nothing moving (negative control).
#   clock.mp4    10 s, the noisy background with an on-screen clock (drawtext of the media time, HH:MM:SS.mmm,
#                changing every frame, in a dark box within x 0..260, y 0..56) and one 60x60 light grey box,
#                y 200..260, x = -60 + 233*(t-3) for 3 <= t <= 6 -> visible frames 76..150. With
#                `motion.mask: [[[0, 0], [260, 0], [260, 56], [0, 56]]]` only the box moves.
#   boxes-720p.mp4  (with --720p) the boxes scene at 1280x720, for memory and speed figures.
#   face-720p.mp4   (with --detect) sparse motion for `vigil bench detect`: 1280x720, 25 fps, 30 s, a real face
#                (opencv-doc's face_swapped.jpg, the face cropped and scaled to 360x360: fetch it with
#                scripts/fetch-test-images.sh into $VIGIL_OPENCV_DATA, default .ci/opencv-data) on a still
#                textured background with temporal noise: still at (100,180) until t = 8 s, slides right to
#                (700,180) over t = 8…11 s (frames 200…275), then still to the end.
#   tamper-*.mp4 8 s each, a textured still scene (a Mandelbrot picture) with temporal noise; from t = 4 s
#                (frame 100) on: tamper-covered.mp4 goes black (lens covered), tamper-blur.mp4 is blurred
#                (boxblur 12: defocused), tamper-moved.mp4 shifts by (20, 10) px (the camera was turned);
#                tamper-still.mp4 stays unchanged (negative control).
#   tamper-covered-recover.mp4, tamper-blur-recover.mp4  10 s, the same still: black (or boxblur 12) for
#                4 <= t < 7 (frames 100..174), then the camera is fine again (tamper_cleared).
# Every clip carries creation_time 2026-01-01T00:00:00Z, so replays have fixed timestamps.
set -euo pipefail
out="${1:-$(dirname "$0")/out}"
want720=0
wantdetect=0
for a in "$@"; do [ "$a" = "--720p" ] && want720=1; [ "$a" = "--detect" ] && wantdetect=1; done
case "$out" in --*) out="$(dirname "$0")/out" ;; esac
mkdir -p "$out"
command -v ffmpeg >/dev/null || { echo "make_samples.sh: ffmpeg is not installed (apt-get install -y ffmpeg)" >&2; exit 1; }

x264=(-c:v libx264 -preset veryfast -pix_fmt yuv420p -g 25 -keyint_min 25 -sc_threshold 0 -bf 0)
meta=(-metadata creation_time=2026-01-01T00:00:00Z)

boxes() {  # boxes W H SCALE OUT
  local w=$1 h=$2 s=$3 dst=$4
  ffmpeg -nostdin -loglevel error -y \
    -f lavfi -i "color=c=0x282828:s=${w}x${h}:r=25:d=12" \
    -f lavfi -i "color=c=0xD8D8D8:s=$((60*s))x$((60*s)):r=25:d=12" \
    -f lavfi -i "color=c=0xC03030:s=$((50*s))x$((50*s)):r=25:d=12" \
    -f lavfi -i "color=c=0x30C030:s=$((40*s))x$((80*s)):r=25:d=12" \
    -filter_complex "\
[0][1]overlay=eval=frame:x='if(between(t,2,6),(-60+200*(t-2))*$s,-10000)':y=150*$s[a];\
[a][2]overlay=eval=frame:x='if(between(t,3,5),(100+120*(t-3))*$s,-10000)':y='if(between(t,3,5),(40+60*(t-3))*$s,-10000)'[b];\
[b][3]overlay=eval=frame:x=300*$s:y='if(between(t,8,10),(-80+220*(t-8))*$s,-10000)',\
noise=alls=8:allf=t,format=yuv420p" \
    "${x264[@]}" "${meta[@]}" "$dst"
}

boxes 640 360 1 "$out/boxes.mp4"
ffmpeg -nostdin -loglevel error -y -f lavfi -i "color=c=0x282828:s=640x360:r=25:d=8" \
  -vf "noise=alls=8:allf=t,format=yuv420p" "${x264[@]}" "${meta[@]}" "$out/static.mp4"
# An on-screen clock (a motion mask's use case) and one moving box.
ffmpeg -nostdin -loglevel error -y -f lavfi -i "color=c=0x282828:s=640x360:r=25:d=10" \
  -f lavfi -i "color=c=0xD8D8D8:s=60x60:r=25:d=10" \
  -filter_complex "[0][1]overlay=eval=frame:x='if(between(t,3,6),-60+233*(t-3),-10000)':y=200,\
drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf:text='%{pts\\:hms}':x=12:y=12:fontsize=28:\
fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=6,noise=alls=8:allf=t,format=yuv420p" \
  "${x264[@]}" "${meta[@]}" "$out/clock.mp4"
# Camera tamper: one still, four clips that differ only after t = 4 s.
ffmpeg -nostdin -loglevel error -y -f lavfi -i "mandelbrot=s=680x400:start_scale=2.5,trim=end_frame=1" \
  -frames:v 1 "$out/tamper-still.png"
tamper() {  # tamper FILTER OUT [SECONDS]
  ffmpeg -nostdin -loglevel error -y -loop 1 -framerate 25 -t "${3:-8}" -i "$out/tamper-still.png" \
    -vf "$1,noise=alls=6:allf=t,format=yuv420p" "${x264[@]}" "${meta[@]}" "$2"
}
tamper "crop=640:360:20:20" "$out/tamper-still.mp4"
tamper "crop=640:360:20:20,drawbox=x=0:y=0:w=iw:h=ih:c=black:t=fill:enable='gte(t,4)'" "$out/tamper-covered.mp4"
tamper "crop=640:360:20:20,boxblur=12:enable='gte(t,4)'" "$out/tamper-blur.mp4"
tamper "crop=640:360:x='if(gte(t,4),40,20)':y='if(gte(t,4),30,20)'" "$out/tamper-moved.mp4"
tamper "crop=640:360:20:20,drawbox=x=0:y=0:w=iw:h=ih:c=black:t=fill:enable='between(t,4,6.99)'" \
  "$out/tamper-covered-recover.mp4" 10
tamper "crop=640:360:20:20,boxblur=12:enable='between(t,4,6.99)'" "$out/tamper-blur-recover.mp4" 10
rm -f "$out/tamper-still.png"
if [ "$want720" = 1 ]; then boxes 1280 720 2 "$out/boxes-720p.mp4"; fi
if [ "$wantdetect" = 1 ]; then
  data="${VIGIL_OPENCV_DATA:-$(dirname "$0")/../.ci/opencv-data}"
  [ -f "$data/face_swapped.jpg" ] || { echo "make_samples.sh: $data/face_swapped.jpg missing (scripts/fetch-test-images.sh $data)" >&2; exit 1; }
  ffmpeg -nostdin -loglevel error -y -f lavfi -i "mandelbrot=s=1280x720:start_scale=2.5,trim=end_frame=1" \
    -frames:v 1 "$out/face-bg.png"
  ffmpeg -nostdin -loglevel error -y -loop 1 -framerate 25 -t 30 -i "$out/face-bg.png" -i "$data/face_swapped.jpg" \
    -filter_complex "[1]crop=180:180:75:57,scale=360:360[f];\
[0][f]overlay=eval=frame:x='if(lt(t,8),100,if(lt(t,11),100+200*(t-8),700))':y=180,noise=alls=6:allf=t,format=yuv420p" \
    "${x264[@]}" -threads 1 "${meta[@]}" "$out/face-720p.mp4"
  rm -f "$out/face-bg.png"
fi
echo "samples in $out: $(cd "$out" && ls *.mp4 | tr '\n' ' ')"
