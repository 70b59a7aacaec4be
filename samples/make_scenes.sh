#!/usr/bin/env bash
# Generates the golden rule scenes with ffmpeg: a real face (opencv-doc's face_swapped.jpg, which the shipped
# blazeface_short_128 detector finds; fetch it with scripts/fetch-test-images.sh, it is never committed) moving
# along known paths over a plain, slightly noisy background. Nothing here is committed as video.
#
#   samples/make_scenes.sh DATA_DIR [OUT_DIR]     DATA_DIR holds face_swapped.jpg; default OUT_DIR: samples/out
#
# Clips: 640x360, 5 fps, H.264, creation_time 2026-01-01T00:00:00Z. The face is a 160x160 crop of the photo
# around the face (the detector's box is about crop x 21..138, y 21..138), placed with its top-left at (X, 100),
# so the box's bottom centre, which the zones and lines use, is near (X + 79.5, 238). Frame n is at t = n/5 s.
#   face-cross.mp4   10 s. Visible 1 <= t <= 9: X = 20 + 150(t-1) until t = 4 (30 px a frame: anchor x at frame n
#                    is 99.5 + 30(n-5), 549.5 at frame 20), still until t = 5, back X = 470 - 150(t-5) until t = 8
#                    (anchor x 549.5 - 30(n-25), 99.5 at frame 40), still until t = 9.
#   face-loiter.mp4  11 s. Visible 1 <= t <= 9.4: X = 20 + 200(t-1) until t = 2 (anchor x 99.5 + 40(n-5)), then
#                    wanders X = 220 + 40 sin(2 pi (t-2)/3) until t = 8 (anchor x 259.5 … 339.5), then leaves to the
#                    right, X = 220 + 160(t-8) (anchor x 299.5 + 32(n-40), 427.5 at frame 44, 491.5 at frame 46).
#   face-left.mp4    10 s. Visible from t = 1: X = -100 + 160(t-1) until t = 2, then left still at X = 60 (anchor
#                    x 139.5) to the end.
# samples/scenes/rules.yaml (camera `scene`) has a zone `middle` (anchor x 235…415, loiter_s 3), a line `gate`
# at x = 475 drawn upwards (left_to_right is left to right on the picture) and stationary_s 3.
set -euo pipefail
data="${1:?usage: make_scenes.sh DATA_DIR [OUT_DIR]}"
out="${2:-$(dirname "$0")/out}"
face="$data/face_swapped.jpg"
[ -f "$face" ] || { echo "make_scenes.sh: $face is missing (scripts/fetch-test-images.sh DATA_DIR)" >&2; exit 66; }
command -v ffmpeg >/dev/null || { echo "make_scenes.sh: ffmpeg is not installed (apt-get install -y ffmpeg)" >&2; exit 1; }
mkdir -p "$out"

x264=(-c:v libx264 -preset veryfast -pix_fmt yuv420p -g 25 -keyint_min 25 -sc_threshold 0 -bf 0)
meta=(-metadata creation_time=2026-01-01T00:00:00Z)

scene() {  # scene X_EXPR VISIBLE_EXPR SECONDS OUT
  ffmpeg -nostdin -loglevel error -y \
    -f lavfi -i "color=c=0x506070:s=640x360:r=5:d=$3" -i "$face" \
    -filter_complex "[1]crop=160:160:85:68[f];[0][f]overlay=eval=frame:x='if($2,$1,-1000)':y=100,noise=alls=4:allf=t,format=yuv420p" \
    "${x264[@]}" "${meta[@]}" "$4"
}

scene 'if(lt(t,4),20+150*(t-1),if(lt(t,5),470,if(lt(t,8),470-150*(t-5),20)))' 'between(t,1,9)' 10 "$out/face-cross.mp4"
scene 'if(lt(t,2),20+200*(t-1),if(lt(t,8),220+40*sin(2*PI*(t-2)/3),220+160*(t-8)))' 'between(t,1,9.4)' 11 "$out/face-loiter.mp4"
scene 'if(lt(t,2),-100+160*(t-1),60)' 'gte(t,1)' 10 "$out/face-left.mp4"
echo "scenes in $out: face-cross.mp4 face-loiter.mp4 face-left.mp4"
