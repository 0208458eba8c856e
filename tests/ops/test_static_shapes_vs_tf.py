"""Static shape inference at least as precise as TensorFlow's, on 500+ recorded calls.

tests/data/tf1_core/static_shapes.json comes from tools/tf_oracle/static_shapes.py: public
TF1 calls (elementwise ops with broadcasting, matmul, reshape with partially-known shape
tensors, transpose, concat, stack, slicing, tile, pad, fill, reductions, gather, one_hot,
conv / pool, softmax and cross-entropies, split, range, where, broadcast_to, top_k, ...)
on placeholders with partially-known shapes, and the dtype and static shape TensorFlow
2.21 gives each returned tensor. Each call is rebuilt here with sessionflow by the same
``build_call``; every dim TensorFlow knows must be known with the same value, the rank
too when TensorFlow knows it, and the dtype must match.

``XFAIL`` lists the calls where sessionflow is less precise today (or raises: the API is
missing), each with why; they are strict, so a fix shows up as XPASS until its entry is
removed. ``TF_WRONG`` lists calls whose recorded TF shape is a TF bug (skipped).
"""
from __future__ import annotations


import pytest

import sessionflow as tf
from tests.conftest import oracle_tool, tf1_core_data

oracle = oracle_tool("static_shapes")
CASES = tf1_core_data("static_shapes.json")["cases"]

_NN = "(ops/nn, another engineer's): "
XFAIL = {
    "conv1d/unknown_batch": _NN + "tf.nn.conv1d (a Conv2D wrapper) is not exported",
    "conv1d/unknown_width": _NN + "tf.nn.conv1d (a Conv2D wrapper) is not exported",
    "separable_conv2d": _NN + "tf.nn.separable_conv2d (depthwise + 1x1 Conv2D) is missing",
    "conv3d/unknown_batch": "tf.nn.conv3d needs the Conv3D op",
    "conv3d/unknown_depth_valid": "tf.nn.conv3d needs the Conv3D op",
    "max_pool3d": "tf.nn.max_pool3d needs the MaxPool3D op",
    "avg_pool3d": "tf.nn.avg_pool3d needs the AvgPool3D op",
    "lrn": "tf.nn.lrn needs the LRN op",
    "linalg.diag_part": "tf.linalg.diag_part needs the MatrixDiagPartV3 op",
    "parallel_stack": "tf.parallel_stack needs the ParallelConcat op",
    "unsorted_segment_max/matrix_ids": "tf.unsorted_segment_max needs UnsortedSegmentMax",
    "segment_mean/unknown_rank": "tf.segment_mean needs the SegmentMean op",
    "dynamic_partition": "tf.dynamic_partition needs the DynamicPartition op",
    "dynamic_stitch": "tf.dynamic_stitch needs the DynamicStitch op",
    "reverse_sequence": "tf.reverse_sequence needs the ReverseSequence op",
}
# Calls where TensorFlow's static shape is wrong, so being as precise would be a bug.
TF_WRONG = {
    "split/sizes_axis_placeholder": "TF's SplitV shape function reads an unknown split_dim as "
                                    "-1 (the last axis): [None, 6] split [2, 4] along a fed "
                                    "axis 0 is [[None, 2], [None, 4]] statically but "
                                    "[[2, 6], [4, 6]] when run",
}


def _marks(name: str) -> list:
    if name in TF_WRONG:
        return [pytest.mark.skip(reason=TF_WRONG[name])]
    if name in XFAIL:
        return [pytest.mark.xfail(reason=XFAIL[name], strict=True)]
    return []


def _params():
    names = {case["name"] for case in CASES}
    assert set(XFAIL) | set(TF_WRONG) <= names, sorted(set(XFAIL) | set(TF_WRONG) - names)
    return [pytest.param(case, id=case["name"], marks=_marks(case["name"])) for case in CASES]


@pytest.mark.parametrize("case", _params())
def test_static_shape_at_least_as_precise_as_tensorflow(case):
    with tf.Graph().as_default():
        outputs = oracle.flatten(oracle.build_call(tf, case))
    assert len(outputs) == len(case["outputs"])
    for i, (got, want) in enumerate(zip(outputs, case["outputs"])):
        assert got.dtype.base_dtype.name == want["dtype"], i
        if want["shape"] is None:
            continue
        shape = oracle.static(got)
        assert shape is not None and len(shape) == len(want["shape"]), (i, shape, want["shape"])
        assert all(w is None or g == w for g, w in zip(shape, want["shape"])), \
            (i, shape, want["shape"])


def test_cases_cover_the_ops():
    """The record holds 300+ calls over the op types the issue names."""
    types = {case["op"]["type"] for case in CASES}
    assert len(CASES) >= 500
    assert {"MatMul", "BatchMatMulV2", "Reshape", "Transpose", "ConcatV2", "Pack", "Unpack",
            "ExpandDims", "Squeeze", "Slice", "StridedSlice", "Tile", "Pad", "Fill", "Shape",
            "Sum", "Mean", "Max", "ArgMax", "GatherV2", "OneHot", "Cast", "BiasAdd", "Conv2D",
            "MaxPool", "AvgPool", "Softmax", "SparseSoftmaxCrossEntropyWithLogits", "Split",
            "SplitV", "Range", "Select", "SelectV2", "BroadcastTo", "Where", "TopKV2",
            "Cumsum"} <= types
