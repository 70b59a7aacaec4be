#!/usr/bin/env python3
"""Small QDQ graphs for the integer glue between convolutions (quantised Add with a folded Relu/Clip, Pad kept in
bytes or folded into the next convolution, Concat/Transpose/Reshape moving bytes), plus forms the engine must leave in float, each written as an ONNX
backend test directory with ONNX Runtime as the oracle:

  OUT/NAME/model.onnx                      the graph (opset 13, QDQ as quantize_static writes it)
  OUT/NAME/test_data_set_0/input_N.pb      random float inputs (fixed seed), wide enough to saturate
  OUT/NAME/test_data_set_0/output_0.pb     ONNX Runtime's output (all graph optimisations: its own QDQ fusions)
  OUT/NAME/float_output_0.pb               the float reference: the same operators in numpy on the dequantised
                                           inputs, clipped to the output type's range, no final rounding
  OUT/NAME/case.json                       {"step": the output's quantisation step, "precision": {kind: steps},
                                            "plan_has"/"plan_lacks": operators that must / must not run}

Needs: python3 with onnx, onnxruntime, numpy.  Usage: python3 scripts/make_qglue_cases.py OUT
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(17)


def qparams(name, scale, zero, signed):
    return [numpy_helper.from_array(np.array(scale, np.float32), name + "_s"),
            numpy_helper.from_array(np.array(zero, np.int8 if signed else np.uint8), name + "_z")]


def qdq(nodes, inits, src, name, scale, zero, signed):
    """src → QuantizeLinear → DequantizeLinear; returns the dequantised name."""
    inits += qparams(name, scale, zero, signed)
    nodes.append(helper.make_node("QuantizeLinear", [src, name + "_s", name + "_z"], [name + "_q"], name=name + "_Q"))
    nodes.append(helper.make_node("DequantizeLinear", [name + "_q", name + "_s", name + "_z"], [name + "_dq"], name=name + "_DQ"))
    return name + "_dq"


def fake(x, scale, zero, signed):
    lo, hi = (-128, 127) if signed else (0, 255)
    return (np.clip(np.round(x / scale) + zero, lo, hi) - zero).astype(np.float32) * np.float32(scale)


def bounds(scale, zero, signed):
    """The float range an output quantised with (scale, zero, signed) can show."""
    lo, hi = (-128, 127) if signed else (0, 255)
    return (lo - zero) * scale, (hi - zero) * scale


def add_case(shape_a, shape_b, a, b, y, act):
    """Add(DQ(a), DQ(b)) [→ act] → Q → DQ. a, b, y: (scale, zero, signed)."""
    nodes, inits = [], []
    da = qdq(nodes, inits, "xa", "a", *a)
    db = qdq(nodes, inits, "xb", "b", *b)
    nodes.append(helper.make_node("Add", [da, db], ["sum"], name="add"))
    last = "sum"
    if act == "relu":
        nodes.append(helper.make_node("Relu", ["sum"], ["act"], name="relu"))
        last = "act"
    elif act == "clip":
        inits += [numpy_helper.from_array(np.array(0, np.float32), "lo"), numpy_helper.from_array(np.array(6, np.float32), "hi")]
        nodes.append(helper.make_node("Clip", ["sum", "lo", "hi"], ["act"], name="clip"))
        last = "act"
    out = qdq(nodes, inits, last, "y", *y)
    nodes.append(helper.make_node("Identity", [out], ["out"], name="out"))
    xa = (RNG.standard_normal(shape_a) * 3).astype(np.float32)
    xb = (RNG.standard_normal(shape_b) * 3).astype(np.float32)
    ref = fake(xa, *a) + fake(xb, *b)
    if act == "relu":
        ref = np.maximum(ref, 0)
    elif act == "clip":
        ref = np.clip(ref, 0, 6)
    inputs = [("xa", xa), ("xb", xb)]
    return nodes, inits, inputs, ref, y[0], bounds(*y)


def conv_after(nodes, inits, src, channels, x_q, rng=RNG, prefix="", tail=True):
    """DQ(src) → Conv 3×3 valid (int8 per-channel weights, bias) → Q → DQ, as quantize_static writes it (names
    prefixed by `prefix`; with `tail`, an Identity "out" after it)."""
    w = (rng.standard_normal((channels, channels, 3, 3)) * 0.2).astype(np.float32)
    ws = np.abs(w).reshape(channels, -1).max(1) / 127
    wq = np.clip(np.round(w / ws[:, None, None, None]), -127, 127).astype(np.int8)
    bias = (rng.standard_normal(channels) * 0.5).astype(np.float32)
    bq = np.round(bias / (x_q[0] * ws)).astype(np.int32)
    p = prefix
    inits += [numpy_helper.from_array(wq, p + "w"), numpy_helper.from_array(ws.astype(np.float32), p + "w_s"),
              numpy_helper.from_array(np.zeros(channels, np.int8), p + "w_z"), numpy_helper.from_array(bq, p + "b"),
              numpy_helper.from_array((x_q[0] * ws).astype(np.float32), p + "b_s"),
              numpy_helper.from_array(np.zeros(channels, np.int32), p + "b_z")]
    nodes.append(helper.make_node("DequantizeLinear", [p + "w", p + "w_s", p + "w_z"], [p + "w_dq"], name=p + "w_DQ", axis=0))
    nodes.append(helper.make_node("DequantizeLinear", [p + "b", p + "b_s", p + "b_z"], [p + "b_dq"], name=p + "b_DQ", axis=0))
    nodes.append(helper.make_node("Conv", [src, p + "w_dq", p + "b_dq"], [p + "conv"], name=p + "conv", kernel_shape=[3, 3]))
    y = (0.05, 128, False)
    out = qdq(nodes, inits, p + "conv", p + "y", *y)
    if tail:
        nodes.append(helper.make_node("Identity", [out], ["out"], name="out"))
    return y, (wq.astype(np.float32) * ws[:, None, None, None], bq.astype(np.float32) * x_q[0] * ws)


def conv_ref(xf, w, b):
    """A 3×3 valid convolution of xf (1 × C × H × W) in numpy."""
    c = w.shape[0]
    ref = np.zeros((1, c, xf.shape[2] - 2, xf.shape[3] - 2), np.float32)
    for o in range(c):
        for ky in range(3):
            for kx in range(3):
                ref[0, o] += np.tensordot(w[o, :, ky, kx], xf[0, :, ky:ky + ref.shape[2], kx:kx + ref.shape[3]], axes=1)
        ref[0, o] += b[o]
    return ref


def pad_two_convs_case():
    """x → Pad (zeros) → Q → DQ → two Convs → Add → Q → DQ: the byte Pad folds into both convolutions."""
    c, x_q, z = 4, (0.03, 128, False), (0.08, 128, False)
    nodes, inits = [], []
    inits.append(numpy_helper.from_array(np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64), "pads"))
    nodes.append(helper.make_node("Pad", ["x", "pads"], ["padded"], name="pad", mode="constant"))
    xin = (RNG.standard_normal((1, c, 9, 10)) * 2).astype(np.float32)
    xf = fake(np.pad(xin, ((0, 0), (0, 0), (1, 2), (2, 1))), *x_q)
    dq = qdq(nodes, inits, "padded", "p", *x_q)
    ya, (wa, ba) = conv_after(nodes, inits, dq, c, x_q, prefix="a_", tail=False)
    yb, (wb, bb) = conv_after(nodes, inits, dq, c, x_q, prefix="b_", tail=False)
    nodes.append(helper.make_node("Add", ["a_y_dq", "b_y_dq"], ["sum"], name="add"))
    out = qdq(nodes, inits, "sum", "z", *z)
    nodes.append(helper.make_node("Identity", [out], ["out"], name="out"))
    ref = fake(conv_ref(xf, wa, ba), *ya) + fake(conv_ref(xf, wb, bb), *yb)
    return nodes, inits, [("x", xin)], ref, z[0], bounds(*z)


def pad_case(mode, fill, then_conv, x_q=(0.03, 128, False)):
    """x → Pad (spatial 1, 2) → Q [→ DQ → Conv → Q] → DQ."""
    c = 4
    nodes, inits = [], []
    inits.append(numpy_helper.from_array(np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64), "pads"))
    inits.append(numpy_helper.from_array(np.array(fill, np.float32), "fill"))
    nodes.append(helper.make_node("Pad", ["x", "pads", "fill"], ["padded"], name="pad", mode=mode))
    xin = (RNG.standard_normal((1, c, 9, 10)) * 2).astype(np.float32)
    np_mode = {"constant": "constant", "reflect": "reflect", "edge": "edge"}[mode]
    kw = {"constant_values": fill} if mode == "constant" else {}
    padded = np.pad(xin, ((0, 0), (0, 0), (1, 2), (2, 1)), mode=np_mode, **kw)
    dq = qdq(nodes, inits, "padded", "p", *x_q)
    if then_conv:
        y, (w, b) = conv_after(nodes, inits, dq, c, x_q)
        xf = fake(padded, *x_q)
        ref = np.zeros((1, c, xf.shape[2] - 2, xf.shape[3] - 2), np.float32)
        for o in range(c):
            for ky in range(3):
                for kx in range(3):
                    ref[0, o] += np.tensordot(w[o, :, ky, kx], xf[0, :, ky:ky + ref.shape[2], kx:kx + ref.shape[3]], axes=1)
            ref[0, o] += b[o]
    else:
        nodes.append(helper.make_node("Identity", [dq], ["out"], name="out"))
        y, ref = x_q, fake(padded, *x_q)
    return nodes, inits, [("x", xin)], ref, y[0], bounds(*y)


def move_case(kind):
    """Byte moves: Concat(Relu(DQ(a)), Relu(DQ(b))) → Q → DQ, or Transpose(Sigmoid(DQ(a))) → Reshape → Q → DQ."""
    nodes, inits = [], []
    a, b, y = (0.05, 120, False), (0.03, -7, True), (0.04, 3, False)
    xa = (RNG.standard_normal((1, 3, 7, 9)) * 3).astype(np.float32)
    da = qdq(nodes, inits, "xa", "a", *a)
    if kind == "concat":
        xb = (RNG.standard_normal((1, 5, 7, 9)) * 3).astype(np.float32)
        db = qdq(nodes, inits, "xb", "b", *b)
        nodes.append(helper.make_node("Relu", [da], ["ra"], name="relu_a"))
        nodes.append(helper.make_node("Relu", [db], ["rb"], name="relu_b"))
        nodes.append(helper.make_node("Concat", ["ra", "rb"], ["cat"], name="concat", axis=1))
        ref = np.concatenate([np.maximum(fake(xa, *a), 0), np.maximum(fake(xb, *b), 0)], axis=1)
        inputs = [("xa", xa), ("xb", xb)]
    else:
        nodes.append(helper.make_node("Sigmoid", [da], ["sa"], name="sigmoid"))
        nodes.append(helper.make_node("Transpose", ["sa"], ["t"], name="transpose", perm=[0, 2, 3, 1]))
        inits.append(numpy_helper.from_array(np.array([1, -1, 3], np.int64), "shape"))
        nodes.append(helper.make_node("Reshape", ["t", "shape"], ["cat"], name="reshape"))
        y = (1 / 255, -128, True)
        ref = (1 / (1 + np.exp(-fake(xa, *a)))).transpose(0, 2, 3, 1).reshape(1, -1, 3)
        inputs = [("xa", xa)]
    out = qdq(nodes, inits, "cat", "y", *y)
    nodes.append(helper.make_node("Identity", [out], ["out"], name="out"))
    return nodes, inits, inputs, ref, y[0], bounds(*y)


def conv_lookup_case():
    """x → Q → DQ → Conv → Q → DQ → Clip(0, 6) → Q (another scale) → DQ, as quantize_static writes a Conv + Relu6 it
    did not fuse: the Clip becomes a byte lookup, folded into the convolution (its only reader)."""
    c, x_q, z = 6, (0.03, 128, False), (6 / 255, 0, False)
    nodes, inits = [], []
    xin = (RNG.standard_normal((1, c, 11, 13)) * 2).astype(np.float32)
    dx = qdq(nodes, inits, "x", "xq", *x_q)
    y, (w, b) = conv_after(nodes, inits, dx, c, x_q)
    nodes.pop()  # conv_after's Identity: the Clip reads the convolution's dequantised output instead
    inits += [numpy_helper.from_array(np.array(0, np.float32), "lo"), numpy_helper.from_array(np.array(6, np.float32), "hi")]
    nodes.append(helper.make_node("Clip", ["y_dq", "lo", "hi"], ["clipped"], name="clip"))
    out = qdq(nodes, inits, "clipped", "z", *z)
    nodes.append(helper.make_node("Identity", [out], ["out"], name="out"))
    xf = fake(xin, *x_q)
    conv = np.zeros((1, c, xf.shape[2] - 2, xf.shape[3] - 2), np.float32)
    for o in range(c):
        for ky in range(3):
            for kx in range(3):
                conv[0, o] += np.tensordot(w[o, :, ky, kx], xf[0, :, ky:ky + conv.shape[2], kx:kx + conv.shape[3]], axes=1)
        conv[0, o] += b[o]
    ref = np.clip(fake(conv, *y), 0, 6)
    return nodes, inits, [("x", xin)], ref, z[0], bounds(*z)


def resize_axis(x, axis, out, coordinate):
    """ONNX linear Resize along one axis (half_pixel or asymmetric), as the operator's reference computes it."""
    n = x.shape[axis]
    o = np.arange(out, dtype=np.float64)
    s = (o + 0.5) * n / out - 0.5 if coordinate == "half_pixel" else o * n / out
    s = np.clip(s, 0, n - 1)
    i0 = np.floor(s).astype(int)
    i1 = np.minimum(i0 + 1, n - 1)
    w = (s - i0).reshape([-1 if d == axis else 1 for d in range(x.ndim)])
    a, b = np.take(x, i0, axis=axis), np.take(x, i1, axis=axis)
    return a + (b - a) * w


def resize_case(through_lookup):
    """x → Q → DQ → Clip(0, 6) → Resize ×2 (linear, half_pixel) → Q → DQ: one QuantizedResize reading the bytes through
    the Clip's table; or x → Resize to 11×17 (linear, asymmetric) → Q → DQ: one QuantizedResize of the floats."""
    nodes, inits = [], []
    x_q, y = (0.04, 100, False), (0.03, 5, False)
    xin = (RNG.standard_normal((1, 5, 6, 9)) * 3).astype(np.float32)
    inits.append(numpy_helper.from_array(np.zeros(0, np.float32), "roi"))
    if through_lookup:
        src = qdq(nodes, inits, "x", "xq", *x_q)
        inits += [numpy_helper.from_array(np.array(0, np.float32), "lo"), numpy_helper.from_array(np.array(6, np.float32), "hi")]
        nodes.append(helper.make_node("Clip", [src, "lo", "hi"], ["clipped"], name="clip"))
        inits.append(numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales"))
        nodes.append(helper.make_node("Resize", ["clipped", "roi", "scales"], ["resized"], name="resize", mode="linear",
                                      coordinate_transformation_mode="half_pixel"))
        ref = np.clip(fake(xin, *x_q), 0, 6)
        ref = resize_axis(resize_axis(ref, 2, 12, "half_pixel"), 3, 18, "half_pixel")
    else:
        inits.append(numpy_helper.from_array(np.array([1, 5, 11, 17], np.int64), "sizes"))
        nodes.append(helper.make_node("Resize", ["x", "roi", "", "sizes"], ["resized"], name="resize", mode="linear",
                                      coordinate_transformation_mode="asymmetric"))
        ref = resize_axis(resize_axis(xin, 2, 11, "asymmetric"), 3, 17, "asymmetric")
    out = qdq(nodes, inits, "resized", "y", *y)
    nodes.append(helper.make_node("Identity", [out], ["out"], name="out"))
    return nodes, inits, [("x", xin)], ref.astype(np.float32), y[0], bounds(*y)


def case(build, precision, has=(), lacks=()):
    return build, {"precision": precision, "plan_has": list(has), "plan_lacks": list(lacks)}


CASES = {
    # name: (builder, what must run: steps per precision, operators in the execution plan and not in it)
    "add_clip_u8": case(lambda: add_case((1, 5, 17, 19), (1, 5, 17, 19), (0.05, 120, False), (0.04, 135, False),
                                         (0.03, 0, False), "clip"), {"int8_add": 1}, ["QuantizedAdd"], ["Add", "Clip"]),
    "add_relu_s8": case(lambda: add_case((2, 3, 33, 7), (2, 3, 33, 7), (0.06, -5, True), (0.03, 10, True),
                                         (0.05, -128, True), "relu"), {"int8_add": 1}, ["QuantizedAdd"], ["Add", "Relu"]),
    "add_mixed_types": case(lambda: add_case((1, 70, 3, 5), (1, 70, 3, 5), (0.05, 100, False), (0.02, 3, True),
                                             (0.07, -20, True), "none"), {"int8_add": 1}, ["QuantizedAdd"], ["Add"]),
    # Broadcasting is not covered: the Add runs in float, as the model says.
    "add_broadcast_stays_float": case(lambda: add_case((1, 8, 6, 6), (1, 8, 1, 1), (0.05, 120, False), (0.04, 128, False),
                                                       (0.06, 128, False), "none"), {"int8_add": 0}, ["Add"], ["QuantizedAdd"]),
    "pad_folds_into_conv": case(lambda: pad_case("constant", 0.0, True), {"int8": 1, "int8_pad": 0}, ["QLinearConv"],
                                ["Pad", "QuantizedPad"]),
    "pad_fill_kept_in_bytes": case(lambda: pad_case("constant", 0.7, True), {"int8": 1, "int8_pad": 1},
                                   ["QuantizedPad", "QLinearConv"], ["Pad"]),
    "pad_before_output": case(lambda: pad_case("constant", -1.0, False, (0.02, -3, True)), {"int8_pad": 1},
                              ["QuantizedPad"], ["Pad"]),
    # Reflect padding is not covered: float Pad, then the convolution island.
    "pad_reflect_stays_float": case(lambda: pad_case("reflect", 0.0, True), {"int8": 1, "int8_pad": 0}, ["Pad", "QLinearConv"],
                                    ["QuantizedPad"]),
    # Concat → QuantizeLinear: each input quantised (its Relu a lookup), the Concat on bytes.
    "concat_moves_bytes": case(lambda: move_case("concat"), {"int8_move": 1, "int8_lookup": 2}, ["QuantizedMove"],
                               ["Concat", "Relu"]),
    "transpose_reshape_move_bytes": case(lambda: move_case("transpose"), {"int8_move": 2, "int8_lookup": 1},
                                         ["QuantizedMove"], ["Transpose", "Reshape", "Sigmoid"]),
    # Conv → Q → DQ → Clip → Q: the Clip's lookup runs inside the convolution's work items.
    "conv_clip_lookup_folds": case(conv_lookup_case, {"int8": 1, "int8_lookup": 0}, ["QLinearConv"],
                                   ["QuantizedLookup", "Clip"]),
    # A zero Pad read by two convolutions folds into both (the pose detector's DepthToSpace → Pad → 2 depthwise).
    "pad_folds_into_two_convs": case(pad_two_convs_case, {"int8": 2, "int8_pad": 0, "int8_add": 1}, ["QLinearConv"],
                                     ["Pad", "QuantizedPad"]),
    # Resize → QuantizeLinear in one pass; reading a DequantizeLookup's bytes through its table when there is one (the
    # one dequantize_lookup left is the output's DequantizeLinear → Identity).
    "resize_reads_lookup_bytes": case(lambda: resize_case(True), {"resize_quantize": 1, "dequantize_lookup": 1},
                                      ["QuantizedResize"], ["Resize", "Clip"]),
    "resize_float_then_quantize": case(lambda: resize_case(False), {"resize_quantize": 1, "quantize": 0},
                                       ["QuantizedResize"], ["Resize", "QuantizeLinear"]),
}


def main():
    out = sys.argv[1]
    for name, (build, expect) in CASES.items():
        nodes, inits, inputs, ref, step, bounds = build()
        ref = np.clip(ref, *bounds)
        graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(v.shape)) for n, v in inputs],
                                  [helper.make_tensor_value_info("out", TensorProto.FLOAT, list(ref.shape))], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        d = os.path.join(out, name)
        os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
        onnx.save(model, os.path.join(d, "model.onnx"))
        sess = ort.InferenceSession(os.path.join(d, "model.onnx"), providers=["CPUExecutionProvider"])
        got = sess.run(None, {n: v for n, v in inputs})[0]
        for i, (n, v) in enumerate(inputs):
            onnx.save_tensor(numpy_helper.from_array(v, n), os.path.join(d, "test_data_set_0", f"input_{i}.pb"))
        onnx.save_tensor(numpy_helper.from_array(got, "out"), os.path.join(d, "test_data_set_0", "output_0.pb"))
        onnx.save_tensor(numpy_helper.from_array(ref.astype(np.float32), "out"), os.path.join(d, "float_output_0.pb"))
        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump({"step": float(step), **expect}, f)


if __name__ == "__main__":
    main()
