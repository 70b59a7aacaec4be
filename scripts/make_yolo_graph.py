#!/usr/bin/env python3
"""Builds a YOLOv8/YOLO11-shaped ONNX graph with random weights, as an ultralytics export looks
(BatchNorm already folded: Conv with bias; SiLU as Sigmoid·Mul; C2f with Split; SPPF with MaxPool
k5 s1 p2; nearest Resize (asymmetric, floor); Concat; the Detect head with the DFL Reshape/Transpose/
Softmax/Conv and the box decode; output0 1×84×N). With --yolo11 it adds a C2PSA-style attention block
(MatMul, Softmax, depthwise Conv) and depthwise Convs in the class head, and a Shape/Gather/Unsqueeze/
Concat chain feeding a Reshape (the shape arithmetic dynamic exports carry).

Each convolution's weights are then rescaled to unit output level on a fixed random input (seed 1234; see
calibrate(); --raw-init skips it). With --v5 the head is YOLOv5's anchor head instead: output 1 x N x (5+80),
with objectness. With --test-data it also writes test_data_set_0/ (a fixed input and ONNX Runtime's outputs with
intra_op_num_threads=2), making OUT an ONNX backend test directory for `vigil nn test`.

  python3 scripts/make_yolo_graph.py --imgsz 640 --width 0.25 OUT_DIR        # YOLOv8n-sized, 8.7 GFLOPs
  python3 scripts/make_yolo_graph.py --imgsz 64 --width 0.0625 --yolo11 --test-data OUT_DIR
  python3 scripts/make_yolo_graph.py --imgsz 320 --width 0.0625 --v5 --test-data OUT_DIR   # YOLOv5 layout

Needs: pip install onnx onnxruntime numpy
"""
import argparse
import math
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Builder:
    def __init__(self, seed):
        self.nodes, self.inits = [], []
        self.rng = np.random.default_rng(seed)
        self.n = 0
        self.flops = 0

    def name(self, p):
        self.n += 1
        return f"{p}_{self.n}"

    def const(self, arr, p="c"):
        n = self.name(p)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), n))
        return n

    def node(self, op, inputs, n_out=1, **attrs):
        outs = [self.name(op.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=self.name(op), **attrs))
        return outs[0] if n_out == 1 else outs

    def conv(self, x, c1, c2, k=1, s=1, g=1, act=True, hw=None):
        w = (self.rng.standard_normal((c2, c1 // g, k, k)) / math.sqrt(c1 // g * k * k)).astype(np.float32)
        b = (self.rng.standard_normal(c2) * 0.1).astype(np.float32)
        y = self.node("Conv", [x, self.const(w, "w"), self.const(b, "b")], kernel_shape=[k, k], strides=[s, s],
                      pads=[k // 2] * 4, group=g, dilations=[1, 1])
        if hw:
            oh = (hw[0] + 2 * (k // 2) - k) // s + 1
            self.flops += 2 * c2 * (c1 // g) * k * k * oh * oh
        if act:
            y = self.node("Mul", [y, self.node("Sigmoid", [y])])
        return y


V5_ANCHORS = [[(10, 13), (16, 30), (33, 23)], [(30, 61), (62, 45), (59, 119)], [(116, 90), (156, 198), (373, 326)]]


def v5_head(B, feats, s, nc):
    """A YOLOv5 Detect head: per level a 1x1 conv to 3 anchors x (5+nc), sigmoid, xy = (2p - 0.5 + cell) * stride,
    wh = (2p)^2 * anchor; rows of (cx, cy, w, h, objectness, class probabilities): output 1 x N x (5+nc)."""
    no, outs, n = 5 + nc, [], 0
    for (feat, c, stride), anchors in zip(feats, V5_ANCHORS):
        g = s // stride
        y = B.node("Sigmoid", [B.conv(feat, c, 3 * no, 1, act=False)])
        y = B.node("Reshape", [y, B.const(np.array([1, 3, no, g, g], dtype=np.int64), "shape")])
        y = B.node("Transpose", [y], perm=[0, 1, 3, 4, 2])
        xy, wh, rest = B.node("Split", [y, B.const(np.array([2, 2, no - 4], dtype=np.int64), "split")], n_out=3, axis=4)
        yy, xx = np.meshgrid(np.arange(g), np.arange(g), indexing="ij")
        cell = np.stack([xx, yy], -1)[None, None].astype(np.float32) - 0.5
        xy = B.node("Mul", [B.node("Add", [B.node("Mul", [xy, B.const(np.array(2, dtype=np.float32), "two")]),
                                           B.const(cell, "grid")]), B.const(np.array(stride, dtype=np.float32), "stride")])
        wh2 = B.node("Mul", [wh, B.const(np.array(2, dtype=np.float32), "two")])
        anchor = np.array(anchors, dtype=np.float32).reshape(1, 3, 1, 1, 2)
        wh = B.node("Mul", [B.node("Mul", [wh2, wh2]), B.const(anchor, "anchor")])
        y = B.node("Concat", [xy, wh, rest], axis=4)
        outs.append(B.node("Reshape", [y, B.const(np.array([1, 3 * g * g, no], dtype=np.int64), "shape")]))
        n += 3 * g * g
    return B.node("Concat", outs, axis=1), [1, n, no]


def build(imgsz, width, depth, yolo11, nc=80, seed=0, v5=False):
    B = Builder(seed)
    ch = lambda c: max(int(math.ceil(c * width / 8) * 8), 8) if width >= 0.25 else max(int(c * width), 4)
    dn = lambda n: max(round(n * depth), 1)
    size = [imgsz]

    def conv(x, c1, c2, k=1, s=1, g=1, act=True):
        y = B.conv(x, c1, c2, k, s, g, act, hw=(size[0], size[0]))
        size[0] = (size[0] + 2 * (k // 2) - k) // s + 1
        return y

    def at(sz, f):
        saved = size[0]
        size[0] = sz
        r = f()
        size[0] = saved
        return r

    def c2f(x, c1, c2, n, shortcut, sz):
        def f():
            c = c2 // 2
            y = conv(x, c1, 2 * c, 1)
            a, b = B.node("Split", [y, B.const(np.array([c, c], dtype=np.int64), "split")], n_out=2, axis=1)
            ys = [a, b]
            for _ in range(n):
                t = conv(conv(ys[-1], c, c, 3), c, c, 3)
                ys.append(B.node("Add", [ys[-1], t]) if shortcut else t)
            return conv(B.node("Concat", ys, axis=1), (2 + n) * c, c2, 1)
        return at(sz, f)

    def sppf(x, c1, c2, sz):
        def f():
            c = c1 // 2
            y = [conv(x, c1, c, 1)]
            for _ in range(3):
                y.append(B.node("MaxPool", [y[-1]], kernel_shape=[5, 5], strides=[1, 1], pads=[2, 2, 2, 2]))
            return conv(B.node("Concat", y, axis=1), 4 * c, c2, 1)
        return at(sz, f)

    def attention(x, c, sz):
        # C2PSA-style: qkv 1x1 conv, per-head MatMul attention, depthwise positional conv, projection.
        def f():
            heads = max(c // 64, 1)
            head_dim = c // heads
            key_dim = head_dim // 2
            n = sz * sz
            qkv = conv(x, c, c + 2 * key_dim * heads, 1, act=False)
            # The reshape target comes from shape arithmetic, as in dynamic exports.
            shp = B.node("Shape", [x])
            batch = B.node("Gather", [shp, B.const(np.array(0, dtype=np.int64), "i0")], axis=0)
            batch = B.node("Unsqueeze", [batch, B.const(np.array([0], dtype=np.int64), "ax")])
            target = B.node("Concat", [batch, B.const(np.array([heads, 2 * key_dim + head_dim, n], dtype=np.int64), "tail")], axis=0)
            r = B.node("Reshape", [qkv, target])
            q, k, v = B.node("Split", [r, B.const(np.array([key_dim, key_dim, head_dim], dtype=np.int64), "split")], n_out=3, axis=2)
            attn = B.node("MatMul", [B.node("Transpose", [q], perm=[0, 1, 3, 2]), k])
            attn = B.node("Mul", [attn, B.const(np.array(key_dim ** -0.5, dtype=np.float32), "scale")])
            attn = B.node("Softmax", [attn], axis=-1)
            B.flops += 2 * 2 * heads * n * n * key_dim
            o = B.node("MatMul", [v, B.node("Transpose", [attn], perm=[0, 1, 3, 2])])
            o = B.node("Reshape", [o, B.const(np.array([1, c, sz, sz], dtype=np.int64), "shape")])
            pe = conv(B.node("Reshape", [v, B.const(np.array([1, c, sz, sz], dtype=np.int64), "shape")]), c, c, 3, g=c, act=False)
            o = conv(B.node("Add", [o, pe]), c, c, 1, act=False)
            return B.node("Add", [x, o])
        return at(sz, f)

    c16, c32, c64, c128, c256 = ch(64), ch(128), ch(256), ch(512), ch(1024)
    s = imgsz
    x = "images"
    p1 = conv(x, 3, c16, 3, 2)
    p2 = conv(p1, c16, c32, 3, 2)
    p2 = c2f(p2, c32, c32, dn(3), True, s // 4)
    p3 = conv(p2, c32, c64, 3, 2)
    p3 = c2f(p3, c64, c64, dn(6), True, s // 8)
    size[0] = s // 8
    p4 = conv(p3, c64, c128, 3, 2)
    p4 = c2f(p4, c128, c128, dn(6), True, s // 16)
    size[0] = s // 16
    p5 = conv(p4, c128, c256, 3, 2)
    p5 = c2f(p5, c256, c256, dn(3), True, s // 32)
    p5 = sppf(p5, c256, c256, s // 32)
    if yolo11:
        p5 = attention(p5, c256, s // 32)

    def up(t):
        return B.node("Resize", [t, "", B.const(np.array([1, 1, 2, 2], dtype=np.float32), "scales")],
                      mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")

    h4 = c2f(B.node("Concat", [up(p5), p4], axis=1), c256 + c128, c128, dn(3), False, s // 16)
    h3 = c2f(B.node("Concat", [up(h4), p3], axis=1), c128 + c64, c64, dn(3), False, s // 8)
    size[0] = s // 8
    d4 = conv(h3, c64, c64, 3, 2)
    h4b = c2f(B.node("Concat", [d4, h4], axis=1), c64 + c128, c128, dn(3), False, s // 16)
    size[0] = s // 16
    d5 = conv(h4b, c128, c128, 3, 2)
    h5 = c2f(B.node("Concat", [d5, p5], axis=1), c128 + c256, c256, dn(3), False, s // 32)

    if v5:
        out, shape = v5_head(B, [(h3, c64, 8), (h4b, c128, 16), (h5, c256, 32)], s, nc)
        return finish(B, out, s, shape)
    reg = 16
    c2 = max(16, c64 // 4, reg * 4)
    c3 = max(c64, min(nc, 100))
    levels = []
    for feat, c, stride in [(h3, c64, 8), (h4b, c128, 16), (h5, c256, 32)]:
        sz = s // stride

        def head():
            bx = conv(conv(conv(feat, c, c2, 3), c2, c2, 3), c2, 4 * reg, 1, act=False)
            if yolo11:
                cl = conv(conv(feat, c, c, 3, g=c), c, c3, 1)
                cl = conv(conv(cl, c3, c3, 3, g=c3), c3, c3, 1)
            else:
                cl = conv(conv(feat, c, c3, 3), c3, c3, 3)
            cl = conv(cl, c3, nc, 1, act=False)
            cat = B.node("Concat", [bx, cl], axis=1)
            return B.node("Reshape", [cat, B.const(np.array([1, 4 * reg + nc, -1], dtype=np.int64), "shape")])
        levels.append(at(sz, head))
    allp = B.node("Concat", levels, axis=2)
    box, cls = B.node("Split", [allp, B.const(np.array([4 * reg, nc], dtype=np.int64), "split")], n_out=2, axis=1)
    n_anchors = sum((s // st) ** 2 for st in (8, 16, 32))
    # DFL: distribution over reg bins → expected distance.
    d = B.node("Reshape", [box, B.const(np.array([1, 4, reg, n_anchors], dtype=np.int64), "shape")])
    d = B.node("Softmax", [B.node("Transpose", [d], perm=[0, 2, 1, 3])], axis=1)
    dfl_w = np.arange(reg, dtype=np.float32).reshape(1, reg, 1, 1)
    d = B.node("Conv", [d, B.const(dfl_w, "dfl")], kernel_shape=[1, 1])
    d = B.node("Reshape", [d, B.const(np.array([1, 4, n_anchors], dtype=np.int64), "shape")])
    lt = B.node("Slice", [d, B.const(np.array([0], dtype=np.int64)), B.const(np.array([2], dtype=np.int64)), B.const(np.array([1], dtype=np.int64))])
    rb = B.node("Slice", [d, B.const(np.array([2], dtype=np.int64)), B.const(np.array([4], dtype=np.int64)), B.const(np.array([1], dtype=np.int64))])
    anchors, strides = [], []
    for st in (8, 16, 32):
        g = s // st
        yy, xx = np.meshgrid(np.arange(g) + 0.5, np.arange(g) + 0.5, indexing="ij")
        anchors.append(np.stack([xx.ravel(), yy.ravel()]))
        strides.append(np.full((1, g * g), st))
    anc = B.const(np.concatenate(anchors, 1)[None].astype(np.float32), "anchors")
    strd = B.const(np.concatenate(strides, 1)[None].astype(np.float32), "strides")
    x1y1 = B.node("Sub", [anc, lt])
    x2y2 = B.node("Add", [anc, rb])
    cxy = B.node("Div", [B.node("Add", [x1y1, x2y2]), B.const(np.array(2, dtype=np.float32), "two")])
    wh = B.node("Sub", [x2y2, x1y1])
    dbox = B.node("Mul", [B.node("Concat", [cxy, wh], axis=1), strd])
    out = B.node("Concat", [dbox, B.node("Sigmoid", [cls])], axis=1)
    return finish(B, out, s, [1, 4 + nc, n_anchors])


def finish(B, out, s, shape):
    B.nodes.append(helper.make_node("Identity", [out], ["output0"], name="output"))
    graph = helper.make_graph(
        B.nodes, "yolo_shaped",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, s, s])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, shape)],
        B.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="vigil make_yolo_graph")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model, B.flops


def calibrate(model, x):
    """Rescales each Conv's weights and bias (the DFL's fixed bins aside) so that its output on `x` has unit
    standard deviation, in graph order (each sees its inputs already rescaled). With plain random weights every
    convolution shrinks its input and the output is little more than the head's biases: two different images
    give nearly the same boxes, and a conformance test would check constants."""
    import onnxruntime as ort
    inits = {t.name: t for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type != "Conv" or node.input[1].startswith("dfl"):
            continue
        probe = onnx.ModelProto()
        probe.CopyFrom(model)
        del probe.graph.output[:]
        probe.graph.output.append(helper.make_empty_tensor_value_info(node.output[0]))
        sess = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
        std = float(sess.run(None, {"images": x})[0].std()) or 1.0
        for name in node.input[1:]:
            t = inits[name]
            t.CopyFrom(numpy_helper.from_array((numpy_helper.to_array(t) / std).astype(np.float32), name))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--depth", type=float, default=0.33)
    ap.add_argument("--yolo11", action="store_true")
    ap.add_argument("--test-data", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--v5", action="store_true", help="a YOLOv5 anchor head: output 1 x N x (5+80), objectness")
    ap.add_argument("--raw-init", action="store_true", help="keep the random weights as drawn (no unit-level rescaling)")
    a = ap.parse_args()
    model, flops = build(a.imgsz, a.width, a.depth, a.yolo11, seed=a.seed, v5=a.v5)
    x = np.random.default_rng(1234).random((1, 3, a.imgsz, a.imgsz), dtype=np.float32)
    if not a.raw_init:
        calibrate(model, x)
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "model.onnx")
    onnx.save(model, path)
    print(f"{path}: {flops / 1e9:.2f} GFLOPs (conv and matmul, 2 per multiply-add)")
    if a.test_data:
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = 2
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        (y,) = sess.run(None, {"images": x})
        d = os.path.join(a.out, "test_data_set_0")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "input_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x, "images").SerializeToString())
        with open(os.path.join(d, "output_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(y, "output0").SerializeToString())
        print(f"{d}: ONNX Runtime {ort.__version__} output {y.shape}")


if __name__ == "__main__":
    main()
