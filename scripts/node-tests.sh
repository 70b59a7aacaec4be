#!/bin/sh
# Runs every ONNX backend node test of Debian's libonnx-testdata through `vigil nn test` and prints
# the summary; with --list, prints the names of the passing cases (the list in
# Tests/InferenceTests/NodeConformanceTests.swift). Needs: apt-get install -y libonnx-testdata
set -eu
DATA=${VIGIL_ONNX_NODE_DATA:-/usr/share/libonnx-testdata/data/node}
VIGIL=${VIGIL:-.build/release/vigil}
if [ "${1:-}" = "--list" ]; then
    "$VIGIL" nn test "$DATA"/test_* | sed -n 's/^PASS \([^/]*\)\/.*/\1/p' | sort -u
else
    "$VIGIL" nn test --quiet "$DATA"/test_* | tail -n 1
fi
