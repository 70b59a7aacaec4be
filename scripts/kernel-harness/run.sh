#!/usr/bin/env bash
# Builds and runs isa_shapes.c (the AVX2 kernels beside the AVX-512 ones per convolution shape, one thread,
# CPU time) with the clang of the Swift toolchain at the optimisation level SwiftPM uses for C in release
# (-O2), and prints the load average before and after (the machine may be shared).
# usage: scripts/kernel-harness/run.sh [REPETITIONS]   (default 9, at most 64; needs an AVX-512 CPU)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
clang -O2 -ISources/CInferenceKernels/include -o "$out/isa_shapes" scripts/kernel-harness/isa_shapes.c -lm
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
"$out/isa_shapes" "${1:-9}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
