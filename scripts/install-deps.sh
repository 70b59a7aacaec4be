#!/usr/bin/env bash
# Installs what Vigil needs to build, run and test on Debian 12 (run as root, or it uses sudo).
# The Swift 6 toolchain itself is expected on PATH (https://www.swift.org/install/linux/).
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Build: FFmpeg 5.1 development libraries found through pkg-config. Run and test: the ffmpeg CLI (sample clips,
# the ingest benchmark's reference).
$SUDO apt-get install -y -qq --no-install-recommends \
  pkg-config libavformat-dev libavcodec-dev libswscale-dev libavutil-dev ffmpeg
# Sample clips: the clock clip's drawtext font (samples/make_samples.sh).
$SUDO apt-get install -y -qq --no-install-recommends fonts-dejavu-core
# Tensor engine: OpenBLAS (sgemm, loaded at run time) and ONNX 1.12's backend node tests (InferenceTests).
$SUDO apt-get install -y -qq --no-install-recommends libopenblas0 libonnx-testdata
# Detection tests: the real photos and clips come from Debian's opencv-doc package, fetched by
# scripts/fetch-test-images.sh with `apt-get download` (after the apt-get update above; nothing to install).
# Daemon tests and `vigil bench pipeline`: GStreamer's RTSP server (scripts/testbed/rtsp_server.py, run with
# /usr/bin/python3) and its H.264 encoder and RTP plugins; systemd-analyze for the unit-file checks
# (scripts/check-systemd-unit.sh); the package installs the tools only, systemd need not be PID 1.
$SUDO apt-get install -y -qq \
  python3 python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav systemd
# MQTT: libmosquitto's headers and library (the CMosquitto target); the broker and its command-line clients for the
# MQTT tests (a broker started per test on a free loopback port) and `vigil bench mqtt` (mosquitto_pub -l); the
# openssl command makes the mqtts tests' CA and broker certificate at test time.
$SUDO apt-get install -y -qq --no-install-recommends libmosquitto-dev mosquitto mosquitto-clients openssl
# Rules: arm schedules read the IANA time zone database. Sink tests mount a tiny tmpfs (mount, as root) to fill
# the disk; without root they exercise /dev/full only.
$SUDO apt-get install -y -qq --no-install-recommends tzdata mount
# HTTP API: the event index is SQLite through GRDB (Debian's libsqlite3-dev, the system SQLite). The page test:
# Debian's Chromium and its WebDriver, headless (scripts/test_page.py); wrk loads /metrics in benchmarks.
$SUDO apt-get install -y -qq --no-install-recommends libsqlite3-dev chromium chromium-driver wrk
# Test oracles (never used by Vigil at run time): py-motmetrics scores the trackers on MOTChallenge data.
python3 -m pip install --quiet --disable-pip-version-check motmetrics
# ONNX Runtime is only the reference of `vigil bench nn` (scripts/ort_bench.py) and of the committed test data;
# onnx and numpy regenerate the YOLO-shaped fixtures (scripts/make_yolo_graph.py).
python3 -m pip install --quiet --disable-pip-version-check onnxruntime onnx numpy
# The page test drives Chromium with Selenium; the OpenAPI check (scripts/check_openapi.py) validates the server's
# answers against the document with jsonschema.
python3 -m pip install --quiet --disable-pip-version-check selenium jsonschema pyyaml
