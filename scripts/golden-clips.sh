#!/usr/bin/env bash
# Makes the clips of the golden replays (Tests/Golden/cases.tsv) in OUT_DIR: the sample clips
# (samples/make_samples.sh), the rule scenes (samples/make_scenes.sh) and opencv-doc's vtest.avi with its first
# two seconds cut out without re-encoding (vtest-2s.avi, for the run with every shipped detector).
#
#   scripts/golden-clips.sh DATA_DIR OUT_DIR      DATA_DIR: opencv-doc's files (scripts/fetch-test-images.sh)
set -euo pipefail
data="${1:?usage: golden-clips.sh DATA_DIR OUT_DIR}"
out="${2:?usage: golden-clips.sh DATA_DIR OUT_DIR}"
here="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$out"
"$here/samples/make_samples.sh" "$out" >/dev/null
"$here/samples/make_scenes.sh" "$data" "$out" >/dev/null
cp "$data/vtest.avi" "$out/vtest.avi"
ffmpeg -nostdin -loglevel error -y -i "$data/vtest.avi" -t 2 -c copy "$out/vtest-2s.avi"
echo "$out"
