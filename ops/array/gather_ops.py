"""Ops driven by index tensors: gathers (GatherV2, GatherNd), ScatterNd, segment sums
(UnsortedSegmentSum, ``tf.math.segment_sum``), Unique and OneHot.

Semantics and error messages follow TensorFlow's kernels (``gather_op.cc``,
``scatter_nd_op.cc``, ``segment_reduction_ops``, ``unique_op.cc``, ``one_hot_op.cc``) and
gradients ``array_grad.py``/``math_grad.py``, with constant shapes instead of shape ops
where the static shapes are fully known. Unique's OpDef (outside ``ops.pbtxt``) loads
from ``ops_array_extra.pbtxt``.
"""
from __future__ import annotations

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.indexed_slices import IndexedSlices
from ...graph.op_builder import apply_op, constant, convert_to_tensor
from ...graph.tensor_shape import TensorShape, unknown_shape
from . import array_ops, fill_ops
from .manip_ops import tile
from .sequence_ops import range_
from ..framework import grad_util, raw_ops
from ..framework.declare import declare, load_op_defs
from ..framework.shape_fns import UNKNOWN, constant_value, normalize_axis, shape_from_tensor
from ..math import math_ops, reduction_ops

load_op_defs("ops_array_extra.pbtxt")  # TensorFlow's OpDef for Unique


def _position(shape, flat_index: int) -> str:
    """TF's ``SliceDebugString``: ``[i,j]`` for the element at ``flat_index`` ('' if 0-d)."""
    if not len(shape):
        return ""
    return errors.shape_str(np.unravel_index(flat_index, shape))


# -- GatherV2 ---------------------------------------------------------------------------------

def _check_indices(indices: np.ndarray, limit: int) -> None:
    """TF's gather bounds check: the first index outside [0, limit) is an error."""
    bad = (indices < 0) | (indices >= limit)
    if bad.any():
        first = int(np.argmax(bad))
        raise errors.invalid_argument(
            f"indices{_position(indices.shape, first)} = {indices.flat[first]} is not in [0, "
            f"{limit})")


def _gather_axes(params_rank: int, indices_rank: int, axis: int, batch_dims: int):
    """(axis, batch_dims) normalized and checked as GatherV2's kernel does."""
    if params_rank < 1:
        raise errors.invalid_argument("params must be at least 1 dimensional")
    if not -params_rank <= axis < params_rank:
        raise errors.invalid_argument(
            f"Expected axis in the range [{-params_rank}, {params_rank}), but got {axis}")
    axis += params_rank if axis < 0 else 0
    if not -indices_rank <= batch_dims <= indices_rank:
        raise errors.invalid_argument(
            f"Expected batch_dims in the range [{-indices_rank}, {indices_rank}], but got "
            f"{batch_dims}")
    batch_dims += indices_rank if batch_dims < 0 else 0
    if batch_dims > axis:
        raise errors.invalid_argument(
            f"batch_dims ({batch_dims}) must be less than or equal to axis ({axis}).")
    return axis, batch_dims


def _batch_take(params: np.ndarray, indices: np.ndarray, axis: int, batch_dims: int):
    """Gather along ``axis`` separately for each of the leading ``batch_dims`` entries."""
    batch = params.shape[:batch_dims]
    size = int(np.prod(batch))
    p = np.moveaxis(params.reshape((size,) + params.shape[batch_dims:]), axis - batch_dims + 1, 1)
    ind = indices.reshape((size,) + indices.shape[batch_dims:])
    rows = np.arange(size).reshape((size,) + (1,) * (ind.ndim - 1))
    taken = p[rows, ind]            # [batch, idx..., pre..., post...]
    k, pre = ind.ndim - 1, axis - batch_dims
    order = [0, *range(1 + k, 1 + k + pre), *range(1, 1 + k), *range(1 + k + pre, taken.ndim)]
    out = taken.transpose(order)
    return out.reshape(batch + out.shape[1:])


def _gather_kernel(op, ctx):
    batch_dims_attr = op.attrs["batch_dims"]

    def kernel(params, indices, axis):
        if np.ndim(axis):
            raise errors.invalid_argument(
                f"axis must be scalar, got shape {errors.shape_str(np.shape(axis))}")
        axis, batch_dims = _gather_axes(np.ndim(params), np.ndim(indices), int(axis),
                                        batch_dims_attr)
        for i in range(batch_dims):
            if params.shape[i] != indices.shape[i]:
                raise errors.invalid_argument(
                    f"params.shape[{i}]: {params.shape[i]} should be equal to indices.shape[{i}]: "
                    f"{indices.shape[i]}")
        _check_indices(indices, params.shape[axis])
        if batch_dims == 0:
            return np.take(params, indices, axis=axis)
        return _batch_take(params, indices, axis, batch_dims)
    return kernel


def _gather_shape(op) -> list[TensorShape]:
    params, indices = op.inputs[0].shape, op.inputs[1].shape
    axis, batch_dims = constant_value(op.inputs[2]), op.attrs["batch_dims"]
    if params.rank is None or indices.rank is None:
        return [UNKNOWN]
    batch_dims += indices.rank if batch_dims < 0 else 0
    if axis is None:
        return [unknown_shape(params.rank + indices.rank - 1 - batch_dims)]
    axis = int(axis)
    if not -params.rank <= axis < params.rank:
        raise ValueError(f"Shape must be at least rank {axis + 1 if axis >= 0 else -axis} but "
                         f"is rank {params.rank}")
    axis = normalize_axis(axis, params.rank)
    if not 0 <= batch_dims <= min(axis, indices.rank):
        raise ValueError(f"batch_dims ({batch_dims}) must be in [0, min(axis ({axis}), "
                         f"rank(indices) ({indices.rank}))]")
    batch = TensorShape(params.dims[:batch_dims]).merge_with(indices.dims[:batch_dims])
    return [TensorShape(batch.dims + params.dims[batch_dims:axis] + indices.dims[batch_dims:]
                        + params.dims[axis + 1:])]


def _GatherV2Grad(op, grad):
    """TF's rule: IndexedSlices for axis 0; otherwise move the axis to the front (after the
    batch dims), UnsortedSegmentSum, and move it back."""
    params, indices, axis_t = op.inputs
    batch_dims = op.attrs["batch_dims"]
    if batch_dims < 0:
        if indices.shape.rank is None:
            raise ValueError(f"Currently, it is unsupported to take the gradient of tf.gather "
                             f"when batch_dims < 0 and the rank of the indices is unknown. Got "
                             f"batch_dims={batch_dims} and indices={indices}")
        batch_dims += indices.shape.rank
    axis = constant_value(axis_t)
    rank = params.shape.rank
    if axis is not None and rank is not None:
        axis = normalize_axis(int(axis), rank)
    if axis == 0:
        return [_gather_axis0_grad(params, indices, grad), None, None]
    if axis is not None and params.shape.is_fully_defined() and \
            (batch_dims == 0 or indices.shape.rank is not None):
        return [_gather_static_grad(params.shape.as_list(), indices, grad, axis, batch_dims),
                None, None]
    return [_gather_dynamic_grad(params, indices, axis_t, grad, batch_dims), None, None]


def _gather_axis0_grad(params: Tensor, indices: Tensor, grad) -> IndexedSlices:
    if params.shape.is_fully_defined():
        dims = params.shape.as_list()
        values = array_ops.reshape(grad, [-1] + dims[1:])
        return IndexedSlices(values, array_ops.reshape(indices, [-1]),
                             array_ops.shape_tensor(params))
    params_shape = array_ops.shape(params)
    size = array_ops.expand_dims(array_ops.size(indices), 0)
    values = array_ops.reshape(grad, array_ops.concat([size, params_shape[1:]], 0))
    return IndexedSlices(values, array_ops.reshape(indices, size), params_shape)


def _gather_static_grad(dims: list, indices: Tensor, grad, axis: int, batch_dims: int):
    """The non-axis-0 rule with every shape and permutation a Python constant."""
    rank = len(dims)
    outer = list(range(batch_dims))
    perm = outer + [axis] + list(range(batch_dims, axis)) + list(range(axis + 1, rank))
    values = array_ops.transpose(
        array_ops.reshape(grad, dims[:axis] + [-1] + dims[axis + 1:]), perm)
    num_segments = dims[axis]
    if batch_dims:
        batch_size = int(np.prod(dims[:batch_dims]))
        offsets = np.arange(batch_size).reshape(
            dims[:batch_dims] + [1] * (indices.shape.rank - batch_dims)) * dims[axis]
        indices = raw_ops.AddV2(x=indices, y=offsets.astype(indices.dtype.base_dtype.np_dtype))
        inner = [dims[p] for p in perm[batch_dims + 1:]]
        values = array_ops.reshape(values, [-1] + inner)
        num_segments *= batch_size
    params_grad = unsorted_segment_sum(values, array_ops.reshape(indices, [-1]), num_segments)
    if batch_dims:
        params_grad = array_ops.reshape(params_grad, dims[:batch_dims] + [-1] + inner)
    invert = outer + [d + 1 for d in range(batch_dims, axis)] + [batch_dims] + \
        list(range(axis + 1, rank))
    return array_ops.transpose(params_grad, invert)


def _gather_dynamic_grad(params: Tensor, indices: Tensor, axis: Tensor, grad,
                         batch_dims: int) -> Tensor:
    """TF's ``_GatherV2Grad`` for shapes or axes only known at run time."""
    params_shape = array_ops.shape(params)
    outer_shape = params_shape[:axis]
    inner_shape = params_shape[axis:][1:]
    values_shape = array_ops.concat([outer_shape, [-1], inner_shape], 0)
    values_dims = array_ops.size(values_shape)
    axis_dims = array_ops.size(outer_shape)
    outer_batches = range_(batch_dims)
    batch_axes = range_(batch_dims, axis_dims)
    inner_axes = range_(raw_ops.AddV2(x=axis_dims, y=1), values_dims)
    values = array_ops.reshape(grad, values_shape)
    transpose_dims = array_ops.concat(
        [outer_batches, grad_util.stack_mixed([axis_dims]), batch_axes, inner_axes], 0)
    values = array_ops.transpose(values, transpose_dims)
    num_segments = params_shape[axis]
    flat_indices = indices
    if batch_dims:
        values_shape = array_ops.shape(values)
        batch_shape = values_shape[:batch_dims]
        flat_values_shape = array_ops.concat([[-1], values_shape[batch_dims:][1:]], 0)
        num_segments = raw_ops.Mul(
            x=num_segments, y=raw_ops.Prod(input=batch_shape, reduction_indices=[0]))
        flat_indices = _batch_indices(gather(params_shape, transpose_dims), indices,
                                      batch_dims)
        values = array_ops.reshape(values, flat_values_shape)
    params_grad = unsorted_segment_sum(values, array_ops.reshape(flat_indices, [-1]),
                                       num_segments)
    if batch_dims:
        params_grad = array_ops.reshape(
            params_grad, array_ops.concat([batch_shape, flat_values_shape], 0))
    invert = array_ops.concat(
        [outer_batches, raw_ops.AddV2(x=batch_axes, y=1), [batch_dims], inner_axes], 0)
    return array_ops.transpose(params_grad, invert)


def _batch_indices(params_shape: Tensor, indices: Tensor, batch_dims: int) -> Tensor:
    """TF's ``_GetBatchIndices``: adds each batch entry's row offset to ``indices``."""
    dtype = indices.dtype.base_dtype
    dims = grad_util.cast(params_shape, dtype)
    accum = constant(1, dtype=dtype)
    for dim in range(batch_dims, 0, -1):
        dim_value = dims[dim - 1]
        accum = raw_ops.Mul(x=accum, y=dims[dim])
        dim_indices = raw_ops.Mul(
            x=range_(constant(0, dtype=dtype), dim_value, constant(1, dtype=dtype)),
            y=accum)
        ones_after = tile(
            [1], grad_util.stack_mixed([raw_ops.Sub(x=array_ops.rank(indices), y=dim)]))
        dim_shape = array_ops.concat([tile([1], [dim - 1]),
                                      grad_util.stack_mixed([dim_value]), ones_after], 0)
        indices = raw_ops.AddV2(x=indices, y=array_ops.reshape(dim_indices, dim_shape))
    return indices


declare("GatherV2", shape=_gather_shape, make_kernel=_gather_kernel, grad=_GatherV2Grad)


def gather(params, indices, validate_indices=None, name: str | None = None, axis=None,
           batch_dims: int = 0) -> Tensor:
    """``tf.gather``: slices of ``params`` along ``axis`` (default ``batch_dims``) at
    ``indices``; ``validate_indices`` is ignored, as in TF. Variables use ``sparse_read``."""
    if axis is None:
        axis = batch_dims
    if array_ops.known_value(axis) != 0:
        return apply_op("GatherV2", [params, indices, axis], {"batch_dims": batch_dims},
                        name=name)
    try:  # resource variables gather rows directly (ResourceGather), as in TF
        return params.sparse_read(indices, name=name)
    except AttributeError:
        return apply_op("GatherV2", [params, indices, axis], name=name)


# -- GatherNd / ScatterNd -------------------------------------------------------------------

def batch_gather(params, indices, name: str | None = None) -> Tensor:
    """TF1's ``tf.batch_gather``: ``gather`` along axis ``rank(indices) - 1`` with that many
    batch dims (indices must have a known rank)."""
    with name_scope(name, "BatchGather", [params, indices]):
        indices = convert_to_tensor(indices, name="indices")
        params = convert_to_tensor(params, name="params")
        if indices.shape.rank is None:
            raise ValueError("batch_gather does not allow indices with unknown shape.")
        batch_dims = indices.shape.rank - 1
        return gather(params, indices, axis=batch_dims, batch_dims=batch_dims)


def _bad_row(flat: np.ndarray, limits) -> int | None:
    """The first row of ``flat`` ([n, k] indices) outside ``limits``, or None."""
    bad = ((flat < 0) | (flat >= np.asarray(limits, dtype=np.int64))).any(axis=1)
    return int(np.argmax(bad)) if bad.any() else None


def _gather_nd_kernel(params, indices):
    if np.ndim(indices) < 1:
        raise errors.invalid_argument(f"indices must be at least a vector, got shape "
                                      f"{errors.shape_str(np.shape(indices))}")
    k, outer = indices.shape[-1], indices.shape[:-1]
    if k > np.ndim(params):
        raise errors.invalid_argument(
            f"index innermost dimension length must be <= params rank; saw: {k} vs. "
            f"{np.ndim(params)}")
    flat = indices.reshape(-1, k)
    bad = _bad_row(flat, params.shape[:k])
    if bad is not None:
        raise errors.invalid_argument(
            f"indices{_position(outer, bad)} = [{', '.join(map(str, flat[bad]))}] does not index "
            f"into param shape {errors.shape_str(params.shape)}")
    if k == 0:
        return np.broadcast_to(params, outer + params.shape).copy()
    return params[tuple(flat.T)].reshape(outer + params.shape[k:])


def _gather_nd_shape(op) -> list[TensorShape]:
    params, indices = op.inputs[0].shape, op.inputs[1].shape
    if indices.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    if params.rank is None or indices.rank is None or indices.dims[-1] is None:
        return [UNKNOWN]
    k = indices.dims[-1]
    if k > params.rank:
        raise ValueError(f"indices.shape[-1] must be <= params.rank, but saw indices shape: "
                         f"{indices} and params shape: {params}")
    return [TensorShape(indices.dims[:-1] + params.dims[k:])]


def _GatherNdGrad(op, grad):
    params, indices = op.inputs
    params_shape = array_ops.shape_tensor(params, indices.dtype.base_dtype)
    if indices.shape.rank == 2 and indices.shape.dims[-1] == 1:
        return [IndexedSlices(grad, array_ops.squeeze(indices, axis=-1), params_shape), None]
    return [scatter_nd(indices, grad, params_shape), None]


declare("GatherNd", shape=_gather_nd_shape, kernel=_gather_nd_kernel, grad=_GatherNdGrad)


def _scatter_nd_kernel(op, ctx):
    ignore_bad = op.attrs["bad_indices_policy"] == "IGNORE"

    def kernel(indices, updates, shape):
        shape = tuple(np.ravel(shape).tolist())
        if any(d < 0 for d in shape):
            raise errors.invalid_argument(
                f"shape must be non-negative, got {errors.shape_str(shape)}")
        if np.ndim(indices) < 1:
            raise errors.invalid_argument("Indices must be at least a vector")
        k, outer = indices.shape[-1], indices.shape[:-1]
        if k > len(shape):
            raise errors.invalid_argument(
                f"Output must have rank at least {k} (indices.shape[-1]), got shape "
                f"{errors.shape_str(shape)}")
        if np.shape(updates) != outer + shape[k:]:
            raise errors.invalid_argument(
                "updates must have shape indices.shape[:-1] + shape[indices.shape[-1]:] = "
                f"{errors.shape_str(outer + shape[k:])}, got {errors.shape_str(np.shape(updates))}")
        flat = indices.reshape(-1, k)
        rows = np.reshape(updates, (-1,) + shape[k:])
        bad = _bad_row(flat, shape[:k])
        if bad is not None and not ignore_bad:
            raise errors.invalid_argument(
                f"indices{_position(outer, bad)} = [{', '.join(map(str, flat[bad]))}] does not "
                f"index into shape {errors.shape_str(shape)}")
        if bad is not None:
            keep = ~((flat < 0) | (flat >= np.asarray(shape[:k]))).any(axis=1)
            flat, rows = flat[keep], rows[keep]
        out = np.zeros(shape, dtype=np.asarray(updates).dtype)
        if k == 0:
            out += rows.sum(axis=0, dtype=out.dtype)
        else:
            np.add.at(out, tuple(flat.T), rows)
        return out
    return kernel


def _ScatterNdGrad(op, grad):
    return [None, gather_nd(grad, op.inputs[0]), None]


declare("ScatterNd", shape=lambda op: [shape_from_tensor(op.inputs[2])],
        make_kernel=_scatter_nd_kernel, grad=_ScatterNdGrad)


def gather_nd(params, indices, name: str | None = None, batch_dims: int = 0) -> Tensor:
    """``tf.gather_nd``: slices of ``params`` at the index tuples in ``indices``' last axis;
    with ``batch_dims`` each batch entry indexes its own slice of ``params``."""
    if batch_dims == 0:
        return apply_op("GatherNd", [params, indices], name=name)
    if not isinstance(batch_dims, int) or batch_dims < 0:
        raise ValueError(f"batch_dims must be a non-negative int, got {batch_dims!r}")
    with name_scope(name, "BatchGatherND", [params, indices]) as scope:
        params, indices = convert_to_tensor(params), convert_to_tensor(indices)
        params_shape, indices_shape = array_ops.shape(params), array_ops.shape(indices)
        batch_shape = params_shape[:batch_dims]
        batch_size = reduction_ops.reduce_prod(batch_shape, [0])
        flat_params = array_ops.reshape(
            params, array_ops.concat([[-1], params_shape[batch_dims:]], 0))
        rows = math_ops.cast(range_(batch_size), indices.dtype.base_dtype)
        grid_shape = array_ops.concat([grad_util.stack_mixed([batch_size]),
                                       fill_ops.ones_like(indices_shape[batch_dims:])], 0)
        flat_indices = array_ops.reshape(indices, array_ops.concat(
            [grad_util.stack_mixed([batch_size]), indices_shape[batch_dims:]], 0))
        row_grid = fill_ops.broadcast_to(
            array_ops.reshape(rows, grid_shape),
            array_ops.concat([array_ops.shape(flat_indices)[:-1], [1]], 0))
        out = gather_nd(flat_params, array_ops.concat([row_grid, flat_indices], -1))
        return array_ops.reshape(
            out, array_ops.concat([batch_shape, array_ops.shape(out)[1:]], 0), name=scope)


def scatter_nd(indices, updates, shape, name: str | None = None) -> Tensor:
    """``tf.scatter_nd``: ``updates`` summed into zeros of ``shape`` at ``indices``."""
    return apply_op("ScatterNd", [indices, updates, shape], name=name)


# -- UnsortedSegmentSum ------------------------------------------------------------------------

def _unsorted_segment_sum_kernel(data, segment_ids, num_segments):
    if np.ndim(num_segments):
        raise errors.invalid_argument(f"num_segments should be a scalar, not shape "
                                      f"{errors.shape_str(np.shape(num_segments))}")
    n = int(num_segments)
    if n < 0:
        raise errors.invalid_argument(f"Input num_segments == {n} must not be negative.")
    ids_shape = np.shape(segment_ids)
    if np.shape(data)[:len(ids_shape)] != ids_shape:
        raise errors.invalid_argument(
            f"data.shape = {errors.shape_str(np.shape(data))} does not start with "
            f"segment_ids.shape = {errors.shape_str(ids_shape)}")
    ids = np.ravel(segment_ids)
    tail = np.shape(data)[len(ids_shape):]
    rows = np.reshape(data, (ids.size,) + tail)
    too_big = ids >= n
    if too_big.any():
        first = int(np.argmax(too_big))
        raise errors.invalid_argument(
            f"segment_ids{_position(ids_shape, first)} = {ids[first]} is out of range [0, {n})")
    keep = ids >= 0
    out = np.zeros((n,) + tail, dtype=np.asarray(data).dtype)
    np.add.at(out, ids[keep], rows[keep])
    return out


def _unsorted_segment_shape(op) -> list[TensorShape]:
    data, ids = op.inputs[0].shape, op.inputs[1].shape
    n = constant_value(op.inputs[2])
    if data.rank is None or ids.rank is None:
        return [UNKNOWN]
    if ids.rank > data.rank or not TensorShape(data.dims[:ids.rank]).is_compatible_with(ids):
        raise ValueError(f"data.shape = {data} does not start with segment_ids.shape = {ids}")
    return [TensorShape([None if n is None else int(n)] + data.dims[ids.rank:])]


def _gather_drop_negatives(params: Tensor, ids: Tensor) -> Tensor:
    """TF's ``_GatherDropNegatives``: ``params[max(ids, 0)]``, zeroed where ``ids < 0``."""
    zero_clipped = raw_ops.Maximum(x=ids, y=fill_ops.zeros_like(ids))
    gathered = gather(params, zero_clipped)
    is_positive = raw_ops.GreaterEqual(x=ids, y=grad_util.constant_like(0, ids))
    extra = gathered.shape.rank - ids.shape.rank if None not in (
        gathered.shape.rank, ids.shape.rank) else None
    if extra is not None and ids.shape.is_fully_defined():
        broadcastable = ids.shape.as_list() + [1] * extra
    else:
        extra_ones = fill_ops.ones(array_ops.expand_dims(raw_ops.Sub(
            x=array_ops.rank(gathered), y=array_ops.rank(is_positive)), 0), dtype=dtypes.int32)
        broadcastable = array_ops.concat([array_ops.shape(is_positive), extra_ones], 0)
    is_positive = raw_ops.LogicalAnd(x=array_ops.reshape(is_positive, broadcastable),
                                     y=fill_ops.ones_like(gathered, dtype=dtypes.bool_))
    return raw_ops.Select(condition=is_positive, t=gathered, e=fill_ops.zeros_like(gathered))


def _UnsortedSegmentSumGrad(op, grad):
    return [_gather_drop_negatives(grad, op.inputs[1]), None, None]


declare("UnsortedSegmentSum", shape=_unsorted_segment_shape,
        kernel=_unsorted_segment_sum_kernel, grad=_UnsortedSegmentSumGrad)


def unsorted_segment_sum(data, segment_ids, num_segments, name: str | None = None) -> Tensor:
    """``tf.math.unsorted_segment_sum``: rows of ``data`` summed by id (negative ids dropped)."""
    return apply_op("UnsortedSegmentSum", [data, segment_ids, num_segments], name=name)


def _segment_counts(data: Tensor, segment_ids: Tensor, num_segments) -> Tensor:
    """TF's ``_unsorted_segment_N``: each segment's row count (at least 1), shaped
    [num_segments, 1, ...] to divide the segment sums of ``data``."""
    num_segments = convert_to_tensor(num_segments)
    ones = fill_ops.ones(array_ops.shape(segment_ids), dtype=data.dtype)
    counts = unsorted_segment_sum(ones, segment_ids, num_segments)
    trailing = math_ops.subtract(array_ops.rank(data), array_ops.rank(segment_ids))
    shape = array_ops.concat([array_ops.expand_dims(num_segments, 0),
                              fill_ops.ones([trailing], dtype=num_segments.dtype)], 0)
    return math_ops.maximum(array_ops.reshape(counts, shape), constant(1, dtype=data.dtype))


def unsorted_segment_mean(data, segment_ids, num_segments, name: str | None = None) -> Tensor:
    """``tf.math.unsorted_segment_mean``: segment sums divided by the segment sizes."""
    with name_scope(name, "UnsortedSegmentMean"):
        data, segment_ids = convert_to_tensor(data), convert_to_tensor(segment_ids)
        counts = _segment_counts(data, segment_ids, num_segments)
        summed = unsorted_segment_sum(data, segment_ids, num_segments)
        return math_ops.truediv(summed, counts)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments,
                            name: str | None = None) -> Tensor:
    """``tf.math.unsorted_segment_sqrt_n``: segment sums divided by sqrt(segment size)."""
    with name_scope(name, "UnsortedSegmentSqrtN"):
        data, segment_ids = convert_to_tensor(data), convert_to_tensor(segment_ids)
        counts = _segment_counts(data, segment_ids, num_segments)
        summed = unsorted_segment_sum(data, segment_ids, num_segments)
        return math_ops.truediv(summed, math_ops.sqrt(counts))


# -- segment_sum / Unique ----------------------------------------------------------------

def segment_sum(data, segment_ids, name: str | None = None) -> Tensor:
    """``tf.math.segment_sum`` for sorted ids: an UnsortedSegmentSum over max(id)+1 rows."""
    with name_scope(name, "SegmentSum", [data, segment_ids]) as scope:
        ids = convert_to_tensor(segment_ids)
        rows = math_ops.add(reduction_ops.reduce_max(ids), constant(1, dtype=ids.dtype))
        return apply_op("UnsortedSegmentSum", [data, ids, rows], name=scope)


def _unique_shape(op) -> list[TensorShape]:
    x = op.inputs[0].shape.with_rank(1)
    return [TensorShape([None]), x]


def _unique_kernel(op, ctx):
    out_idx = op.attrs["out_idx"].np_dtype

    def kernel(x):
        x = np.asarray(x)
        if x.ndim != 1:
            raise errors.invalid_argument("unique expects a 1D vector.")
        values, first, inverse = np.unique(x, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        position = np.empty_like(order)
        position[order] = np.arange(order.size)
        return [values[order], position[inverse.reshape(-1)].astype(out_idx)]
    return kernel


declare("Unique", shape=_unique_shape, make_kernel=_unique_kernel, not_differentiable=True)


def unique(x, out_idx=dtypes.int32, name: str | None = None) -> list:
    """``tf.unique``: (y, idx) with y the unique values in order of first occurrence."""
    return apply_op("Unique", [x], {"out_idx": out_idx}, name=name)


# -- OneHot --------------------------------------------------------------------------------

def _one_hot_shape(op) -> list[TensorShape]:
    indices, axis = op.inputs[0].shape, op.attrs["axis"]
    if indices.rank is not None and not -1 <= axis <= indices.rank:
        raise ValueError(f"Expected axis to be -1 or between [0, {indices.rank + 1}).  But "
                         f"received: {axis}")
    depth = constant_value(op.inputs[1])
    if depth is not None and int(depth) < 0:
        raise ValueError(f"depth must be non-negative, got: {int(depth)}")
    if indices.rank is None:
        return [UNKNOWN]
    dims = indices.dims
    at = len(dims) if axis == -1 else axis
    return [TensorShape(dims[:at] + [None if depth is None else int(depth)] + dims[at:])]


def _one_hot_kernel(op, ctx):
    axis = op.attrs["axis"]

    def kernel(indices, depth, on_value, off_value):
        for label, v in (("depth", depth), ("on_value", on_value), ("off_value", off_value)):
            if np.ndim(v):
                raise errors.invalid_argument(
                    f"{label} must be a scalar, but got: {errors.shape_str(np.shape(v))}")
        if int(depth) < 0:
            raise errors.invalid_argument(f"depth must be non-negative, got: {int(depth)}")
        hot = np.expand_dims(indices, -1) == np.arange(int(depth))
        if axis != -1:
            hot = np.moveaxis(hot, -1, axis)
        return np.where(hot, on_value, off_value)
    return kernel


declare("OneHot", shape=_one_hot_shape, make_kernel=_one_hot_kernel, not_differentiable=True)


def _on_off_dtype(on_value, off_value, dtype):
    """TF's one_hot dtype rule: given on/off values fix it (and must agree), else float32."""
    on_dtype = on_value.dtype.base_dtype if on_value is not None else None
    off_dtype = off_value.dtype.base_dtype if off_value is not None else None
    if dtype is not None:
        for label, d in (("on_value", on_dtype), ("off_value", off_dtype)):
            if d is not None and d != dtype:
                raise TypeError(f"dtype {d.name} of {label} does not match dtype parameter "
                                f"{dtype.name}")
        return dtype
    if on_dtype is not None and off_dtype is not None and on_dtype != off_dtype:
        raise TypeError(f"dtype {on_dtype.name} of on_value does not match dtype "
                        f"{off_dtype.name} of off_value")
    return on_dtype or off_dtype or dtypes.float32


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None,
            name: str | None = None) -> Tensor:
    """``tf.one_hot``: ``on_value`` where ``indices`` equals the position along the new
    ``axis`` (default last), ``off_value`` elsewhere (so -1 and out-of-range are all off)."""
    dtype = dtypes.as_dtype(dtype) if dtype is not None else None
    with name_scope(name, "one_hot", [indices, depth, on_value, off_value]) as scope:
        indices = convert_to_tensor(indices, name="indices")
        depth = convert_to_tensor(depth, dtypes.int32, name="depth")
        if on_value is not None:
            on_value = convert_to_tensor(on_value, dtype_hint=dtype)
        if off_value is not None:
            off_value = convert_to_tensor(off_value, dtype_hint=dtype)
        dtype = _on_off_dtype(on_value, off_value, dtype)
        if on_value is None:
            on_value = convert_to_tensor(1, dtype, name="on_value")
        if off_value is None:
            off_value = convert_to_tensor(0, dtype, name="off_value")
        return apply_op("OneHot", [indices, depth, on_value, off_value],
                        {"axis": -1 if axis is None else axis}, name=scope)


_SEGMENTS = ["segment_sum", "unsorted_segment_mean", "unsorted_segment_sqrt_n",
             "unsorted_segment_sum"]
EXPORTS: dict[str, list[str]] = {
    "": ["batch_gather", "gather", "gather_nd", "one_hot", "scatter_nd", "unique"] + _SEGMENTS,
    "math": ["unique"] + _SEGMENTS,
    "manip": ["gather_nd", "scatter_nd"],
}
