import CInferenceKernels

/// Quantisation of one tensor: real = scale · (q − zeroPoint); q is UInt8 (signed == false) or Int8.
package struct QuantParams: Sendable, Equatable {
    package var scale: Float
    package var zeroPoint: Int32
    package var signed: Bool

    package init(scale: Float, zeroPoint: Int32, signed: Bool) {
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.signed = signed
    }

    /// The stored range of the type: 0…255 or −128…127.
    package var range: ClosedRange<Int32> { signed ? -128...127 : 0...255 }
}

/// A quantised 2-D convolution (groups, stride, dilation, pads as VKConvGeometry) — also 1×1 convs and, with
/// in_h = out_h = k_h = 1 and in_w = 1, a MatMul/Gemm with weights as the constant operand.
package struct QuantizedConvSpec: Sendable {
    /// Per group: `channels` = input channels per group.
    package var geometry: VKConvGeometry
    package var groups: Int
    /// Total output channels (groups · per group).
    package var outChannels: Int
    /// outChannels × (inChannelsPerGroup·kH·kW), row-major, ONNX order.
    package var weights: [Int8]
    /// 1 or outChannels entries (ORT's per-channel weights are symmetric: 0).
    package var weightZeroPoints: [Int8]
    /// 1 or outChannels entries.
    package var weightScales: [Float]
    package var input: QuantParams
    package var output: QuantParams
    /// QLinearConv semantics: int32, scale = input.scale · weightScale[c], zero point 0.
    package var bias: [Int32]?
    /// Fused activation (Relu/Clip) already expressed in the output's quantised domain.
    package var clamp: (lo: Int32, hi: Int32)?
    /// Nil or 256 entries: each requantised output byte b (its bits read as UInt8) is stored as lookup[b] (a
    /// byte → byte table after the convolution, folded in; `output` describes the bytes before it).
    package var lookup: [UInt8]?

    package init(geometry: VKConvGeometry, groups: Int, outChannels: Int, weights: [Int8], weightZeroPoints: [Int8],
                 weightScales: [Float], input: QuantParams, output: QuantParams, bias: [Int32]?,
                 clamp: (lo: Int32, hi: Int32)?, lookup: [UInt8]? = nil) {
        self.geometry = geometry
        self.groups = groups
        self.outChannels = outChannels
        self.weights = weights
        self.weightZeroPoints = weightZeroPoints
        self.weightScales = weightScales
        self.input = input
        self.output = output
        self.bias = bias
        self.clamp = clamp
        self.lookup = lookup
    }
}

/// Why a QuantizedConvSpec cannot be prepared.
package struct QuantizedConvError: Error, CustomStringConvertible, Equatable {
    package var description: String
}

/// A prepared int8/uint8 convolution with QLinearConv semantics: int32 accumulation with zero points, + bias,
/// requantised as ONNX Runtime does (Float(acc) · (input.scale · weightScale[c] / output.scale), clamped to the
/// output type, rounded half to even, + output zero point), then the fused clamp. The C kernels pick AVX-512
/// VNNI, AVX-VNNI, AVX2 or portable code per run (`vk_qlevel()`); every level gives the same bytes.
///
/// Thread safety: immutable after init (the packed weights are only read), so `run` may be called from
/// several threads at once; each thread keeps its own scratch between runs (grown, never allocated per run).
package final class QuantizedConv: @unchecked Sendable {  // @unchecked: owns a C object that is never written after init
    package let spec: QuantizedConvSpec
    private let handle: OpaquePointer

    package init(_ spec: QuantizedConvSpec) throws {
        let desc = try Self.validate(spec)
        self.spec = spec
        let rows = spec.outChannels
        let zeros = Self.expand(spec.weightZeroPoints.map { Int32($0) }, rows)
        let scales = Self.expand(spec.weightScales, rows)
        // ORT/MLAS: the multiplier is computed in float, input scale × weight scale first.
        let multipliers = scales.map { (spec.input.scale * $0) / spec.output.scale }
        var made: OpaquePointer?
        spec.weights.withUnsafeBufferPointer { w in
            zeros.withUnsafeBufferPointer { z in
                multipliers.withUnsafeBufferPointer { m in
                    (spec.bias ?? []).withUnsafeBufferPointer { b in
                        (spec.lookup ?? []).withUnsafeBufferPointer { t in
                            var d = desc
                            d.weights = w.baseAddress
                            d.w_zero = z.baseAddress
                            d.multiplier = m.baseAddress
                            d.bias = spec.bias == nil ? nil : b.baseAddress
                            d.lookup = spec.lookup == nil ? nil : t.baseAddress
                            made = vk_qconv_create(&d)
                        }
                    }
                }
            }
        }
        guard let made else { throw QuantizedConvError(description: "out of memory preparing a quantised convolution") }
        handle = made
    }

    deinit { vk_qconv_destroy(handle) }

    /// input: batch × C × H × W bytes (UInt8 or Int8 bits per spec.input.signed), output likewise per
    /// spec.output. `pool` (a vk_pool*) splits the work over its threads; nil runs on the calling thread.
    package func run(input: UnsafeRawPointer, output: UnsafeMutableRawPointer, batch: Int, pool: OpaquePointer?) {
        vk_qconv_run(handle, input, output, Int32(batch), pool)
    }

    /// Which code runs this convolution: the im2col GEMM, the GEMM reading the input directly (1×1), the native
    /// depthwise kernels, or the implicit GEMM (at the SIMD levels, AVX2 with 4 input channels or more; the
    /// im2col GEMM otherwise).
    package enum Kind: Int32, Sendable { case gemm = 0, direct = 1, depthwise = 2, implicit = 3 }

    package var kind: Kind { Kind(rawValue: vk_qconv_kind(handle)) ?? .gemm }

    /// The level the kernels run at now (`VIGIL_NN_ISA` caps it): 3 AVX-512 VNNI, 2 AVX-VNNI, 1 AVX2, 0 portable
    /// (`VK_CAP_*`).
    package static var level: Int { Int(vk_qlevel()) }

    /// The name of a level: "portable", "AVX2", "AVX-VNNI" or "AVX-512 VNNI".
    package static func levelName(_ level: Int) -> String {
        ["portable", "AVX2", "AVX-VNNI", "AVX-512 VNNI"][max(0, min(3, level))]
    }

    /// The name of the level the kernels run at now.
    package static var levelName: String { levelName(level) }

    /// Bytes of one batch item of the input and of the output.
    package var inputBytesPerItem: Int {
        let g = spec.geometry
        return spec.groups * Int(g.channels) * Int(g.in_h) * Int(g.in_w)
    }

    package var outputBytesPerItem: Int { spec.outChannels * Int(spec.geometry.out_h) * Int(spec.geometry.out_w) }

    private static func expand<T>(_ values: [T], _ n: Int) -> [T] {
        values.count == 1 ? Array(repeating: values[0], count: n) : values
    }

    private static func validate(_ s: QuantizedConvSpec) throws -> VKQConvDesc {
        func fail(_ m: String) -> QuantizedConvError { QuantizedConvError(description: "quantised conv: \(m)") }
        let g = s.geometry
        let dims = [g.channels, g.in_h, g.in_w, g.out_h, g.out_w, g.k_h, g.k_w, g.stride_h, g.stride_w,
                    g.dilation_h, g.dilation_w]
        guard dims.allSatisfy({ $0 >= 1 }), g.pad_top >= 0, g.pad_left >= 0 else { throw fail("bad geometry \(g)") }
        guard s.groups >= 1, s.outChannels >= s.groups, s.outChannels % s.groups == 0 else {
            throw fail("\(s.outChannels) output channels in \(s.groups) groups")
        }
        let k = Int(g.channels) * Int(g.k_h) * Int(g.k_w)
        guard s.weights.count == s.outChannels * k else {
            throw fail("\(s.weights.count) weights, expected \(s.outChannels)×\(k)")
        }
        for (name, count) in [("weight zero points", s.weightZeroPoints.count), ("weight scales", s.weightScales.count)] {
            guard count == 1 || count == s.outChannels else { throw fail("\(count) \(name) for \(s.outChannels) channels") }
        }
        if let b = s.bias, b.count != s.outChannels { throw fail("\(b.count) biases for \(s.outChannels) channels") }
        if let t = s.lookup, t.count != 256 { throw fail("lookup of \(t.count) entries, expected 256") }
        let scales = s.weightScales + [s.input.scale, s.output.scale]
        guard scales.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw fail("scales must be finite and > 0") }
        guard s.input.range.contains(s.input.zeroPoint), s.output.range.contains(s.output.zeroPoint) else {
            throw fail("zero point outside its type")
        }
        var lo = s.output.range.lowerBound, hi = s.output.range.upperBound
        if let c = s.clamp {
            lo = max(lo, c.lo)
            hi = min(hi, c.hi)
            guard lo <= hi else { throw fail("empty clamp \(c.lo)…\(c.hi)") }
        }
        return VKQConvDesc(g: g, groups: Int32(s.groups), m: Int32(s.outChannels / s.groups),
                           in_signed: s.input.signed ? 1 : 0, out_signed: s.output.signed ? 1 : 0,
                           in_zero: s.input.zeroPoint, out_zero: s.output.zeroPoint, lo: lo, hi: hi,
                           weights: nil, w_zero: nil, bias: nil, multiplier: nil, lookup: nil)
    }
}
