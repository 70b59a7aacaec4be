# Sourced (not run) by the benchmark scripts that need GStreamer's RTSP test server (scripts/bench-mjpeg.sh,
# scripts/bench-record.sh): the common start — `--json`, the release binary, a temporary folder and the child
# processes cleaned up at exit — and `start_rtsp_server FILE`, which starts scripts/testbed/rtsp_server.py on free
# loopback ports (FILE: raw H.264 for /file, or /dev/null) and sets `port` once it serves.
# After sourcing: $vigil, $work, the array `json` (empty or --json; the caller's arguments are shifted past it) and
# the array `pids` (each is killed at exit).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
json=()
if [ "${1:-}" = --json ]; then json=(--json); shift; fi
vigil=.build/release/vigil
[ -x "$vigil" ] || { echo "build first: swift build -c release" >&2; exit 64; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# A free loopback port: tcp or udp.
free_port() {
  local kind=socket.SOCK_STREAM
  [ "$1" = udp ] && kind=socket.SOCK_DGRAM
  /usr/bin/python3 -c "import socket; s=socket.socket(type=$kind); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"
}

start_rtsp_server() {
  port=$(free_port tcp)
  local udp
  udp=$(free_port udp)
  /usr/bin/python3 scripts/testbed/rtsp_server.py "$port" "$1" "$udp" > "$work/server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q serving "$work/server.log" && break; sleep 0.1; done
  grep -q serving "$work/server.log" || { echo "the RTSP server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
}
