#!/usr/bin/env bash
# Runs every test: the whole suite in a debug build, then the concurrency tests (rings, replay pipeline, inference
# pool and gating, live cameras, the daemon with two cameras, the API's live event stream and its event indexer)
# again under ThreadSanitizer. Long soak variants run when VIGIL_SOAK=1.
set -euo pipefail
cd "$(dirname "$0")/.."
# One folder for every temporary file of the run: the tests remove their own folders, but each swift build / swift
# test invocation leaves the Swift driver's TemporaryDirectory.* (and SwiftPM's lock files) in TMPDIR. Removed when
# the run passes; kept (its path printed) when it fails.
# Readable by others as /tmp is: mosquitto, started as root by the MQTT tests, drops to its own user and must reach
# its password file and certificates in the tests' folders (mktemp's 0700 failed 7 MQTT tests in CI).
export TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/vigil-test.XXXXXX")"
chmod 0755 "$TMPDIR"
trap 'status=$?; if [ $status -eq 0 ]; then rm -rf "$TMPDIR"; else echo "temporary files kept: $TMPDIR" >&2; fi' EXIT
# Issue #11's rule: no Swift function over 80 lines in Sources (a second, not a build).
python3 scripts/check_function_length.py
swift build --build-tests
# Real photos and clips for the detection tests (Debian's opencv-doc, fetched once, never committed).
[ -f .ci/opencv-data/person_multi_det.jpg ] || scripts/fetch-test-images.sh .ci/opencv-data
# VIGIL_NN_ALL_MODELS=1: all three shipped detectors against ONNX Runtime's outputs (seconds each in debug).
VIGIL_NN_ALL_MODELS=1 VIGIL_OPENCV_DATA=.ci/opencv-data swift test --skip-build
# Tracking quality on MOTChallenge ground truth (TUD-Campus, TUD-Stadtmitte): our IoU tracker must equal the
# Python reference implementation row for row, and the byte tracker must beat it on IDF1.
python3 scripts/eval_tracking.py --vigil .build/debug/vigil --check
# The web page in headless Chromium against a running daemon, and the server against its OpenAPI document;
# screenshots under .ci/page-screenshots (the script prints the folder).
python3 scripts/test_page.py --vigil .build/debug/vigil --out .ci/page-screenshots
# ThreadSanitizer: its own build folder so that the plain build stays cached.
# halt_on_error: any race report fails the run (also in the vigil processes the CLI tests start).
# Not here: APIServerTests' 200 idle connections (it bounds /metrics at 1 s; under TSan on a loaded machine the
# request got no answer within 5 s).
SWIFT_BACKTRACE=enable=no TSAN_OPTIONS=halt_on_error=1 swift test --scratch-path .build-tsan --sanitize=thread --filter 'RingTests|InferenceTests.WorkerPoolTests|VigilCLITests.ReplayCommandTests/replayIsByteForByteRepeatable|ServiceTests.LiveCameraTests|PipelineTests.InferencePoolTests|PipelineTests.DetectionStageGatingTests|VigilCLITests.RunCommandTests/runsTwoCameras|APITests.APIServerTests/liveStreamDeliversANewAlertWithinASecondAndResumes|APITests.EventIndexTests'
