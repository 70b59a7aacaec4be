#!/usr/bin/env python3
"""A straightforward Python implementation of the IoU tracker of Bochinski, Eiselein and Sikora,
"High-Speed Tracking-by-Detection Without Using Image Information" (AVSS 2017), written after the
paper's Algorithm 1 and its published `iou_tracker.py`, in two forms:

- `track_offline`: the paper as published: tracks finish when not extended, and a finished track is
  output (all of its boxes) if its best score reaches sigma_h and it has at least t_min boxes.
- `track_online`: the same greedy step with the online rules Vigil's `IOUTracker` documents: a track
  is reported from the frame in which it qualifies (id given then), and a qualified track that is not
  extended is kept for `max_age` frames (matched against its last box) before it finishes.
  With max_age = 0 its tracks are the paper's.

Box arithmetic is done in float32 in the same order as `VigilCore.Box.iou`, so ties and thresholds
fall the same way as in the Swift tracker and its output can be compared row for row.

Command line:
  iou_tracker_reference.py DET_TXT [--sigma-l X --sigma-h X --sigma-iou X --t-min N --max-age N]
      prints MOTChallenge result rows (online form), like `vigil track DET_TXT --tracker iou`
  iou_tracker_reference.py DET_TXT --time [--repeat N]
      prints {"boxes": B, "seconds": S} for the best of N runs of the online tracker (the parsing not timed);
      with --float64 the boxes are plain Python floats, as in the paper's own code (faster than float32)
"""
import argparse
import json
import sys
import time

import numpy as np

F = np.float32


def box(left, top, width, height):
    """x1, y1, x2, y2 in float32, as `Box(left:top:width:height:)`."""
    l, t = F(left), F(top)
    return (l, t, F(l + F(width)), F(t + F(height)))


def iou(a, b):
    iw = F(min(a[2], b[2]) - max(a[0], b[0]))
    ih = F(min(a[3], b[3]) - max(a[1], b[1]))
    if not (iw > 0 and ih > 0):
        return F(0)
    inter = F(iw * ih)
    area_a = F(max(F(0), F(a[2] - a[0])) * max(F(0), F(a[3] - a[1])))
    area_b = F(max(F(0), F(b[2] - b[0])) * max(F(0), F(b[3] - b[1])))
    union = F(F(area_a + area_b) - inter)
    return F(inter / union) if union > 0 else F(0)


def load_detections(path):
    """Frames 1..last as lists of {'bbox', 'score'} in file order."""
    rows = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            v = [x.strip() for x in line.split(',')]
            rows.append((int(float(v[0])), box(float(v[2]), float(v[3]), float(v[4]), float(v[5])), F(float(v[6]))))
    last = max((r[0] for r in rows), default=0)
    frames = [[] for _ in range(last)]
    for frame, b, s in rows:
        frames[frame - 1].append({'bbox': b, 'score': s})
    return frames


def track_offline(frames, sigma_l, sigma_h, sigma_iou, t_min):
    """The paper's algorithm; returns finished tracks as {'start_frame', 'bboxes', 'scores'}."""
    tracks_active, tracks_finished = [], []
    for frame_num, detections_frame in enumerate(frames, start=1):
        dets = [d for d in detections_frame if d['score'] >= sigma_l]
        updated_tracks = []
        for track in tracks_active:
            if len(dets) > 0:
                best_match = max(dets, key=lambda x: iou(track['bboxes'][-1], x['bbox']))
                if iou(track['bboxes'][-1], best_match['bbox']) >= sigma_iou:
                    track['bboxes'].append(best_match['bbox'])
                    track['scores'].append(best_match['score'])
                    track['max_score'] = max(track['max_score'], best_match['score'])
                    updated_tracks.append(track)
                    del dets[dets.index(best_match)]
            if len(updated_tracks) == 0 or track is not updated_tracks[-1]:
                if track['max_score'] >= sigma_h and len(track['bboxes']) >= t_min:
                    tracks_finished.append(track)
        new_tracks = [{'bboxes': [d['bbox']], 'scores': [d['score']], 'max_score': d['score'],
                       'start_frame': frame_num} for d in dets]
        tracks_active = updated_tracks + new_tracks
    tracks_finished += [t for t in tracks_active if t['max_score'] >= sigma_h and len(t['bboxes']) >= t_min]
    return tracks_finished


def offline_rows(tracks):
    """MOT rows (frame, id, bbox, score) of the paper's output, ids in order of finishing."""
    rows = []
    for tid, t in enumerate(tracks, start=1):
        for k, (b, s) in enumerate(zip(t['bboxes'], t['scores'])):
            rows.append((t['start_frame'] + k, tid, b, s))
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def track_online(frames, sigma_l, sigma_h, sigma_iou, t_min, max_age):
    """Online form; returns MOT rows (frame, id, bbox, score) ordered by frame, then id."""
    active = []  # in birth order
    next_id = 1
    rows = []
    for frame_num, detections_frame in enumerate(frames, start=1):
        dets = [d for d in detections_frame if d['score'] >= sigma_l]
        kept = []
        frame_rows = []
        for track in active:
            matched = False
            if len(dets) > 0:
                best_match = max(dets, key=lambda x: iou(track['bbox'], x['bbox']))
                if iou(track['bbox'], best_match['bbox']) >= sigma_iou:
                    track['bbox'] = best_match['bbox']
                    track['hits'] += 1
                    track['misses'] = 0
                    track['max_score'] = max(track['max_score'], best_match['score'])
                    del dets[dets.index(best_match)]
                    matched = True
                    if track['id'] == 0 and track['hits'] >= t_min and track['max_score'] >= sigma_h:
                        track['id'] = next_id
                        next_id += 1
                    if track['id'] != 0:
                        frame_rows.append((frame_num, track['id'], track['bbox'], best_match['score']))
            if matched:
                kept.append(track)
            elif track['id'] != 0:  # qualified: lost for up to max_age frames
                track['misses'] += 1
                if track['misses'] <= max_age:
                    kept.append(track)
            # an unqualified track that is not extended finishes, as in the paper
        for d in dets:
            track = {'bbox': d['bbox'], 'hits': 1, 'misses': 0, 'max_score': d['score'], 'id': 0}
            if t_min <= 1 and d['score'] >= sigma_h:
                track['id'] = next_id
                next_id += 1
                frame_rows.append((frame_num, track['id'], track['bbox'], d['score']))
            kept.append(track)
        active = kept
        rows += sorted(frame_rows, key=lambda r: r[1])
    return rows


def fmt(v):
    s = '%.2f' % float(v)
    s = s.rstrip('0').rstrip('.')
    return '0' if s in ('-0', '') else s


def format_rows(rows):
    return ''.join('%d,%d,%s,%s,%s,%s,%s,-1,-1,-1\n' % (
        f, i, fmt(b[0]), fmt(b[1]), fmt(max(F(0), F(b[2] - b[0]))), fmt(max(F(0), F(b[3] - b[1]))), fmt(s))
        for f, i, b, s in rows)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('detections')
    p.add_argument('--sigma-l', type=float, default=0.0)
    p.add_argument('--sigma-h', type=float, default=0.5)
    p.add_argument('--sigma-iou', type=float, default=0.5)
    p.add_argument('--t-min', type=int, default=2)
    p.add_argument('--max-age', type=int, default=5)
    p.add_argument('--time', action='store_true', help='time the tracker instead of printing rows')
    p.add_argument('--repeat', type=int, default=3)
    p.add_argument('--float64', action='store_true', help='plain Python floats instead of float32')
    a = p.parse_args()
    if a.float64:
        global F
        F = float
    frames = load_detections(a.detections)
    args = (frames, F(a.sigma_l), F(a.sigma_h), F(a.sigma_iou), a.t_min, a.max_age)
    if a.time:
        best = float('inf')
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            track_online(*args)
            best = min(best, time.perf_counter() - t0)
        print(json.dumps({'boxes': sum(len(f) for f in frames), 'seconds': best}))
    else:
        sys.stdout.write(format_rows(track_online(*args)))


if __name__ == '__main__':
    main()
