#!/bin/sh
# Fetches the real test photos and clips (Debian's opencv-doc package) into DIR (default .ci/opencv-data),
# never committed. The detection tests use them when VIGIL_OPENCV_DATA=DIR is set.
set -eu
dir=${1:-.ci/opencv-data}
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download opencv-doc >/dev/null)
dpkg -x "$tmp"/opencv-doc_*.deb "$tmp/x"
doc="$tmp/x/usr/share/doc/opencv-doc"
for f in messi5.jpg basketball1.png Megamind.avi vtest.avi; do cp "$doc/examples/data/$f" "$dir/"; done
for f in face_swapped.jpg facereg.jpg person_multi_det.jpg; do cp "$doc/opencv4/html/$f" "$dir/"; done
echo "$dir"
