#!/usr/bin/env python3
"""ONNX Runtime's own per-node profile of a model with one thread, for comparing with `vigil nn bench MODEL
--threads 1 --profile`: the median kernel time per run of each operator type (as ONNX Runtime prepared the
graph: NCHWc Conv with fused activations, ReorderInput/ReorderOutput), then each Conv shape (summed over the
nodes of that shape) with its GFLOP/s. ONNX Runtime's profiler times each node on the wall clock, so run it on a
quiet machine (the load average is printed).

usage: python3 scripts/ort_profile.py MODEL [--runs N] [--shapes K]   (needs onnxruntime and numpy)
"""
import argparse
import collections
import json
import os
import tempfile

import numpy as np
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--runs", type=int, default=40, help="profiled runs (the first is left out)")
    ap.add_argument("--shapes", type=int, default=30, help="Conv shapes to list")
    args = ap.parse_args()
    print("load average before: " + " ".join(open("/proc/loadavg").read().split()[:3]))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.enable_profiling = True
    so.profile_file_prefix = os.path.join(tempfile.mkdtemp(), "ort")
    s = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])
    inp = s.get_inputs()[0]
    x = np.random.default_rng(1).random([d if isinstance(d, int) else 1 for d in inp.shape], dtype=np.float32)
    for _ in range(args.runs):
        s.run(None, {inp.name: x})
    path = s.end_profiling()
    events = json.load(open(path))
    os.remove(path)
    times = collections.defaultdict(list)
    meta = {}
    for e in events:
        if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time"):
            continue
        times[e["name"]].append(e["dur"])
        a = e["args"]
        shapes = [list(d.values())[0] for d in a.get("input_type_shape", [])]
        outs = [list(d.values())[0] for d in a.get("output_type_shape", [])]
        meta[e["name"]] = (a.get("op_name"), shapes, outs)
    by_op = collections.Counter()
    by_shape = collections.Counter()
    flops = collections.Counter()
    for name, d in times.items():
        med = sorted(d[1:] or d)[len(d[1:] or d) // 2]
        op, ins, outs = meta[name]
        by_op[op] += med
        if op == "Conv" and len(ins) >= 2 and len(ins[1]) == 4 and len(outs[0]) in (4, 5):
            x_shape, w, y = ins[0], ins[1], outs[0]
            # NCHWc tensors are N, C/16, H, W, 16: count channels either way.
            cin = x_shape[1] * (x_shape[4] if len(x_shape) == 5 else 1)
            cout = y[1] * (y[4] if len(y) == 5 else 1)
            kind = "depthwise" if w[1] == 1 and cin > 1 and w[0] == cout else f"{w[2]}x{w[3]}"
            key = f"{kind} {cin}x{x_shape[2]}x{x_shape[3]} -> {cout}x{y[2]}x{y[3]}"
            by_shape[key] += med
            flops[key] += 2 * cout * y[2] * y[3] * w[1] * w[2] * w[3]
    total = sum(by_op.values())
    print(f"ONNX Runtime {ort.__version__}, 1 thread, median per node over {args.runs - 1} runs (µs):")
    for op, t in by_op.most_common():
        print(f"  {op:28s} {t / 1000:8.3f} ms ({100 * t / total:4.1f} %)")
    print(f"  total {total / 1000:.3f} ms")
    print("Conv by shape (channels may be padded to 16 by the NCHWc layout):")
    for key, t in by_shape.most_common(args.shapes):
        print(f"  {key:40s} {t:7.0f} µs  {flops[key] / t / 1e3:6.1f} GFLOP/s")
    print("load average after: " + " ".join(open("/proc/loadavg").read().split()[:3]))


if __name__ == "__main__":
    main()
