#!/usr/bin/env bash
# The tensor engine's AVX2 kernels beside its AVX-512 ones on this CPU, in one run: for each model, ROUNDS
# rounds that alternate which level runs first (`VIGIL_NN_ISA=avx2` caps the kernels at AVX2), each a
# `vigil nn bench` over ITERATIONS runs; prints every round, then per level the median over rounds of the
# wall-clock median and of the CPU-time median (`cpu_ms`: with --threads 1, the work without the time other
# processes held the core) with their spread (min…max over rounds), the ratios AVX2 ÷ AVX-512, and the load
# average before and after (the machine is shared). `--levels A,B` compares two other `VIGIL_NN_ISA` caps (A the
# faster one; empty: none), e.g. `--levels avxvnni,avx2` for the int8 kernels' AVX-VNNI level beside plain AVX2.
# usage: scripts/bench-isa.sh [--threads N] [--rounds R] [--iterations K] [--levels A,B] MODEL…   (needs a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
vigil=.build/release/vigil
[ -x "$vigil" ] || { echo "build first: swift build -c release" >&2; exit 64; }
threads=2 rounds=5 iterations=20
hi="" lo=avx2
models=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --iterations) iterations=$2; shift 2 ;;
    --levels) hi=${2%%,*}; lo=${2#*,}; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 64 ;;
    *) models+=("$1"); shift ;;
  esac
done
[ ${#models[@]} -gt 0 ] || { echo "usage: $0 [--threads N] [--rounds R] [--iterations K] [--levels A,B] MODEL…" >&2; exit 64; }
label() { case "$1" in "") echo AVX-512 ;; avx512) echo AVX-512 ;; avxvnni) echo AVX-VNNI ;; avx2) echo AVX2 ;; *) echo "$1" ;; esac; }
hn=$(label "$hi") ln=$(label "$lo")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
ms() {  # ISA MODEL -> "median_ms/cpu_ms" of one `vigil nn bench`
  local out
  out=$(env ${1:+VIGIL_NN_ISA=$1} "$vigil" nn bench "$2" --threads "$threads" --iterations "$iterations")
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(str(d["median_ms"]) + "/" + str(d["cpu_ms"]))' "$out"
}
for model in "${models[@]}"; do
  a512=() a2=()
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 1 ]; then x=$(ms "$hi" "$model"); y=$(ms "$lo" "$model"); else y=$(ms "$lo" "$model"); x=$(ms "$hi" "$model"); fi
    a512+=("$x"); a2+=("$y")
    echo "$model round $r ($([ $((r % 2)) = 1 ] && echo "$hn first" || echo "$ln first")): wall/cpu ms $hn $x, $ln $y"
  done
  python3 - "$model" "$threads" "${a512[*]}" "${a2[*]}" "$hn" "$ln" <<'PY'
import statistics, sys
model, threads, hn, ln = sys.argv[1], sys.argv[2], sys.argv[5], sys.argv[6]
rounds = lambda arg, i: [float(v.split("/")[i]) for v in arg.split()]
for i, what in ((0, "wall"), (1, "cpu")):
    a, b = rounds(sys.argv[3], i), rounds(sys.argv[4], i)
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{model} ({threads} threads, {what}): {hn} {ma:.3f} ms ({min(a):.3f}…{max(a):.3f}), {ln} {mb:.3f} ms ({min(b):.3f}…{max(b):.3f}), {ln} ÷ {hn} {mb / ma:.3f}")
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
