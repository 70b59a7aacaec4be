#!/usr/bin/env python3
"""Times ONNX Runtime (reference only; Vigil never uses it at run time) on a model with a fixed
pseudo-random input in [-1, 1]: 3 warm-up runs, then ITERATIONS timed runs. Prints one JSON object
with median_ms, p90_ms, min_ms. Used by `vigil bench nn`.

  python3 scripts/ort_bench.py MODEL [--threads N] [--iterations K]

Needs: pip install onnxruntime numpy
"""
import argparse
import json
import time

import numpy as np
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=20)
    a = ap.parse_args()
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {i.name: rng.uniform(-1, 1, [d if isinstance(d, int) else 1 for d in i.shape]).astype(np.float32)
             for i in sess.get_inputs()}
    for _ in range(3):
        sess.run(None, feeds)
    times = []
    for _ in range(a.iterations):
        t0 = time.perf_counter()
        sess.run(None, feeds)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    p90 = times[min(len(times) - 1, int(np.ceil(len(times) * 0.9)) - 1)]
    print(json.dumps({"model": a.model, "runtime": f"onnxruntime {ort.__version__}", "threads": a.threads,
                      "iterations": a.iterations, "median_ms": round(float(np.median(times)), 3),
                      "p90_ms": round(p90, 3), "min_ms": round(times[0], 3)}))


if __name__ == "__main__":
    main()
