import Foundation
import Testing
@testable import Inference

/// ONNX's own operator tests (Debian package libonnx-testdata, ONNX 1.12) for the operators and
/// attribute forms the engine claims. Every listed case must pass; the second list holds cases of
/// claimed operators with attribute forms the engine does not implement, which must be reported as
/// unsupported (never run silently wrong). Regenerate both with `scripts/node-tests.sh`.
@Suite struct NodeConformanceTests {
    static let dataDirectory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["VIGIL_ONNX_NODE_DATA"]
        ?? "/usr/share/libonnx-testdata/data/node")

    static let passing: [String] = [
        "test_abs", "test_add", "test_add_bcast", "test_add_uint8", "test_averagepool_1d_default",
        "test_averagepool_2d_ceil", "test_averagepool_2d_default", "test_averagepool_2d_pads",
        "test_averagepool_2d_pads_count_include_pad", "test_averagepool_2d_precomputed_pads",
        "test_averagepool_2d_precomputed_pads_count_include_pad", "test_averagepool_2d_precomputed_same_upper",
        "test_averagepool_2d_precomputed_strides", "test_averagepool_2d_same_lower", "test_averagepool_2d_same_upper",
        "test_averagepool_2d_strides", "test_basic_conv_with_padding", "test_basic_conv_without_padding",
        "test_batchnorm_epsilon", "test_batchnorm_example", "test_cast_DOUBLE_to_FLOAT",
        "test_cast_DOUBLE_to_FLOAT16", "test_cast_FLOAT16_to_DOUBLE", "test_cast_FLOAT16_to_FLOAT",
        "test_cast_FLOAT_to_DOUBLE", "test_cast_FLOAT_to_FLOAT16", "test_castlike_DOUBLE_to_FLOAT16_expanded",
        "test_castlike_DOUBLE_to_FLOAT_expanded", "test_castlike_FLOAT16_to_DOUBLE_expanded",
        "test_castlike_FLOAT16_to_FLOAT_expanded", "test_castlike_FLOAT_to_DOUBLE_expanded",
        "test_castlike_FLOAT_to_FLOAT16_expanded", "test_ceil", "test_ceil_example", "test_celu_expanded",
        "test_clip", "test_clip_default_inbounds", "test_clip_default_int8_inbounds", "test_clip_default_int8_max",
        "test_clip_default_int8_min", "test_clip_default_max", "test_clip_default_min", "test_clip_example",
        "test_clip_inbounds", "test_clip_outbounds", "test_clip_splitbounds", "test_concat_1d_axis_0",
        "test_concat_1d_axis_negative_1", "test_concat_2d_axis_0", "test_concat_2d_axis_1",
        "test_concat_2d_axis_negative_1", "test_concat_2d_axis_negative_2", "test_concat_3d_axis_0",
        "test_concat_3d_axis_1", "test_concat_3d_axis_2", "test_concat_3d_axis_negative_1",
        "test_concat_3d_axis_negative_2", "test_concat_3d_axis_negative_3", "test_constant", "test_constant_pad",
        "test_conv_with_autopad_same", "test_conv_with_strides_and_asymmetric_padding",
        "test_conv_with_strides_no_padding", "test_conv_with_strides_padding", "test_depthtospace_crd_mode",
        "test_depthtospace_crd_mode_example", "test_depthtospace_dcr_mode", "test_depthtospace_example", "test_div",
        "test_div_bcast", "test_div_example", "test_div_uint8", "test_dropout_default", "test_dropout_default_old",
        "test_dropout_default_ratio", "test_dropout_random_old", "test_edge_pad", "test_elu", "test_elu_default",
        "test_elu_example", "test_exp", "test_exp_example", "test_flatten_axis0", "test_flatten_axis1",
        "test_flatten_axis2", "test_flatten_axis3", "test_flatten_default_axis", "test_flatten_negative_axis1",
        "test_flatten_negative_axis2", "test_flatten_negative_axis3", "test_flatten_negative_axis4", "test_floor",
        "test_floor_example", "test_gather_0", "test_gather_1", "test_gather_2d_indices",
        "test_gather_negative_indices", "test_gemm_all_attributes", "test_gemm_alpha", "test_gemm_beta",
        "test_gemm_default_matrix_bias", "test_gemm_default_no_bias", "test_gemm_default_scalar_bias",
        "test_gemm_default_single_elem_vector_bias", "test_gemm_default_vector_bias", "test_gemm_default_zero_bias",
        "test_gemm_transposeA", "test_gemm_transposeB", "test_globalaveragepool",
        "test_globalaveragepool_precomputed", "test_globalmaxpool", "test_globalmaxpool_precomputed",
        "test_hardsigmoid", "test_hardsigmoid_default", "test_hardsigmoid_example", "test_hardswish",
        "test_hardswish_expanded", "test_identity", "test_leakyrelu", "test_leakyrelu_default",
        "test_leakyrelu_example", "test_log", "test_log_example", "test_logsoftmax_axis_0", "test_logsoftmax_axis_1",
        "test_logsoftmax_axis_2", "test_logsoftmax_default_axis", "test_logsoftmax_example_1",
        "test_logsoftmax_large_number", "test_logsoftmax_negative_axis", "test_matmul_2d", "test_matmul_3d",
        "test_matmul_4d", "test_maxpool_1d_default", "test_maxpool_2d_ceil", "test_maxpool_2d_default",
        "test_maxpool_2d_dilations", "test_maxpool_2d_pads", "test_maxpool_2d_precomputed_pads",
        "test_maxpool_2d_precomputed_same_upper", "test_maxpool_2d_precomputed_strides", "test_maxpool_2d_same_lower",
        "test_maxpool_2d_same_upper", "test_maxpool_2d_strides", "test_maxpool_2d_uint8", "test_mul",
        "test_mul_bcast", "test_mul_example", "test_mul_uint8", "test_neg", "test_neg_example", "test_pow",
        "test_pow_bcast_array", "test_pow_bcast_scalar", "test_pow_example", "test_pow_types_float",
        "test_pow_types_float32_int32", "test_pow_types_float32_int64", "test_pow_types_int",
        "test_pow_types_int32_float32", "test_pow_types_int32_int32", "test_pow_types_int64_float32",
        "test_pow_types_int64_int64", "test_reciprocal", "test_reciprocal_example", "test_reflect_pad", "test_relu",
        "test_reshape_allowzero_reordered", "test_reshape_extended_dims", "test_reshape_negative_dim",
        "test_reshape_negative_extended_dims", "test_reshape_one_dim", "test_reshape_reduced_dims",
        "test_reshape_reordered_all_dims", "test_reshape_reordered_last_dims", "test_reshape_zero_and_negative_dim",
        "test_reshape_zero_dim", "test_resize_downsample_scales_linear",
        "test_resize_downsample_scales_linear_align_corners", "test_resize_downsample_scales_nearest",
        "test_resize_downsample_sizes_linear_pytorch_half_pixel", "test_resize_downsample_sizes_nearest",
        "test_resize_upsample_scales_linear", "test_resize_upsample_scales_linear_align_corners",
        "test_resize_upsample_scales_nearest", "test_resize_upsample_sizes_nearest",
        "test_resize_upsample_sizes_nearest_ceil_half_pixel",
        "test_resize_upsample_sizes_nearest_floor_align_corners",
        "test_resize_upsample_sizes_nearest_round_prefer_ceil_asymmetric", "test_shape", "test_shape_clip_end",
        "test_shape_clip_start", "test_shape_end_1", "test_shape_end_negative_1", "test_shape_example",
        "test_shape_start_1", "test_shape_start_1_end_2", "test_shape_start_1_end_negative_1",
        "test_shape_start_negative_1", "test_sigmoid", "test_sigmoid_example", "test_size", "test_size_example",
        "test_slice", "test_slice_default_axes", "test_slice_default_steps", "test_slice_end_out_of_bounds",
        "test_slice_neg", "test_slice_neg_steps", "test_slice_negative_axes", "test_slice_start_out_of_bounds",
        "test_softmax_axis_0", "test_softmax_axis_1", "test_softmax_axis_2", "test_softmax_default_axis",
        "test_softmax_example", "test_softmax_large_number", "test_softmax_negative_axis", "test_softplus",
        "test_softplus_example", "test_spacetodepth", "test_spacetodepth_example", "test_split_equal_parts_1d",
        "test_split_equal_parts_2d", "test_split_equal_parts_default_axis", "test_split_variable_parts_1d",
        "test_split_variable_parts_2d", "test_split_variable_parts_default_axis", "test_split_zero_size_splits",
        "test_sqrt", "test_sqrt_example", "test_squeeze", "test_squeeze_negative_axes", "test_sub", "test_sub_bcast",
        "test_sub_example", "test_sub_uint8", "test_tanh", "test_tanh_example", "test_transpose_all_permutations_0",
        "test_transpose_all_permutations_1", "test_transpose_all_permutations_2", "test_transpose_all_permutations_3",
        "test_transpose_all_permutations_4", "test_transpose_all_permutations_5", "test_transpose_default",
        "test_unsqueeze_axis_0", "test_unsqueeze_axis_1", "test_unsqueeze_axis_2", "test_unsqueeze_axis_3",
        "test_unsqueeze_negative_axes", "test_unsqueeze_three_axes", "test_unsqueeze_two_axes",
        "test_unsqueeze_unsorted_axes", "test_upsample_nearest",
    ]

    static let unsupported: [String] = [
        "test_averagepool_3d_default", "test_cast_BFLOAT16_to_FLOAT", "test_cast_FLOAT_to_BFLOAT16",
        "test_cast_FLOAT_to_STRING", "test_cast_STRING_to_FLOAT", "test_maxpool_3d_default",
        "test_maxpool_with_argmax_2d_precomputed_pads", "test_maxpool_with_argmax_2d_precomputed_strides",
        "test_resize_downsample_scales_cubic", "test_resize_downsample_scales_cubic_A_n0p5_exclude_outside",
        "test_resize_downsample_scales_cubic_align_corners", "test_resize_downsample_sizes_cubic",
        "test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn", "test_resize_tf_crop_and_resize",
        "test_resize_upsample_scales_cubic", "test_resize_upsample_scales_cubic_A_n0p5_exclude_outside",
        "test_resize_upsample_scales_cubic_align_corners", "test_resize_upsample_scales_cubic_asymmetric",
        "test_resize_upsample_sizes_cubic", "test_softmax_axis_0_expanded", "test_softmax_axis_1_expanded",
        "test_softmax_axis_2_expanded", "test_softmax_default_axis_expanded", "test_softmax_example_expanded",
        "test_softmax_large_number_expanded", "test_softmax_negative_axis_expanded",
    ]

    @Test(arguments: passing)
    func passes(_ name: String) throws {
        let dir = Self.dataDirectory.appendingPathComponent(name)
        try #require(FileManager.default.fileExists(atPath: dir.path), "missing \(dir.path): install libonnx-testdata")
        let results = BackendTest(threads: 2).run(directory: dir)
        #expect(!results.isEmpty)
        for r in results { #expect(r.outcome == .passed, "\(r.name): \(r.outcome)") }
    }

    @Test(arguments: unsupported)
    func reportsUnsupported(_ name: String) throws {
        let dir = Self.dataDirectory.appendingPathComponent(name)
        try #require(FileManager.default.fileExists(atPath: dir.path), "missing \(dir.path): install libonnx-testdata")
        for r in BackendTest(threads: 2).run(directory: dir) {
            guard case .unsupported = r.outcome else {
                Issue.record("\(r.name): expected an unsupported report, got \(r.outcome)")
                continue
            }
        }
    }
}
