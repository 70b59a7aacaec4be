#!/usr/bin/env python3
"""Times ONNX Runtime (reference only; Vigil never uses it at run time) on a model with a fixed
pseudo-random input in [-1, 1]: WARM_UP untimed runs (default 3), then ITERATIONS timed runs through io_binding with the
inputs bound once and preallocated outputs (as `vigil nn bench` times Vigil: no per-run allocation or
copy of outputs). Prints one JSON object with median_ms, p90_ms, min_ms and cpu_ms (median CPU time of the
calling thread per run: with --threads 1 ONNX Runtime runs on it). Used by `vigil bench nn`.

  python3 scripts/ort_bench.py MODEL [--threads N] [--iterations K] [--warm-up W]

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
    ap.add_argument("--warm-up", type=int, default=3)
    a = ap.parse_args()
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {i.name: rng.uniform(-1, 1, [d if isinstance(d, int) else 1 for d in i.shape]).astype(np.float32)
             for i in sess.get_inputs()}
    # Output shapes from one plain run, then outputs preallocated and bound once.
    shapes = [o.shape for o in sess.run(None, feeds)]
    binding = sess.io_binding()
    for name, value in feeds.items():
        binding.bind_cpu_input(name, value)
    outputs = [ort.OrtValue.ortvalue_from_numpy(np.empty(shape, np.float32)) for shape in shapes]
    for o, value in zip(sess.get_outputs(), outputs):
        binding.bind_ortvalue_output(o.name, value)
    for _ in range(a.warm_up):
        sess.run_with_iobinding(binding)
    times, cpu = [], []
    for _ in range(a.iterations):
        c0 = time.thread_time()
        t0 = time.perf_counter()
        sess.run_with_iobinding(binding)
        t1 = time.perf_counter()
        cpu.append((time.thread_time() - c0) * 1e3)
        times.append((t1 - t0) * 1e3)
    times.sort()
    p90 = times[min(len(times) - 1, int(np.ceil(len(times) * 0.9)) - 1)]
    print(json.dumps({"model": a.model, "runtime": f"onnxruntime {ort.__version__}", "threads": a.threads,
                      "iterations": a.iterations, "median_ms": round(float(np.median(times)), 3),
                      "p90_ms": round(p90, 3), "min_ms": round(times[0], 3),
                      "cpu_ms": round(float(np.median(cpu)), 3), "binding": "io_binding"}))


if __name__ == "__main__":
    main()
