#!/usr/bin/python3
"""Where a motion-gated detector looked in a replay, and which walkers it found (issue 16: cut detection's
cost without losing detections). Reads `vigil replay --frames FILE` output; deterministic (no timing), so
a before/after comparison holds on a loaded machine.

usage: scripts/detection_profile.py FRAMES.jsonl [--models N] [--area-models K] [--truth samples/groundtruth/vtest_walkers.csv
                                                   --truth-size 768x576 --size 640x360 --offset X,Y --truth-step 2.5]

Prints: analysed frames, passes by kind (full frame, regions, no motion), inferences per analysed frame
(a full-frame pass: one per model, except that the K models searched by area, `hog_people`, search the
`area_regions` the log names when it names them; a region pass: one per region and model), the searched regions'
mean side in source pixels, detections and person detections per analysed frame; with --truth, the walkers found
on the truth frames by the replay's own (region-planned) detections, matched as `vigil bench hog --truth` does
(a person box holding the walker's centre whose centre lies on the walker), and of those the share whose box
bottom lies within 20 % of the walker's height of its feet (the truth box's bottom), with the median offset; and
the walkers found by those detections or by the boxes of the confirmed person tracks the frame reports (on a frame
where `detect.tracked_every_n_frames` held a tracked walker's region, only its track holds it).
"""
import argparse
import json
import sys


def holds(b, x, y):
    return b[0] <= x <= b[2] and b[1] <= y <= b[3]


def centre(b):
    return (b[0] + b[2]) / 2, (b[1] + b[3]) / 2


def read_truth(path, sx, sy, ox=0.0, oy=0.0):
    walkers = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#') or line.startswith('frame'):
                continue
            fr, x1, y1, x2, y2 = (float(v) for v in line.split(','))
            walkers.append((int(fr), [x1 * sx + ox, y1 * sy + oy, x2 * sx + ox, y2 * sy + oy]))
    return walkers


def size(text):
    w, h = text.lower().split('x')
    return float(w), float(h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('frames')
    ap.add_argument('--models', type=int, default=3, help='models per pass (default detectors: 3)')
    ap.add_argument('--area-models', type=int, default=1,
                    help='of those, models that search area_regions on a full-frame pass (default: 1, hog_people)')
    ap.add_argument('--truth')
    ap.add_argument('--truth-size', default='768x576')
    ap.add_argument('--size', help='the replayed frame size, when it differs from the truth\'s')
    ap.add_argument('--offset', default='0,0',
                    help='where the scaled picture sits in the replayed frame (padded to 16:9: '
                         '`scale=480:360,pad=640:360:80:0` is --size 480x360 --offset 80,0)')
    ap.add_argument('--truth-step', type=float, default=1.0,
                    help='truth frame F is replay frame F / STEP (a clip re-timed to 25 fps and decimated to 10: 2.5)')
    a = ap.parse_args()
    kinds = {'full_frame': 0, 'regions': 0, 'no_motion': 0, 'tracked': 0, 'skipped': 0}
    regions = inferences = analysed = detections = people = area_regions = 0
    side = 0.0
    by_frame = {}
    tracks_by_frame = {}
    with open(a.frames) as f:
        for line in f:
            r = json.loads(line)
            kind = r.get('pass')
            if kind is None:
                continue
            kinds[kind] += 1
            if kind == 'skipped':
                continue
            analysed += 1
            if kind == 'full_frame' and 'area_regions' in r:
                inferences += a.models - a.area_models + a.area_models * len(r['area_regions'])
                area_regions += len(r['area_regions'])
            elif kind == 'full_frame':
                inferences += a.models
            elif kind == 'regions':
                regions += len(r['regions'])
                inferences += a.models * len(r['regions'])
                for b in r['regions']:
                    side += ((b[2] - b[0]) * (b[3] - b[1])) ** 0.5
            detections += len(r['detections'])
            people += sum(1 for d in r['detections'] if d['label'] == 'person')
            by_frame[r['frame']] = r['detections']
            tracks_by_frame[r['frame']] = [t['box'] for t in r.get('tracks', [])
                                           if t['label'] == 'person' and t['state'] == 'confirmed']
    if analysed == 0:
        sys.exit(f'{a.frames}: no analysed frames')
    print(f'analysed frames {analysed}: full-frame passes {kinds["full_frame"]}, region passes {kinds["regions"]} '
          f'({regions} regions, mean side {side / max(regions, 1):.0f} px), no motion {kinds["no_motion"]}, held by tracks {kinds["tracked"]}; '
          f'{area_regions} area regions on full-frame passes')
    print(f'inferences per analysed frame {inferences / analysed:.3f} ({inferences} with {a.models} models); '
          f'detections per analysed frame {detections / analysed:.3f}, person {people / analysed:.3f}')
    if a.truth:
        tw, th = size(a.truth_size)
        w, h = size(a.size) if a.size else (tw, th)
        ox, oy = (float(v) for v in a.offset.split(','))
        truth = read_truth(a.truth, w / tw, h / th, ox, oy)
        total = found = with_tracks = 0
        offsets = []
        for fr, box in truth:
            fr = round(fr / a.truth_step)
            if fr not in by_frame:
                continue
            total += 1
            cx, cy = centre(box)
            hits = [d['box'] for d in by_frame[fr]
                    if d['label'] == 'person' and holds(d['box'], cx, cy) and holds(box, *centre(d['box']))]
            def holds_walker(b):
                return holds(b, cx, cy) and holds(box, *centre(b))
            if hits or any(holds_walker(b) for b in tracks_by_frame[fr]):
                with_tracks += 1
            if hits:
                found += 1
                # the hit whose bottom is nearest the feet; + below them, - above, in walker heights
                offsets.append(min(((b[3] - box[3]) / (box[3] - box[1]) for b in hits), key=abs))
        if total == 0:
            sys.exit('no truth frame was analysed')
        print(f'walkers found {found}/{total} ({100 * found / total:.1f} %) on the analysed truth frames')
        print(f'walkers found by detections or confirmed person tracks {with_tracks}/{total} '
              f'({100 * with_tracks / total:.1f} %)')
        if offsets:
            near = sum(1 for o in offsets if abs(o) <= 0.2)
            offsets.sort()
            print(f'of those, box bottom within 20 % of the height from the feet: {near}/{found} '
                  f'({100 * near / found:.1f} %); median offset {100 * offsets[len(offsets) // 2]:+.1f} % '
                  f'(p10 {100 * offsets[len(offsets) // 10]:+.1f}, p90 {100 * offsets[(9 * len(offsets)) // 10]:+.1f})')


if __name__ == '__main__':
    main()
