#!/usr/bin/env bash
# Checks systemd/vigil.service offline: `systemd-analyze verify` must print nothing (it exits 0 on unknown keys
# and bad values, so any output is a failure) and `systemd-analyze --offline=true security` must give an
# exposure of at most 2.0. Prints what failed and exits 1; silent and 0 when the unit is fine.
set -uo pipefail
cd "$(dirname "$0")/.."
unit=systemd/vigil.service
command -v systemd-analyze > /dev/null || { echo "systemd-analyze not found (apt-get install systemd)"; exit 1; }
# verify wants the binary named by ExecStart to exist: check a copy of the unit that points at /bin/true.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's#^ExecStart=/usr/local/bin/vigil #ExecStart=/bin/true #' "$unit" > "$tmp/vigil.service"
out=$(cd "$tmp" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no vigil.service 2>&1)
if [ -n "$out" ]; then
  echo "systemd-analyze verify $unit:"
  echo "$out"
  exit 1
fi
sec=$(SYSTEMD_LOG_COLOR=0 systemd-analyze --offline=true security "$tmp/vigil.service" 2>&1)
score=$(printf '%s\n' "$sec" | sed -n 's/.*Overall exposure level for vigil.service: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
  echo "systemd-analyze security gave no score:"
  echo "$sec"
  exit 1
fi
if ! awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
  echo "systemd-analyze security: exposure $score > 2.0"
  printf '%s\n' "$sec" | grep -v '^  ✓' | head -40
  exit 1
fi
