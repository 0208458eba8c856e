"""Test rows for the indexing ops: StridedSlice, gathers/scatters, segment sums, Where,
OneHot, TopK/InTopK, Cumsum and ReverseV2."""
from __future__ import annotations

import numpy as np

import sessionflow as tf
from sessionflow.ops.array import slicing_ops

from .op_spec import Arg, OpSpec


def _idx(value, dtype: str = "int32") -> Arg:
    return Arg(np.shape(value), dtype, value=value, diff=False)


def _slice_grad_ref(dy):
    dx = np.zeros([5, 6], dy.dtype)
    dx[1:-1, ::-2] = dy
    return dx


def _batch_gather_ref(q, idx):
    return np.stack([np.take(q[b], idx[b], axis=1) for b in range(q.shape[0])])


def _gather_nd_ref(p, idx):
    return p[tuple(np.moveaxis(idx, -1, 0))]


def _scatter_nd_ref(idx, updates):
    out = np.zeros([5, 4], updates.dtype)
    np.add.at(out, idx[:, 0], updates)
    return out


def _segment_sum_ref(data, ids):
    out = np.zeros([5, 3], data.dtype)
    np.add.at(out, ids[ids >= 0], data[ids >= 0])
    return out


def _one_hot_ref(labels, axis):
    hot = labels[..., None] == np.arange(4)
    return np.moveaxis(np.where(hot, 2.0, -1.0), -1, axis).astype(np.float32)


def _top_k_ref(x):
    order = np.argsort(-x, axis=-1, kind="stable")[..., :3]
    return [np.take_along_axis(x, order, -1), order.astype(np.int32)]


def _cumsum_ref(x, axis, exclusive, reverse):
    y = np.flip(x, axis) if reverse else x
    out = np.cumsum(y, axis)
    if exclusive:
        out = out - y
    return np.flip(out, axis) if reverse else out


# Why rows are exempt from the unknown-rank gradient sweep's rank-0 or empty inputs.
_SLICE_SCALAR = "TF: Attempting to slice scalar input"
_PARAMS_1D = "TF: params must be at least 1 dimensional (a vector)"
_SCAN_AXIS = "TF: ScanOp: Expected scan axis in the range [0, 0) (the row's axis, for a scalar)"
_NO_INDICES = np.zeros([0], np.int32)

_PREDICTIONS = [[0.1, 0.9, 0.9, 0.3, 0.0], [0.5, 0.2, np.inf, 0.1, 0.4],
                [0.3, 0.3, 0.3, 0.3, 0.3], [0.8, 0.1, 0.6, 0.2, 0.7]]

SPECS: list[OpSpec] = [
    OpSpec("StridedSlice", lambda x: x[1:-1, ::-2], [Arg([5, 6])], lambda x: x[1:-1, ::-2],
           grad2=True, rank0=_SLICE_SCALAR),
    OpSpec("StridedSlice", lambda x: x[..., tf.newaxis, -2], [Arg([3, 4, 5])],
           lambda x: x[..., None, -2], name="StridedSlice_ellipsis_newaxis_shrink",
           rank0=_SLICE_SCALAR),
    OpSpec("StridedSlice",
           lambda x: tf.strided_slice(x, [4, 1], [0, 100], [-2, 3], begin_mask=0, end_mask=1),
           [Arg([5, 7])], lambda x: x[::-2, 1::3], name="StridedSlice_clamp_masks",
           rank0=_SLICE_SCALAR),
    OpSpec("StridedSliceGrad",
           lambda dy: slicing_ops.strided_slice_grad([5, 6], [1, 0], [-1, 0], [1, -2], dy,
                                                      begin_mask=2, end_mask=2),
           [Arg([3, 3])], _slice_grad_ref, grad2=True,
           rank0="TF: shape of dy was [] instead of [3,3] (the row's slice is fixed)",
           empty="TF: shape of dy was [0,3] instead of [3,3] (the row's slice is fixed)"),
    OpSpec("GatherV2", tf.gather, [Arg([5, 3]), _idx([[3, 0, 3], [1, 4, 2]])],
           lambda p, i: np.take(p, i, 0), grad2=True, rank0=_PARAMS_1D,
           empty=[Arg([0, 3]), _idx(np.zeros([2, 0], np.int32))]),
    OpSpec("GatherV2", lambda p, i: tf.gather(p, i, axis=1),
           [Arg([3, 4, 2]), _idx([2, 0, 2], "int64")], lambda p, i: np.take(p, i, 1),
           name="GatherV2_axis1", rank0=_PARAMS_1D),
    OpSpec("GatherV2", lambda p, i: tf.gather(p, i, axis=-1),
           [Arg([3, 4]), _idx([[3, 0], [1, 1]])], lambda p, i: np.take(p, i, -1),
           name="GatherV2_axis_neg", rank0=_PARAMS_1D),
    OpSpec("GatherV2", lambda q, i: tf.gather(q, i, axis=2, batch_dims=1),
           [Arg([2, 3, 5]), _idx([[4, 0, 4, 1], [2, 2, 3, 0]])], _batch_gather_ref,
           name="GatherV2_batch_dims", rank0=_PARAMS_1D,
           empty=[Arg([2, 3, 5]), _idx(np.zeros([2, 0], np.int32))]),
    OpSpec("GatherNd", tf.gather_nd, [Arg([5, 4, 3]), _idx([[[1, 2]], [[4, 3]], [[1, 2]]])],
           _gather_nd_ref, grad2=True, rank0=_PARAMS_1D,
           empty=[Arg([5, 4, 3]), _idx(np.zeros([0, 1, 2], np.int32))]),
    OpSpec("GatherNd", tf.gather_nd, [Arg([5, 3]), _idx([[4], [0], [4]])], _gather_nd_ref,
           name="GatherNd_rows", rank0=_PARAMS_1D,
           empty=[Arg([0, 3]), _idx(np.zeros([0, 1], np.int32))]),
    OpSpec("ScatterNd", lambda i, u: tf.scatter_nd(i, u, [5, 4]),
           [_idx([[1], [3], [1]]), Arg([3, 4])], _scatter_nd_ref, grad2=True,
           rank0="TF: Updates shape must have rank at least one (the row's indices are [3, 1])",
           empty=[_idx(np.zeros([0, 1], np.int32)), Arg([0, 4])]),
    OpSpec("UnsortedSegmentSum", lambda d, s: tf.unsorted_segment_sum(d, s, 5),
           [Arg([6, 3]), _idx([0, 2, -1, 0, 4, 2])], _segment_sum_ref, grad2=True,
           rank0="TF: data.shape = [] does not start with segment_ids.shape = [6]",
           empty=[Arg([0, 3]), _idx(_NO_INDICES)]),
    OpSpec("Where", tf.where, [Arg([3, 4], "bool")], lambda c: np.argwhere(c), grad=False),
    OpSpec("OneHot", lambda i: tf.one_hot(i, 4, 2.0, -1.0),
           [_idx([[0, 3, -1], [5, 1, 1]])], lambda i: _one_hot_ref(i, -1), grad=False),
    OpSpec("OneHot", lambda i: tf.one_hot(i, 4, 2.0, -1.0, axis=1),
           [_idx([[0, 3, -1], [5, 1, 1]], "int64")], lambda i: _one_hot_ref(i, 1),
           grad=False, name="OneHot_axis1"),
    OpSpec("TopKV2", lambda x: list(tf.nn.top_k(x, 3)), [Arg([3, 6])], _top_k_ref,
           outputs=[0], rank0="TF: input must have at least k columns (a scalar has none)"),
    OpSpec("TopKV2", lambda x: list(tf.nn.top_k(x, 3)),
           [Arg([2, 5], value=[[1, 3, 3, 0, 3], [2, 2, 2, 2, 2]])], _top_k_ref, grad=False,
           name="TopKV2_ties"),
    OpSpec("InTopKV2", lambda p, t: tf.nn.in_top_k(p, t, 2),
           [Arg([4, 5], value=_PREDICTIONS), _idx([2, 0, 4, 4])],
           lambda p, t: np.array([True, False, True, True]), grad=False),
    OpSpec("Cumsum", lambda x: tf.cumsum(x, 1, exclusive=True, reverse=True), [Arg([3, 5])],
           lambda x: _cumsum_ref(x, 1, True, True), grad2=True, rank0=_SCAN_AXIS),
    OpSpec("Cumsum", lambda x: tf.cumsum(x), [Arg([4, 3])],
           lambda x: _cumsum_ref(x, 0, False, False), name="Cumsum_axis0", rank0=_SCAN_AXIS),
    OpSpec("ReverseV2", lambda x: tf.reverse(x, [0, -1]), [Arg([3, 4, 2])],
           lambda x: x[::-1, :, ::-1], grad2=True),
]

EXEMPT: dict[str, str] = {}
