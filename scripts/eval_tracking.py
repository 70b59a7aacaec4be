#!/usr/bin/env python3
"""Tracking quality of `vigil track` on real ground truth, with the metrics the field uses.

For each sequence whose gt.txt ships inside the motmetrics wheel (TUD-Campus, TUD-Stadtmitte), builds
noisy detections with a fixed seed -- boxes dropped (singly and in occlusion-like runs), jittered, given
high or low confidences, plus false boxes -- runs `vigil track` with each tracker, and prints MOTA, IDF1
and friends computed by py-motmetrics. Also runs the Python reference of the paper's IoU tracker
(scripts/iou_tracker_reference.py) on the same detections: the online form must give the same rows as
`vigil track --tracker iou`, and the paper's original offline form is shown for comparison.

  python3 scripts/eval_tracking.py [--vigil PATH] [--seeds N] [--check]

--check exits 1 unless, on every sequence and seed, vigil's IoU tracker matches the reference row for
row and the byte tracker's IDF1 is higher than the IoU tracker's.
Requires: pip install motmetrics (numpy 2 works: the one removed numpy alias motmetrics 1.4 uses is
restored below).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

if not hasattr(np, 'asfarray'):  # motmetrics 1.4.0 still calls np.asfarray, removed in numpy 2
    np.asfarray = lambda a, dtype=np.float64: np.asarray(a, dtype=dtype)

import motmetrics as mm  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iou_tracker_reference as ref  # noqa: E402

SEQUENCES = ['TUD-Campus', 'TUD-Stadtmitte']
METRICS = ['mota', 'idf1', 'num_switches', 'num_false_positives', 'num_misses', 'mostly_tracked']


def load_gt(path):
    """frame -> list of (id, left, top, width, height), keeping rows whose conf flag is set."""
    frames = {}
    with open(path) as f:
        for line in f:
            v = line.strip().split(',')
            if len(v) < 7 or float(v[6]) == 0:
                continue
            frames.setdefault(int(v[0]), []).append((int(v[1]), *map(float, v[2:6])))
    return frames


def noisy_detections(gt, seed, width=640, height=480):
    """det.txt rows from ground truth: drops, occlusion runs, jitter, confidences, false positives."""
    rng = np.random.default_rng(seed)
    last = max(gt)
    occluded = {}  # id -> frames left in the current occlusion run
    lines = []
    for frame in range(1, last + 1):
        dets = []
        for oid, l, t, w, h in gt.get(frame, []):
            if occluded.get(oid, 0) > 0:
                occluded[oid] -= 1
                continue
            if rng.random() < 0.03:  # an occlusion: gone for 3..8 frames
                occluded[oid] = int(rng.integers(2, 8))
                continue
            if rng.random() < 0.12:  # a single missed detection
                continue
            jl, jt = rng.normal(0, 0.04 * w), rng.normal(0, 0.04 * h)
            sw, sh = np.exp(rng.normal(0, 0.05)), np.exp(rng.normal(0, 0.05))
            nw, nh = w * sw, h * sh
            l2, t2 = l + jl + (w - nw) / 2, t + jt + (h - nh) / 2
            conf = rng.uniform(0.15, 0.5) if rng.random() < 0.2 else rng.uniform(0.5, 1.0)
            dets.append((l2, t2, nw, nh, conf))
        for _ in range(rng.poisson(1.0)):  # false boxes
            fh = rng.uniform(60, 250)
            fw = fh * rng.uniform(0.3, 0.6)
            dets.append((rng.uniform(0, width - fw), rng.uniform(0, height - fh), fw, fh, rng.uniform(0.1, 0.65)))
        rng.shuffle(dets)  # detectors do not list objects in a fixed order
        for l2, t2, nw, nh, conf in dets:
            lines.append('%d,-1,%.2f,%.2f,%.2f,%.2f,%.3f,-1,-1,-1\n' % (frame, l2, t2, nw, nh, conf))
    return ''.join(lines)


def parse_rows(text):
    rows = []
    for line in text.splitlines():
        v = line.split(',')
        rows.append((int(v[0]), int(v[1]), float(v[2]), float(v[3]), float(v[4]), float(v[5])))
    return rows


def rows_from_reference(rows):
    return [(f, i, float(b[0]), float(b[1]), float(F(b[2] - b[0])), float(F(b[3] - b[1]))) for f, i, b, _ in rows]


F = np.float32


def same_rows(a, b, tol=0.011):
    if len(a) != len(b):
        return False, 'row counts differ: %d vs %d' % (len(a), len(b))
    for k, (x, y) in enumerate(zip(a, b)):
        if x[:2] != y[:2] or any(abs(p - q) > tol for p, q in zip(x[2:], y[2:])):
            return False, 'row %d differs: %s vs %s' % (k + 1, x, y)
    return True, ''


def accumulate(gt_path, rows):
    gt = mm.io.loadtxt(gt_path, fmt='mot15-2D', min_confidence=1)
    with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as f:
        for fr, i, l, t, w, h in rows:
            f.write('%d,%d,%.2f,%.2f,%.2f,%.2f,1,-1,-1,-1\n' % (fr, i, l, t, w, h))
        name = f.name
    ts = mm.io.loadtxt(name, fmt='mot15-2D')
    os.unlink(name)
    return mm.utils.compare_to_groundtruth(gt, ts, 'iou', distth=0.5)


def default_vigil():
    """The newer of .build/release/vigil and .build/debug/vigil (so a stale build is not picked), else PATH."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = [os.path.join(root, c) for c in ('.build/release/vigil', '.build/debug/vigil')]
    found = [p for p in found if os.path.exists(p)]
    return max(found, key=os.path.getmtime) if found else 'vigil'


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--vigil', default=default_vigil(), help='the vigil binary (default: the newer of .build/release and .build/debug)')
    p.add_argument('--seeds', type=int, default=3, help='noise seeds per sequence (0..N-1)')
    p.add_argument('--check', action='store_true', help='exit 1 on a reference mismatch or if byte does not beat iou on IDF1')
    a = p.parse_args()

    data = os.path.join(os.path.dirname(mm.__file__), 'data')
    mh = mm.metrics.create()
    failures = []
    accs = {}  # tracker -> list of accumulators
    names = {}
    table_rows = []
    iou_defaults = dict(sigma_l=F(0), sigma_h=F(0.5), sigma_iou=F(0.5), t_min=2)
    with tempfile.TemporaryDirectory() as tmp:
        for seq in SEQUENCES:
            gt_path = os.path.join(data, seq, 'gt.txt')
            gt = load_gt(gt_path)
            for seed in range(a.seeds):
                det_path = os.path.join(tmp, '%s-%d-det.txt' % (seq, seed))
                with open(det_path, 'w') as f:
                    f.write(noisy_detections(gt, seed))
                frames = ref.load_detections(det_path)
                # Every frame of the ground truth is a tracker step, also trailing frames without detections.
                frames += [[] for _ in range(max(gt) - len(frames))]
                results = {}
                for tracker in ('iou', 'byte'):
                    out = subprocess.run([a.vigil, 'track', det_path, '--tracker', tracker],
                                         capture_output=True, text=True)
                    if out.returncode != 0:
                        sys.exit('vigil track failed (%d): %s' % (out.returncode, out.stderr.strip()))
                    results['vigil ' + tracker] = parse_rows(out.stdout)
                reference = rows_from_reference(ref.track_online(frames, max_age=5, **iou_defaults))
                results['python iou (online ref)'] = reference
                results['python iou (paper, offline)'] = rows_from_reference(
                    ref.offline_rows(ref.track_offline(frames, **iou_defaults)))
                ok, why = same_rows(results['vigil iou'], reference)
                if not ok:
                    failures.append('%s seed %d: vigil iou differs from the Python reference: %s' % (seq, seed, why))
                for name, rows in results.items():
                    acc = accumulate(gt_path, rows)
                    accs.setdefault(name, []).append(acc)
                    names.setdefault(name, []).append('%s/%d' % (seq, seed))
                summary = mh.compute_many([accumulate(gt_path, results[n]) for n in ('vigil iou', 'vigil byte')],
                                          metrics=['idf1'], names=['iou', 'byte'])
                if not summary.loc['byte', 'idf1'] > summary.loc['iou', 'idf1']:
                    failures.append('%s seed %d: byte IDF1 %.3f does not beat iou IDF1 %.3f' % (
                        seq, seed, summary.loc['byte', 'idf1'], summary.loc['iou', 'idf1']))
                table_rows.append((seq, seed, {n: mh.compute(accs[n][-1], metrics=METRICS, name=n) for n in results}))

    print('%-16s %-4s %-28s %7s %7s %5s %5s %5s %4s' % ('sequence', 'seed', 'tracker', 'MOTA', 'IDF1', 'IDSW', 'FP', 'FN', 'MT'))
    for seq, seed, per in table_rows:
        for name, s in per.items():
            r = s.iloc[0]
            print('%-16s %-4d %-28s %6.1f%% %6.1f%% %5d %5d %5d %4d' % (
                seq, seed, name, 100 * r['mota'], 100 * r['idf1'], r['num_switches'], r['num_false_positives'],
                r['num_misses'], r['mostly_tracked']))
    print()
    print('%-33s %7s %7s %5s %5s %5s %4s' % ('all sequences and seeds', 'MOTA', 'IDF1', 'IDSW', 'FP', 'FN', 'MT'))
    for name, lst in accs.items():
        s = mh.compute_many(lst, metrics=METRICS, names=names[name], generate_overall=True).loc['OVERALL']
        print('%-33s %6.1f%% %6.1f%% %5d %5d %5d %4d' % (
            name, 100 * s['mota'], 100 * s['idf1'], s['num_switches'], s['num_false_positives'], s['num_misses'],
            s['mostly_tracked']))
    if failures:
        print()
        for f in failures:
            print('FAIL: ' + f)
    if a.check:
        if failures:
            sys.exit(1)
        print('\ncheck passed: vigil iou == Python reference on every run; byte beats iou on IDF1 on every run')


if __name__ == '__main__':
    main()
