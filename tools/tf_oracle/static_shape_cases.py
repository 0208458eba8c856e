"""The static-shape oracle's first 315 cases: elementwise ops with broadcasting, matmul,
reshape with partially-known shape tensors, transpose, concat, stack, slicing, tile, pad,
fill, reductions, gather, one_hot, conv / pool, softmax and cross-entropies, split, range,
where, broadcast_to, top_k, ... (see shape_calls.py for the description forms)."""
from __future__ import annotations

from shape_calls import (DT, NEWAXIS, Add, Call, Const, Dim, N, P, Pack, S, ShapeOf, case,
                         getitem)


def _elementwise() -> list[dict]:
    shapes = [[N, 4], [N, N, 3], None, []]
    unary = ["abs", "negative", "exp", "log", "sqrt", "square", "tanh", "sigmoid", "nn.relu",
             "floor", "sign", "round", "identity", "zeros_like", "ones_like", "nn.relu6",
             "nn.elu", "nn.softplus", "reciprocal", "rsqrt", "is_nan", "stop_gradient"]
    cases = [case(f"unary/{fn}/{i % 4}", fn, P(shapes[i % 4])) for i, fn in enumerate(unary)]
    cases.append(case("unary/logical_not", "logical_not", P([N, 4], "bool")))
    cases += [case("cast/int32", "cast", P([N, 4]), DT("int32")),
              case("cast/unknown_to_bool", "cast", P(None), DT("bool")),
              case("cast/scalar_to_float64", "cast", P([], "int32"), DT("float64"))]
    pairs = [([N, 4], [4]), ([N, 1], [1, 4]), ([N, 4], [N, 4]), ([N, N, 3], [5, 1, 3]),
             ([N, 4], None), ([3, 1], [1, 4]), ([2, N], [N]), ([1, N], [5, 1]), ([N, 4], []),
             ([N], [1]), ([N, 1], [N]), ([1], [N, N, 3])]
    binary = ["add", "subtract", "multiply", "truediv", "maximum", "minimum", "pow",
              "squared_difference", "greater", "equal", "atan2", "div_no_nan"]
    for i, (a, b) in enumerate(pairs):
        cases.append(case(f"binary/add/{i}", "add", P(a), P(b)))
    for i, fn in enumerate(binary[1:]):
        a, b = pairs[(i * 5 + 1) % len(pairs)]
        cases.append(case(f"binary/{fn}", fn, P(a), P(b)))
    cases += [case("binary/logical_and", "logical_and", P([N, 1], "bool"), P([3], "bool")),
              case("binary/floordiv_int", "floordiv", P([N, 4], "int32"), P([4], "int32")),
              case("binary/floormod_int", "floormod", P([N, 1], "int32"), P([], "int32")),
              case("add_n/merge", "add_n", [P([N, 4]), P([3, N])]),
              case("add_n/unknown_and_known", "add_n", [P(None), P([N, 4])]),
              case("clip_by_value", "clip_by_value", P([N, 4]), 0.0, 1.0)]
    return cases


def _linear_algebra() -> list[dict]:
    return [
        case("matmul/basic", "matmul", P([N, 4]), P([4, 6])),
        case("matmul/transpose_b", "matmul", P([N, 4]), P([6, 4]), transpose_b=True),
        case("matmul/transpose_a", "matmul", P([4, N]), P([4, 6]), transpose_a=True),
        case("matmul/unknown_rank_a", "matmul", P(None), P([4, 6])),
        case("matmul/unknown_dims", "matmul", P([N, N]), P([N, 3])),
        case("batch_matmul/both_batched", "matmul", P([N, 2, 3]), P([N, 3, 5])),
        case("batch_matmul/broadcast_rank2", "matmul", P([N, 2, 3]), P([3, 5])),
        case("batch_matmul/broadcast_batch", "matmul", P([4, N, 2, 3]), P([N, 1, 3, 5])),
        case("batch_matmul/adjoint_b", "matmul", P([N, 2, 3]), P([N, 5, 3]), adjoint_b=True),
        case("batch_matmul/unknown_rank", "matmul", P(None), P([N, 3, 5])),
    ]


def _reshape_transpose() -> list[dict]:
    x = P([N, 4])
    seq = P([N, N, 3])
    return [
        case("reshape/-1_2", "reshape", P([N, 4]), [-1, 2]),
        case("reshape/dim0_-1", "reshape", x, [Dim(x, 0), -1]),
        case("reshape/dim0_4", "reshape", x, [Dim(x, 0), 4]),
        case("reshape/dim0_2_2", "reshape", x, [Dim(x, 0), 2, 2]),
        case("reshape/pack_dim0_2_2", "reshape", x, Pack(Dim(x, 0), 2, 2)),
        case("reshape/-1", "reshape", P([N, 4]), [-1]),
        case("reshape/shape_placeholder_3", "reshape", P([N, 4]), P([3], "int32")),
        case("reshape/shape_placeholder_unknown_len", "reshape", P([N, 4]), P([N], "int32")),
        case("reshape/known_3_-1", "reshape", P([2, 6]), [3, -1]),
        case("reshape/unknown_rank_-1_784", "reshape", P(None), [-1, 784]),
        case("reshape/rank3_-1_3", "reshape", seq, [-1, 3]),
        case("reshape/2_-1_2", "reshape", P([N, 4]), [2, -1, 2]),
        case("reshape/known_6", "reshape", P([2, 3]), [6]),
        case("reshape/shape_of_x", "reshape", x, ShapeOf(x)),
        case("reshape/const_-1_4", "reshape", P([N, 4]), Const([-1, 4], "int32")),
        case("reshape/scalar_to_1_1", "reshape", P([]), [1, 1]),
        case("reshape/dims_of_seq", "reshape", seq, [Dim(seq, 0), Dim(seq, 1), 3]),
        case("transpose/default", "transpose", P([N, 4])),
        case("transpose/perm_1_0", "transpose", P([N, 4]), [1, 0]),
        case("transpose/rank3_perm", "transpose", P([N, N, 3]), [2, 0, 1]),
        case("transpose/unknown_rank_perm", "transpose", P(None), [1, 0]),
        case("transpose/perm_placeholder", "transpose", P([N, 4]), P([2], "int32")),
        case("transpose/perm_unknown_len", "transpose", P([2, 3, 4]), P([N], "int32")),
        case("transpose/unknown_rank_default", "transpose", P(None)),
    ]


def _concat_stack() -> list[dict]:
    x = P([N, 4])
    return [
        case("concat/axis1", "concat", [P([N, 3]), P([N, 2])], 1),
        case("concat/axis0", "concat", [P([N, 3]), P([2, 3])], 0),
        case("concat/axis-1_known_rows", "concat", [P([N, 3]), P([4, 2])], -1),
        case("concat/unknown_rank", "concat", [P(None), P([N, 3])], 1),
        case("concat/axis_placeholder", "concat", [P([N, 3]), P([N, 2])], P([], "int32")),
        case("concat/rank3_axis1", "concat", [P([2, N, 3]), P([2, 4, 3])], 1),
        case("concat/rank3_axis0_merges", "concat", [P([2, N, 3]), P([N, 4, 3])], 0),
        case("concat/three", "concat", [P([N, 1]), P([N, 2]), P([N, 3])], 1),
        case("concat/shape_tensors", "concat", [ShapeOf(x), [5]], 0),
        case("stack/axis0", "stack", [P([N, 4]), P([N, 4])]),
        case("stack/axis1_merges", "stack", [P([N, 4]), P([3, N])], axis=1),
        case("stack/scalars", "stack", [P([]), P([])]),
        case("stack/axis-1", "stack", [P([N, 4])], axis=-1),
        case("stack/unknown_rank_and_known", "stack", [P(None), P([N, 3])]),
        case("stack/dim_and_ints", "stack", [Dim(x, 0), 3]),
        case("unstack/axis1", "unstack", P([N, 3]), axis=1),
        case("unstack/axis0", "unstack", P([2, N])),
        case("unstack/num", "unstack", P([N, 3]), num=4),
        case("unstack/axis-1", "unstack", P([2, N, 5]), axis=-1),
        case("convert_to_tensor/dim_and_int", "convert_to_tensor", [Dim(x, 0), 1]),
        case("expand_dims/0", "expand_dims", P([N, 4]), 0),
        case("expand_dims/-1", "expand_dims", P([N, 4]), -1),
        case("expand_dims/1", "expand_dims", P([N, 4]), 1),
        case("expand_dims/unknown_rank", "expand_dims", P(None), 0),
        case("expand_dims/axis_placeholder", "expand_dims", P([N, 4]), P([], "int32")),
        case("expand_dims/scalar", "expand_dims", P([]), 0),
        case("expand_dims/dim", "expand_dims", Dim(x, 0), 0),
        case("squeeze/axis1", "squeeze", P([N, 1, 4]), [1]),
        case("squeeze/all_unknown_dims", "squeeze", P([1, N, 1])),
        case("squeeze/all_one_unknown", "squeeze", P([N, 1, 3])),
        case("squeeze/all_known", "squeeze", P([1, 4, 1])),
        case("squeeze/axis-2", "squeeze", P([N, 1, 4]), [-2]),
        case("squeeze/unknown_rank", "squeeze", P(None), [0]),
    ]


def _slicing() -> list[dict]:
    x = P([N, 4])
    y = P([N, 4])
    five = P([5, 4])
    t = P([], "int32")
    seq = P([N, N, 3])
    return [
        case("slice/size_-1", "slice", P([N, 4]), [0, 1], [-1, 2]),
        case("slice/rows_known", "slice", P([N, 4]), [0, 1], [2, -1]),
        case("slice/begin_placeholder", "slice", P([N, 4]), P([2], "int32"), [1, 2]),
        case("slice/size_pack", "slice", x, [0, 0], Pack(Dim(x, 0), 2)),
        case("slice/size_list_dim", "slice", x, [0, 0], [Dim(x, 0), 2]),
        case("slice/rank3", "slice", P([N, N, 3]), [0, 0, 0], [-1, -1, 2]),
        case("slice/unknown_rank", "slice", P(None), [0, 1], [2, 2]),
        case("slice/both_placeholders", "slice", P([N, 4]), P([2], "int32"), P([2], "int32")),
        getitem("getitem/cols_1_3", P([N, 4]), S(), S(1, 3)),
        getitem("getitem/row0", P([N, 4]), 0),
        getitem("getitem/ellipsis_0", P([N, 4]), Ellipsis, 0),
        getitem("getitem/newaxis", P([N, 4]), S(), NEWAXIS),
        getitem("getitem/reverse", P([N, 4]), S(None, None, -1)),
        getitem("getitem/step2", P([N, 4]), S(1, None), S(None, None, 2)),
        getitem("getitem/last_col", P([N, 4]), S(), -1),
        getitem("getitem/from1", P([N, 4]), S(), S(1, None)),
        getitem("getitem/to-1", P([N, 4]), S(), S(None, -1)),
        getitem("getitem/backwards_3_1", P([N, 4]), S(), S(3, 1, -1)),
        getitem("getitem/past_end", P([N, 4]), S(), S(10, None)),
        getitem("getitem/scalar", P([N, 4]), 0, 2),
        getitem("getitem/rank3_last_0_2", seq, S(), S(), S(0, 2)),
        getitem("getitem/rank3_ellipsis_1", P([N, N, 3]), Ellipsis, 1),
        getitem("getitem/rank3_0_ellipsis_newaxis", P([N, N, 3]), 0, Ellipsis, NEWAXIS),
        getitem("getitem/unknown_rank_0", P(None), 0),
        getitem("getitem/unknown_rank_ellipsis_0", P(None), Ellipsis, 0),
        getitem("getitem/tensor_index", five, t),
        getitem("getitem/tensor_range", P([5, 4]), S(t, Add(t, 2))),
        getitem("getitem/col_tensor", P([5, 4]), S(), P([], "int32")),
        getitem("getitem/shape_tail", ShapeOf(P([N, 4, 5])), S(1, None)),
        getitem("getitem/shape_head", ShapeOf(P([N, 4, 5])), S(None, 2)),
        case("strided_slice/begin_end_mask", "strided_slice", P([N, 4]), [0, 1], [0, 3],
             [1, 1], begin_mask=1, end_mask=1),
        case("strided_slice/ellipsis_mask", "strided_slice", P([N, 4, 5]), [0, 0], [0, 2],
             [1, 1], ellipsis_mask=1),
        case("strided_slice/shrink", "strided_slice", P([N, 4]), [0, 0], [1, 0], [1, 1],
             shrink_axis_mask=1, end_mask=2),
        case("strided_slice/new_axis", "strided_slice", P([N, 4]), [0, 0, 0], [0, 0, 0],
             [1, 1, 1], new_axis_mask=2, begin_mask=5, end_mask=5),
        case("strided_slice/placeholders", "strided_slice", P([N, 4]), P([2], "int32"),
             P([2], "int32"), [1, 1]),
        case("strided_slice/stride2", "strided_slice", P([6, 4]), [1, 0], [5, 4], [2, 1]),
        case("strided_slice/negative_stride", "strided_slice", P([N, 6]), [0, -1], [0, 0],
             [1, -2], begin_mask=1, end_mask=3),
        case("tile/const", "tile", P([N, 4]), [2, 3]),
        case("tile/known", "tile", P([3, 4]), [2, 1]),
        case("tile/multiples_placeholder", "tile", P([3, 4]), P([2], "int32")),
        case("tile/multiples_pack", "tile", P([3, 4]), Pack(Dim(y, 0), 1)),
        case("tile/multiples_list_dim", "tile", P([3, 4]), [Dim(y, 0), 1]),
        case("tile/unknown_rank", "tile", P(None), [2, 2]),
        case("tile/ones", "tile", P([N, 4]), [1, 1]),
        case("pad/const", "pad", P([N, 4]), [[1, 1], [2, 0]]),
        case("pad/known", "pad", P([3, 4]), [[1, 1], [2, 0]]),
        case("pad/paddings_placeholder", "pad", P([N, 4]), P([2, 2], "int32")),
        case("pad/unknown_rank", "pad", P(None), [[1, 1], [0, 0]]),
        case("pad/reflect", "pad", P([3, 4]), [[1, 1], [2, 0]], mode="REFLECT"),
        case("pad/constant_values", "pad", P([N, 4]), [[0, 1], [1, 1]], constant_values=1.5),
        case("reverse/axis1", "reverse", P([N, 4]), [1]),
    ]


def _creation() -> list[dict]:
    x = P([N, 4])
    return [
        case("fill/const", "fill", [2, 3], 1.0),
        case("fill/pack", "fill", Pack(Dim(x, 0), 3), 1.0),
        case("fill/list_dim", "fill", [Dim(x, 0), 3], 1.0),
        case("fill/dims_placeholder", "fill", P([2], "int32"), 0.5),
        case("fill/dims_unknown_len", "fill", P([N], "int32"), 0.5),
        case("zeros/list_dim", "zeros", [Dim(x, 0), 3]),
        case("zeros/shape_of", "zeros", ShapeOf(x)),
        case("ones/list_dim_int32", "ones", [Dim(x, 0), 3], DT("int32")),
        case("shape/partial", "shape", P([N, 4])),
        case("shape/unknown_rank", "shape", P(None)),
        case("shape/int64", "shape", P([N, 4]), out_type=DT("int64")),
        case("shape_n", "shape_n", [P([N, 4]), P([3])]),
        case("size", "size", P([N, 4])),
        case("rank/unknown", "rank", P(None)),
        case("range/const", "range", 5),
        case("range/placeholder", "range", P([], "int32")),
        case("range/start_limit_delta", "range", 2, 10, 3),
        case("range/float", "range", 0.0, 1.0, 0.25),
        case("range/dim", "range", Dim(x, 0)),
        case("eye/3", "eye", 3),
        case("eye/rows_cols", "eye", 2, 5),
        case("one_hot/vector", "one_hot", P([N], "int32"), 10),
        case("one_hot/axis0", "one_hot", P([N], "int32"), 10, axis=0),
        case("one_hot/matrix", "one_hot", P([N, 3], "int32"), 10),
        case("one_hot/unknown_rank", "one_hot", P(None, "int32"), 10),
        case("one_hot/depth_placeholder", "one_hot", P([N], "int32"), P([], "int32")),
        case("sequence_mask/maxlen", "sequence_mask", P([N], "int32"), maxlen=5),
    ]


def _reductions() -> list[dict]:
    return [
        case("reduce_sum/axis1", "reduce_sum", P([N, 4]), axis=1),
        case("reduce_sum/axis1_keepdims", "reduce_sum", P([N, 4]), axis=1, keepdims=True),
        case("reduce_sum/all", "reduce_sum", P([N, 4])),
        case("reduce_sum/all_keepdims", "reduce_sum", P([N, 4]), keepdims=True),
        case("reduce_sum/axis_placeholder", "reduce_sum", P([N, 4]), axis=P([], "int32")),
        case("reduce_sum/axis_placeholder_keepdims", "reduce_sum", P([N, 4]),
             axis=P([], "int32"), keepdims=True),
        case("reduce_sum/keep_dims_v1", "reduce_sum", P([N, 4]), 0, keep_dims=True),
        case("reduce_mean/axes01", "reduce_mean", P([N, N, 3]), axis=[0, 1]),
        case("reduce_mean/axis-1_keepdims", "reduce_mean", P([N, N, 3]), axis=-1,
             keepdims=True),
        case("reduce_max/unknown_rank_axis1", "reduce_max", P(None), axis=1),
        case("reduce_max/unknown_rank_all", "reduce_max", P(None)),
        case("reduce_sum/unknown_rank_all", "reduce_sum", P(None)),
        case("reduce_mean/unknown_rank_all", "reduce_mean", P(None)),
        case("reduce_max/unknown_rank_keepdims", "reduce_max", P(None), keepdims=True),
        case("reduce_min/axis0", "reduce_min", P([N, 4]), axis=0),
        case("reduce_prod/all_axes_keepdims", "reduce_prod", P([N, 4]), axis=[0, 1],
             keepdims=True),
        case("reduce_any/axis1", "reduce_any", P([N, 4], "bool"), axis=1),
        case("reduce_logsumexp/axis1", "reduce_logsumexp", P([N, 4]), axis=1),
        case("argmax/axis1", "argmax", P([N, 4]), 1),
        case("argmax/axis0", "argmax", P([N, 4]), 0),
        case("argmax/unknown_rank", "argmax", P(None), 1),
        case("argmax/int32", "argmax", P([N, 4]), 1, output_type=DT("int32")),
        case("argmin/rank3", "argmin", P([N, N, 3]), -1),
        case("argmax/axis_placeholder", "argmax", P([N, 4]), P([], "int32")),
        case("cumsum/axis1", "cumsum", P([N, 4]), axis=1),
        case("cumsum/unknown_rank", "cumsum", P(None), 0),
        case("cumsum/exclusive_reverse", "cumsum", P([N, 4]), 1, exclusive=True, reverse=True),
        case("cumprod/axis0", "cumprod", P([N, 4]), 0),
        case("nn.moments/axis0", "nn.moments", P([N, 4]), axes=[0]),
    ]


def _gather_scatter() -> list[dict]:
    return [
        case("gather/const_params", "gather", P([10, 4]), P([N], "int32")),
        case("gather/matrix_indices", "gather", P([N, 4]), P([2, 3], "int32")),
        case("gather/axis1", "gather", P([N, 4]), P([2, 3], "int32"), axis=1),
        case("gather/axis-1", "gather", P([N, 4, 5]), P([N], "int32"), axis=-1),
        case("gather/unknown_rank", "gather", P(None), P([3], "int32")),
        case("gather/batch_dims", "gather", P([5, N, 3]), P([5, 2], "int32"), axis=1,
             batch_dims=1),
        case("gather/scalar_index", "gather", P([10, 4]), P([], "int32")),
        case("gather/int64_indices", "gather", P([N, 4]), P([N], "int64")),
        case("nn.embedding_lookup", "nn.embedding_lookup", P([10, 4]), P([N, 3], "int32")),
        case("gather_nd", "gather_nd", P([N, 4, 5]), P([N, 2], "int32")),
        case("scatter_nd", "scatter_nd", P([N, 1], "int32"), P([N, 4]), [8, 4]),
        case("unsorted_segment_sum", "unsorted_segment_sum", P([N, 4]), P([N], "int32"), 5),
        case("segment_sum", "segment_sum", P([N, 4]), P([N], "int32")),
        case("invert_permutation", "invert_permutation", P([N], "int32")),
        case("where/select_matrix", "where", P([N, 4], "bool"), P([N, 4]), P([N, 4])),
        case("where/select_vector_cond", "where", P([N], "bool"), P([N, 4]), P([3, N])),
        case("where_v2/broadcast", "where_v2", P([N, 1], "bool"), P([4]), P([])),
        case("where_v2/same", "where_v2", P([N, 4], "bool"), P([N, 4]), P([N, 4])),
        case("where_v2/unknown_cond", "where_v2", P(None, "bool"), P([3]), P([3])),
        case("where/indices", "where", P([N, 4], "bool")),
        case("where/indices_unknown_rank", "where", P(None, "bool")),
        case("where/indices_known", "where", P([3, 4, 5], "bool")),
        case("where_v2/indices", "where_v2", P([N, 4], "bool")),
        case("broadcast_to/const", "broadcast_to", P([N, 1]), [3, 4]),
        case("broadcast_to/pack", "broadcast_to", P([N, 1]), Pack(Dim(P([N, 2]), 0), 4)),
        case("broadcast_to/shape_placeholder", "broadcast_to", P([4]), P([2], "int32")),
        case("broadcast_to/scalar", "broadcast_to", P([]), [2, 3]),
        case("nn.top_k/const_k", "nn.top_k", P([N, 10]), k=3),
        case("nn.top_k/k_placeholder", "nn.top_k", P([N, 10]), k=P([], "int32")),
        case("nn.top_k/unknown_rank", "nn.top_k", P(None), 2),
        case("nn.top_k/vector", "nn.top_k", P([5]), 5),
        case("nn.in_top_k", "nn.in_top_k", P([N, 10]), P([N], "int32"), 3),
    ]


def _nn() -> list[dict]:
    img = P([N, 7, 7, 4])
    return [
        case("bias_add/matrix", "nn.bias_add", P([N, 4]), P([4])),
        case("bias_add/nhwc", "nn.bias_add", P([N, N, N, 3]), P([3])),
        case("bias_add/nchw", "nn.bias_add", P([N, 3, N, N]), P([3]), data_format="NCHW"),
        case("bias_add/unknown_rank", "nn.bias_add", P(None), P([4])),
        case("bias_add/merge_channels", "nn.bias_add", P([N, N]), P([5])),
        case("conv2d/same", "nn.conv2d", P([N, 28, 28, 1]), P([5, 5, 1, 32]), [1, 1, 1, 1],
             "SAME"),
        case("conv2d/valid_stride2", "nn.conv2d", P([N, 28, 28, 1]), P([5, 5, 1, 32]),
             [1, 2, 2, 1], "VALID"),
        case("conv2d/unknown_spatial", "nn.conv2d", P([N, N, N, 3]), P([3, 3, 3, 8]),
             [1, 1, 1, 1], "SAME"),
        case("conv2d/dilated", "nn.conv2d", P([N, 28, 28, 1]), P([3, 3, 1, 4]), [1, 1, 1, 1],
             "VALID", dilations=[1, 2, 2, 1]),
        case("conv2d/filter_unknown_channels", "nn.conv2d", P([N, 28, 28, 3]),
             P([3, 3, N, N]), [1, 1, 1, 1], "SAME"),
        case("conv2d/unknown_rank_input", "nn.conv2d", P(None), P([3, 3, 3, 8]),
             [1, 1, 1, 1], "SAME"),
        case("conv2d/same_stride3", "nn.conv2d", P([N, 7, 7, 2]), P([3, 3, 2, 4]),
             [1, 3, 3, 1], "SAME"),
        case("conv2d_transpose/pack_output_shape", "nn.conv2d_transpose", img,
             P([3, 3, 2, 4]), Pack(Dim(img, 0), 14, 14, 2), [1, 2, 2, 1], "SAME"),
        case("depthwise_conv2d", "nn.depthwise_conv2d", P([N, 8, 8, 3]), P([3, 3, 3, 2]),
             [1, 1, 1, 1], "SAME"),
        case("max_pool/same", "nn.max_pool", P([N, 28, 28, 32]), [1, 2, 2, 1], [1, 2, 2, 1],
             "SAME"),
        case("max_pool/valid_3x3", "nn.max_pool", P([N, 28, 28, 32]), [1, 3, 3, 1],
             [1, 2, 2, 1], "VALID"),
        case("max_pool/unknown_spatial", "nn.max_pool", P([N, N, N, 3]), [1, 2, 2, 1],
             [1, 2, 2, 1], "SAME"),
        case("max_pool/odd_same", "nn.max_pool", P([N, 7, 7, 3]), [1, 2, 2, 1], [1, 2, 2, 1],
             "SAME"),
        case("avg_pool/same", "nn.avg_pool", P([N, 28, 28, 32]), [1, 2, 2, 1], [1, 2, 2, 1],
             "SAME"),
        case("avg_pool/valid_3x3", "nn.avg_pool", P([N, 7, 7, 3]), [1, 3, 3, 1], [1, 2, 2, 1],
             "VALID"),
        case("softmax/matrix", "nn.softmax", P([N, 10])),
        case("softmax/unknown_rank", "nn.softmax", P(None)),
        case("log_softmax/rank3", "nn.log_softmax", P([N, N, 5])),
        case("sparse_xent/basic", "nn.sparse_softmax_cross_entropy_with_logits",
             labels=P([N], "int32"), logits=P([N, 10])),
        case("sparse_xent/int64_unknown_classes", "nn.sparse_softmax_cross_entropy_with_logits",
             labels=P([N], "int64"), logits=P([N, N])),
        case("sparse_xent/rank3", "nn.sparse_softmax_cross_entropy_with_logits",
             labels=P([N, 3], "int32"), logits=P([N, 3, 10])),
        case("xent_v2", "nn.softmax_cross_entropy_with_logits_v2", labels=P([N, 10]),
             logits=P([N, 10])),
        case("sigmoid_xent", "nn.sigmoid_cross_entropy_with_logits", labels=P([N, 4]),
             logits=P([N, 4])),
        case("l2_normalize", "nn.l2_normalize", P([N, 4]), axis=1),
        case("dropout/keep_prob", "nn.dropout", P([N, 4]), keep_prob=0.5),
        case("fused_batch_norm/training", "nn.fused_batch_norm", P([N, 8, 8, 3]), P([3]),
             P([3]), is_training=True),
    ]


def _splits() -> list[dict]:
    return [
        case("split/num_axis1", "split", P([N, 6]), 3, axis=1),
        case("split/sizes", "split", P([N, 6]), [2, 4], axis=1),
        case("split/sizes_-1", "split", P([N, 6]), [2, -1], 1),
        case("split/num_axis0_unknown", "split", P([N, 6]), 2, axis=0),
        case("split/known_rows", "split", P([4, N]), 2),
        case("split/unknown_rank", "split", P(None), 2, axis=1),
        case("split/sizes_placeholder", "split", P([N, 6]), P([2], "int32"), num=2, axis=1),
    ]


def _shape_tensors() -> list[dict]:
    """Shape arguments built from tf.shape(x) pieces and ints (partially-known values)."""
    x = P([N, 4])
    seq = P([N, N, 3])
    head = Call("__getitem__", ShapeOf(seq), [S(None, 2)])
    return [
        case("shape_arg/reshape_pack_dim0_4", "reshape", x, Pack(Dim(x, 0), 4)),
        case("shape_arg/reshape_pack_dim0_-1", "reshape", x, Pack(Dim(x, 0), -1)),
        case("shape_arg/reshape_pack_-1_dim1", "reshape", x, Pack(-1, Dim(x, 1))),
        case("shape_arg/reshape_pack_both_dims", "reshape", x, Pack(Dim(x, 0), Dim(x, 1))),
        case("shape_arg/reshape_concat_head_3", "reshape", seq, Call("concat", [head, [3]], 0)),
        case("shape_arg/reshape_concat_head_-1", "reshape", seq,
             Call("concat", [head, [-1]], 0)),
        case("shape_arg/zeros_pack", "zeros", Pack(Dim(x, 0), 3)),
        case("shape_arg/ones_pack_dim1", "ones", Pack(2, Dim(x, 1))),
        case("shape_arg/fill_concat_shape", "fill", Call("concat", [ShapeOf(x), [2]], 0), 0.0),
        case("shape_arg/broadcast_to_list_dim", "broadcast_to", P([N, 1]),
             [Dim(P([N, 2]), 0), 4]),
        case("shape_arg/tile_pack_1_dim0", "tile", P([3, 4]), Pack(1, Dim(x, 0))),
        case("shape_arg/slice_begin_size_pack", "slice", x, Pack(0, 1), Pack(Dim(x, 0), -1)),
        case("shape_arg/range_dim_plus_1", "range", Add(Dim(x, 0), 1)),
        case("shape_arg/reshape_shape_of_other", "reshape", P([N]), ShapeOf(P([N, 2, 3]))),
        case("shape_arg/zeros_shape_of_unknown_rank", "zeros", ShapeOf(P(None))),
        case("shape_arg/reshape_pack_dim0_times_4", "reshape", x,
             Pack(Call("multiply", Dim(x, 0), 4))),
    ]


GROUPS = [_shape_tensors, _elementwise, _linear_algebra, _reshape_transpose, _concat_stack,
          _slicing, _creation, _reductions, _gather_scatter, _nn, _splits]
