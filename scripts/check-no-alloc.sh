#!/bin/sh
# Checks that inference allocates nothing after the first run: counts malloc/calloc/realloc calls of
# `vigil nn bench MODEL --threads 1` with 10 and with 110 iterations (LD_PRELOAD counter built with
# gcc); the counts must be equal. With --threads > 1 each parallel region allocates one 32-byte block
# (withoutActuallyEscaping's check in ExecutionContext.parallelChunks), so this check is single-threaded. The harness itself (sorting the
# timings, library teardown) may differ by a few allocations; 100 more runs must not add 50.
#   scripts/check-no-alloc.sh [MODEL]      (default samples/models/blazeface_short_128/model.onnx)
set -eu
MODEL=${1:-samples/models/blazeface_short_128/model.onnx}
VIGIL=${VIGIL:-.build/release/vigil}
LIB=$(mktemp -d)/malloc_count.so
gcc -O2 -shared -fPIC "$(dirname "$0")/malloc_count.c" -o "$LIB"
count() { LD_PRELOAD="$LIB" "$VIGIL" nn bench "$MODEL" --threads 1 --iterations "$1" 2>&1 >/dev/null | sed -n 's/^mallocs: //p'; }
A=$(count 10)
B=$(count 110)
echo "allocations: $A with 10 runs, $B with 110 runs"
[ $((B - A)) -lt 50 ] || { echo "inference allocates about $(( (B - A) / 100 )) times per run"; exit 1; }
echo "no allocation per run"
