import TestSupport
import CInferenceKernels
import Foundation
import Testing
@testable import Inference

/// The one-thread speed paths of the AVX-512 engine against direct references: the channel-vectorised implicit
/// GEMM (`vk_conv_channels`, output channels in the vector lanes, for 7×7, 6×6 and 10×10 planes), the
/// channel-vectorised depthwise kernel (`vk_depthwise_channels`, 16 channels per step on planes of at most 64
/// pixels), and whole Conv nodes that take them or the column-chunked implicit GEMM (few input channels on a
/// wide plane). The kernels are checked at levels 2 (AVX-512) and 1 (AVX2: vk_conv_channels has its own AVX2 form,
/// vk_depthwise_channels falls back to the per-channel kernel; `VIGIL_NN_ISA=none swift test …` runs them at level
/// 0, scalar: level 0 is not set here because the suites beside this one would run their models on it); the Conv
/// nodes at levels 2 and 1, with the path each level must take named in the profile, so a test cannot pass on a
/// path it did not mean to run.
@Suite(.serialized) struct ChannelKernelTests {
    static let levels: [Int32] = [2, 1]

    /// Output rows [panel0·32, panel1·32) of vk_conv_channels on `taps` taps per input channel (1: an unpadded 1×1
    /// plane of outH × outW; 9: a 3×3 window on planes with a pitch 2 wider than the output, like the implicit
    /// GEMM's padded copy) against the sum over the same offsets, with clip, residual and post-Relu. Every other
    /// value of y (rows outside the panels, the slack after the last row) must keep its NaN.
    func checkChannels(m: Int, c: Int, taps: Int, outH: Int, outW: Int, panels: (Int, Int), residual: Bool) -> Float {
        let pitch = taps == 1 ? outW : outW + 2, rows = taps == 1 ? outH : outH + 2, plane = pitch * rows
        let offsets: [Int32] = (0..<c).flatMap { ch in
            (0..<taps).map { t in Int32(ch * plane + (taps == 1 ? 0 : (t / 3) * pitch + t % 3)) }
        }
        let k = c * taps, n = outH * outW
        let a = pseudoRandom(m * k, seed: 71), x = pseudoRandom(c * plane, seed: 72), bias = pseudoRandom(m, seed: 73)
        let res = pseudoRandom(m * n, seed: 74)
        var packed = [Float](repeating: .nan, count: vk_packed_at_floats(Int32(m), Int32(k)))
        vk_pack_at(a, Int32(k), Int32(m), Int32(k), &packed)
        var y = [Float](repeating: .nan, count: m * n + 17)
        let clip = VKActivation(kind: 2, a: -0.5, b: 0.75), relu = VKActivation(kind: 1, a: 0, b: 0)
        return bias.withUnsafeBufferPointer { bb in
            res.withUnsafeBufferPointer { rb in
                var ep = VKEpilogue(bias: bb.baseAddress!, activation: clip, residual: residual ? rb.baseAddress! : nil,
                                    post: relu)
                vk_conv_channels(Int32(m), Int32(k), packed, offsets, x, Int32(pitch), Int32(outH), Int32(outW),
                                 Int32(panels.0), Int32(panels.1), &y, n, &ep)
                var err: Float = 0
                for r in 0..<m {
                    let inside = r >= panels.0 * 32 && r < panels.1 * 32
                    for p in 0..<n {
                        let got = y[r * n + p]
                        if !inside {
                            if !got.isNaN { err = .infinity }
                            continue
                        }
                        let v = (p / outW) * pitch + p % outW
                        var s: Float = 0
                        for q in 0..<k { s += a[r * k + q] * x[Int(offsets[q]) + v] }
                        var expected = min(max(s + bias[r], -0.5), 0.75)
                        if residual { expected = max(0, expected + res[r * n + p]) }
                        err = max(err, got.isNaN ? .infinity : abs(got - expected))
                    }
                }
                if y[(m * n)...].contains(where: { !$0.isNaN }) { err = .infinity }
                return err
            }
        }
    }

    @Test(arguments: levels)
    func convChannelsMatchesReference(_ level: Int32) {
        ISALevel.at(level) {
            var cases = 0, worst: Float = 0
            for m in [1, 6, 16, 32, 33, 72, 100] {
                for (c, taps) in [(1, 1), (7, 1), (96, 1), (5, 9)] {
                    for (outH, outW) in [(1, 1), (1, 5), (3, 4), (1, 13), (6, 6), (7, 7), (2, 25)] {
                        let panels = (m + 31) / 32
                        worst = max(worst, checkChannels(m: m, c: c, taps: taps, outH: outH, outW: outW, panels: (0, panels),
                                                         residual: (m + outW) % 2 == 0))
                        // A later worker's share only: the first panel must stay untouched.
                        if panels > 1 {
                            worst = max(worst, checkChannels(m: m, c: c, taps: taps, outH: outH, outW: outW, panels: (1, panels),
                                                             residual: true))
                        }
                        cases += 1
                    }
                }
            }
            #expect(cases == 196)
            #expect(worst < 1e-4)
        }
    }

    /// Wide layers through vk_conv_channels: K above the AVX2 form's 128-tap chunks (partial sums kept between
    /// chunks), more 16-channel halves than one batch of 8 (m = 200: 13), more blocks than one group of 6, and a
    /// later worker's panels only.
    @Test(arguments: levels)
    func convChannelsMatchesReferenceOnWideLayers(_ level: Int32) {
        ISALevel.at(level) {
            var worst: Float = 0
            for (m, c, taps, outH, outW) in [(200, 150, 1, 7, 7), (40, 30, 9, 10, 10), (48, 29, 9, 3, 4), (17, 300, 1, 6, 6)] {
                let panels = (m + 31) / 32
                worst = max(worst, checkChannels(m: m, c: c, taps: taps, outH: outH, outW: outW, panels: (0, panels),
                                                 residual: c % 2 == 0))
                if panels > 1 {
                    worst = max(worst, checkChannels(m: m, c: c, taps: taps, outH: outH, outW: outW, panels: (1, panels),
                                                     residual: false))
                }
            }
            #expect(worst < 1e-3)
        }
    }

    /// `channels` depthwise channels through vk_depthwise_channels against a direct loop (clip, then + residual
    /// and post-Relu when `residual`); scratch is exactly `vk_depthwise_channels_scratch_floats`, filled with NaN.
    func checkDepthwiseChannels(channels: Int, k: Int, s: Int, h: Int, w: Int, pad: Int, residual: Bool) -> Float {
        let oh = (h + 2 * pad - k) / s + 1, ow = (w + 2 * pad - k) / s + 1
        guard oh > 0, ow > 0 else { return 0 }
        var g = VKConvGeometry(channels: 1, in_h: Int32(h), in_w: Int32(w), out_h: Int32(oh), out_w: Int32(ow),
                               k_h: Int32(k), k_w: Int32(k), stride_h: Int32(s), stride_w: Int32(s), dilation_h: 1,
                               dilation_w: 1, pad_top: Int32(pad), pad_left: Int32(pad))
        let x = pseudoRandom(channels * h * w, seed: 81), wt = pseudoRandom(channels * k * k, seed: 82)
        let bias = pseudoRandom(channels, seed: 83), res = pseudoRandom(channels * oh * ow, seed: 84)
        var y = [Float](repeating: .nan, count: channels * oh * ow)
        var scratch = [Float](repeating: .nan, count: vk_depthwise_channels_scratch_floats(&g))
        let clip = VKActivation(kind: 2, a: -1, b: 1), relu = VKActivation(kind: 1, a: 0, b: 0)
        vk_depthwise_channels(x, wt, bias, &y, residual ? res : nil, clip, relu, &g, Int32(channels), &scratch)
        var err: Float = 0
        for c in 0..<channels {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var a = bias[c]
                    for ky in 0..<k {
                        for kx in 0..<k {
                            let iy = oy * s - pad + ky, ix = ox * s - pad + kx
                            if iy >= 0 && iy < h && ix >= 0 && ix < w { a += x[(c * h + iy) * w + ix] * wt[(c * k + ky) * k + kx] }
                        }
                    }
                    let at = (c * oh + oy) * ow + ox
                    var expected = min(max(a, -1), 1)
                    if residual { expected = max(0, expected + res[at]) }
                    err = max(err, y[at].isNaN ? .infinity : abs(y[at] - expected))
                }
            }
        }
        return err
    }

    /// Channel counts around the 16-channel step, planes up to 9×9 (the channel-vectorised form up to 64 pixels,
    /// the per-channel kernel above), 3×3 and 5×5, strides 1 and 2, pads 0–2.
    @Test(arguments: levels)
    func depthwiseChannelsMatchesDirectLoop(_ level: Int32) {
        ISALevel.at(level) {
            var cases = 0, worst: Float = 0
            for channels in [1, 16, 21, 35] {
                for k in [3, 5] {
                    for s in [1, 2] {
                        for (h, w) in [(7, 7), (6, 6), (8, 8), (3, 5), (1, 1), (9, 7), (9, 9)] {
                            for pad in 0...2 where h + 2 * pad >= k && w + 2 * pad >= k {
                                worst = max(worst, checkDepthwiseChannels(channels: channels, k: k, s: s, h: h, w: w, pad: pad,
                                                                          residual: (channels + pad) % 2 == 1))
                                cases += 1
                            }
                        }
                    }
                }
            }
            #expect(cases > 300)
            #expect(worst < 1e-4)
        }
    }

    /// Conv nodes that take the new paths at levels 2 and 1 (the same path at both), against the reference
    /// convolution of FastKernelTests, each with the path it must take.
    static let convCases: [(FastKernelTests.ConvCase, String)] = [
        (.init(c: 24, m: 64, h: 7, w: 7, k: 1, tail: "AddRelu", threads: 1), "1x1 s1 channels"),
        (.init(c: 33, m: 96, h: 6, w: 6, k: 1, tail: "SiLU"), "1x1 s1 channels"),
        (.init(c: 40, m: 72, h: 7, w: 7, k: 1, tail: "Relu"), "1x1 s1 implicit"),
        (.init(c: 20, m: 64, h: 10, w: 10, k: 3, pad: 1, tail: "SiLU", threads: 1), "3x3 s1 channels"),
        (.init(c: 16, m: 32, h: 20, w: 20, k: 3, stride: 2, pad: 1, tail: "AddRelu"), "3x3 s2 channels"),
        (.init(c: 16, m: 80, h: 20, w: 20, k: 3, pad: 1, tail: "Relu"), "3x3 s1 implicit"),
        (.init(c: 16, m: 24, h: 50, w: 50, k: 1, tail: "Relu", threads: 1), "1x1 s1 implicit"),
        (.init(c: 16, m: 20, h: 64, w: 67, k: 1, tail: "Add"), "1x1 s1 implicit"),
        (.init(c: 35, m: 35, h: 7, w: 7, k: 5, pad: 2, groups: 35, tail: "AddRelu"), "depthwise 5x5 s1 packed"),
        (.init(c: 20, m: 20, h: 8, w: 8, k: 3, stride: 2, pad: 1, groups: 20, tail: "SiLU", threads: 1), "depthwise 3x3 s2 packed"),
    ]

    @Test(arguments: convCases, [Int32(2), 1])
    func convNodesMatchReference(_ t: (FastKernelTests.ConvCase, String), _ level: Int32) throws {
        try ISALevel.at(level) {
            try FastKernelTests().checkConv(t.0)
            var g = GraphBuilder()
            g.input("x", [1, t.0.c, t.0.h, t.0.w])
            g.initializer("w", [t.0.m, t.0.c / t.0.groups, t.0.k, t.0.k], pseudoRandom(t.0.m * (t.0.c / t.0.groups) * t.0.k * t.0.k, seed: 1))
            g.node("Conv", ["x", "w"], ["y"], ["pads": [t.0.pad, t.0.pad, t.0.pad, t.0.pad], "strides": [t.0.stride, t.0.stride],
                                               "group": t.0.groups, "kernel_shape": [t.0.k, t.0.k]])
            g.output("y")
            guard FastKernels.available else { return }  // the portable paths (VIGIL_NN_ISA=none)
            let path = try g.session(threads: 1).profile(iterations: 1).map(\.op).joined()
            #expect(path.contains("[\(t.1)]"), "\(path)")
        }
    }
}
