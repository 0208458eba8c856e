"""Indexing ops: StridedSlice (``Tensor.__getitem__``), gathers and scatters, segment sums,
Where and OneHot. (TopKV2/InTopKV2, Cumsum and ReverseV2 live in ``sort_scan_ops``.)

Semantics and error messages follow TensorFlow's kernels (``strided_slice_op.cc``,
``gather_op.cc``, ``scatter_nd_op.cc``, ``segment_reduction_ops``, ...) and gradients follow
``array_grad.py``/``math_grad.py``/``nn_grad.py``, with constant shapes instead of shape ops
where the static shapes are fully known. One helper, ``strided_slice_index``, turns a
StridedSlice spec into a numpy index and output shape for the kernel, the gradient op and
the static shape function alike.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.indexed_slices import IndexedSlices
from ...graph.op_builder import apply_op, constant, convert_to_tensor
from ...graph.tensor_shape import Dimension, TensorShape, unknown_shape
from . import array_ops, array_ops_extra
from ..math import math_ops, reduction_ops
from ..framework import grad_util, raw_ops
from ..framework.declare import declare
from ..framework.shape_fns import UNKNOWN, constant_value, normalize_axis, shape_from_tensor

newaxis = None
_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")
_UNKNOWN = object()     # an index entry that depends on values not known statically




def _position(shape, flat_index: int) -> str:
    """TF's ``SliceDebugString``: ``[i,j]`` for the element at ``flat_index`` ('' if 0-d)."""
    if not len(shape):
        return ""
    return errors.shape_str(np.unravel_index(flat_index, shape))


def _static(value) -> Any:
    """A Tensor's statically known value, or a Python/numpy value itself (TF's
    ``tensor_util.constant_value`` on non-tensors)."""
    return constant_value(value) if isinstance(value, Tensor) else value


def _shape_tensor(x: Tensor, dtype=dtypes.int32) -> Tensor:
    """``tf.shape(x)``: a Const when the static shape is fully known, as TF folds it."""
    if x.shape.is_fully_defined():
        return constant(np.array(x.shape.as_list(), dtype.np_dtype))
    return array_ops.shape(x, out_type=dtype)


def _stack(values: list, name: str = "stack") -> Tensor:
    """TF's ``stack`` of Python ints and scalar tensors: a Const when no element is a tensor,
    else a Pack whose Python elements become Consts ``<name>/<i>`` (TF's autopacking)."""
    tensors = [v for v in values if isinstance(v, Tensor)]
    if not tensors:
        return constant(values, name=name)
    dtype = tensors[0].dtype.base_dtype
    with name_scope(None, name, tensors) as scope:
        elems = [v if isinstance(v, Tensor) else constant(v, dtype=dtype, name=str(i))
                 for i, v in enumerate(values)]
        return array_ops.stack(elems, name=scope)


# -- StridedSlice / StridedSliceGrad ----------------------------------------------------------

def _dense_entries(rank: int, n: int, ellipsis_mask: int, new_axis_mask: int,
                   shrink_axis_mask: int) -> list[tuple[str, int | None, int | None]]:
    """TF's BuildDenseSpec: one (kind, input dim, spec position) per output index entry.

    kind is "new" (tf.newaxis), "shrink" (an int index) or "range" (a slice); a spec
    position of None marks an input dim the ellipsis covers (an implicit one ends a spec).
    """
    if not ellipsis_mask & ((1 << n) - 1):
        ellipsis_mask = 1 << n
        n += 1
    ellipsis_at = ellipsis_mask.bit_length() - 1
    new_after = sum(new_axis_mask >> i & 1 for i in range(ellipsis_at + 1, n))
    entries, full = [], 0
    for i in range(n):
        bit = 1 << i
        if ellipsis_mask & bit:
            stop = min(rank - (n - i) + 1 + new_after, rank)
            entries += [("range", d, None) for d in range(full, stop)]
            full = max(full, stop)
        elif new_axis_mask & bit:
            entries.append(("new", None, i))
        elif full == rank:
            raise ValueError(f"Index out of range using input dim {full}; input has only "
                             f"{rank} dims")
        else:
            entries.append(("shrink" if shrink_axis_mask & bit else "range", full, i))
            full += 1
    return entries


def _dim_range(dim, begin, end, stride: int, masked: tuple, shrink: bool, axis: int):
    """TF's canonicalisation of one input dim: (numpy index entry, output size).

    ``dim`` or ``begin``/``end`` may be None (unknown): the entry is then _UNKNOWN and the
    size None unless the masks (or a shrink) still determine it.
    """
    if stride == 0:
        raise ValueError(f"strides[{axis}] must be non-zero")
    if dim is None:
        return _UNKNOWN, None
    if shrink and stride <= 0:
        raise ValueError("only stride 1 allowed on non-range indexing.")
    if shrink:
        if begin is None:
            return _UNKNOWN, 1
        x = begin + dim if begin < 0 else begin
        if not 0 <= x < dim:
            raise ValueError(f"slice index {x} of dimension {axis} out of bounds.")
        return x, 1
    begin_masked, end_masked = masked
    if begin is None:
        return _UNKNOWN, (-(-dim // abs(stride)) if begin_masked and end_masked else None)
    lo, hi = (0, dim) if stride > 0 else (-1, dim - 1)
    if begin_masked:
        begin = lo if stride > 0 else hi
    else:
        begin = min(max(begin + dim if begin < 0 else begin, lo), hi)
    if end_masked:
        end = hi if stride > 0 else lo
    else:
        end = min(max(end + dim if end < 0 else end, lo), hi)
    length = end - begin
    if length == 0 or (length < 0) != (stride < 0):
        return slice(0, 0), 0
    return slice(begin, None if end < 0 else end, stride), -(-abs(length) // abs(stride))


def strided_slice_index(shape, begin, end, strides, begin_mask: int = 0, end_mask: int = 0,
                        ellipsis_mask: int = 0, new_axis_mask: int = 0,
                        shrink_axis_mask: int = 0) -> tuple[tuple | None, list]:
    """(numpy index, output shape) of a StridedSlice of a tensor of ``shape``, as TF's
    ``ValidateStridedSliceOp`` computes them (clamping, negative indices and strides).

    For static inference ``shape`` dims and ``begin``/``end`` may be None (unknown): the
    index is then None and unknown output dims are None. Raises ValueError when invalid.
    """
    n = len(strides)
    if begin is None or end is None:
        begin = end = None
    elif not len(begin) == len(end) == n:
        raise ValueError(f"Expected begin, end, and strides to be 1D equal size tensors, but "
                         f"got shapes [{len(begin)}], [{len(end)}], and [{n}] instead.")
    if ellipsis_mask & (ellipsis_mask - 1):
        raise ValueError("Multiple ellipses in slice spec not allowed")
    index, out = [], []
    for kind, axis, i in _dense_entries(len(shape), n, ellipsis_mask, new_axis_mask,
                                        shrink_axis_mask):
        if kind == "new":
            index.append(None)
            out.append(1)
            continue
        if i is None:
            entry, size = _dim_range(shape[axis], 0, 0, 1, (True, True), False, axis)
        else:
            entry, size = _dim_range(
                shape[axis], None if begin is None else begin[i],
                None if end is None else end[i], strides[i],
                (begin_mask >> i & 1, end_mask >> i & 1), kind == "shrink", axis)
        index.append(entry)
        if kind == "range":
            out.append(size)
    known = all(entry is not _UNKNOWN for entry in index)
    return (tuple(index) if known else None), out


def _masks(op) -> dict:
    return {m: op.attrs[m] for m in _MASKS}


def _runtime_index(shape, begin, end, strides, masks: dict) -> tuple[tuple, list]:
    """``strided_slice_index`` on kernel inputs; a bad spec is an InvalidArgumentError."""
    if not np.ndim(begin) == np.ndim(end) == np.ndim(strides) == 1:
        raise errors.invalid_argument(f"Expected begin, end, and strides to be 1D equal size tensors, but got "
                       f"shapes {errors.shape_str(np.shape(begin))}, {errors.shape_str(np.shape(end))}, "
                       f"and {errors.shape_str(np.shape(strides))} instead.")
    try:
        return strided_slice_index(shape, begin.tolist(), end.tolist(), strides.tolist(),
                                   **masks)
    except ValueError as e:
        raise errors.invalid_argument(str(e)) from None


def _vector_value(t: Tensor) -> list | None:
    """A spec vector's static value; also sees through the OnesLike that default strides
    are (``shape_fns.constant_value`` does not evaluate OnesLike)."""
    if t.op.type == "OnesLike" and t.shape.is_fully_defined():
        return [1] * t.shape.num_elements()
    value = constant_value(t)
    return None if value is None else np.ravel(value).tolist()


def _strided_slice_shape(op) -> list[TensorShape]:
    x = op.inputs[0].shape
    for t in op.inputs[1:4]:
        if t.shape.rank not in (None, 1):
            raise ValueError(f"Shape must be rank 1 but is rank {t.shape.rank}")
    begin, end, strides = (_vector_value(t) for t in op.inputs[1:4])
    if x.rank is None or strides is None:
        return [UNKNOWN]
    _, out = strided_slice_index(x.dims, begin, end, strides, **_masks(op))
    return [TensorShape(out)]


def _strided_slice_kernel(op, ctx):
    masks = _masks(op)

    def kernel(x, begin, end, strides):
        index, _ = _runtime_index(np.shape(x), begin, end, strides, masks)
        return np.asarray(x[index])
    return kernel


def _strided_slice_grad_kernel(op, ctx):
    masks = _masks(op)

    def kernel(shape, begin, end, strides, dy):
        shape = tuple(np.ravel(shape).tolist())
        index, out_shape = _runtime_index(shape, begin, end, strides, masks)
        if list(np.shape(dy)) != out_shape:
            raise errors.invalid_argument(f"shape of dy was {errors.shape_str(np.shape(dy))} instead of "
                           f"{errors.shape_str(out_shape)}")
        dx = np.zeros(shape, dtype=np.asarray(dy).dtype)
        dx[index] = dy
        return dx
    return kernel


def _StridedSliceGrad(op, grad):
    """StridedSliceGrad scatters ``grad`` into zeros of the input's shape (constant args
    where statically known, as TF passes them)."""
    x, begin, end, strides = op.inputs
    index_dtype = begin.dtype.base_dtype
    args = [_static_or_tensor(t) for t in (begin, end, strides)]
    return [strided_slice_grad(_shape_tensor(x, index_dtype), *args, grad, **_masks(op)),
            None, None, None]


def _static_or_tensor(t: Tensor):
    value = constant_value(t)
    return t if value is None else np.asarray(value)


def _StridedSliceGradGrad(op, grad):
    begin, end, strides = op.inputs[1:4]
    return [None, None, None, None, strided_slice(grad, begin, end, strides, **_masks(op))]


def _strided_slice_value(op) -> Any:
    """Slices of statically known values (``tf.shape(x)[i]`` and the like)."""
    value = constant_value(op.inputs[0])
    begin, end, strides = (constant_value(x) for x in op.inputs[1:4])
    if value is None or begin is None or end is None or strides is None:
        return None
    try:
        index, out_shape = strided_slice_index(list(np.shape(value)), list(np.ravel(begin)),
                                               list(np.ravel(end)), list(np.ravel(strides)),
                                               **_masks(op))
    except ValueError:
        return None
    return np.asarray(value)[index].reshape(out_shape)


declare("StridedSlice", shape=_strided_slice_shape, make_kernel=_strided_slice_kernel,
        grad=_StridedSliceGrad, constant_value=_strided_slice_value)
declare("StridedSliceGrad", shape=lambda op: [shape_from_tensor(op.inputs[0])],
        make_kernel=_strided_slice_grad_kernel, grad=_StridedSliceGradGrad)


def strided_slice(input_, begin, end, strides=None, begin_mask: int = 0, end_mask: int = 0,
                  ellipsis_mask: int = 0, new_axis_mask: int = 0, shrink_axis_mask: int = 0,
                  var=None, name: str | None = None) -> Tensor:
    """``tf.strided_slice``; strides default to ones. ``var`` (TF1's hook for sliced
    assignment) is accepted for signature compatibility."""
    if strides is None:
        strides = array_ops.ones_like(begin)
    attrs = {"begin_mask": begin_mask, "end_mask": end_mask, "ellipsis_mask": ellipsis_mask,
             "new_axis_mask": new_axis_mask, "shrink_axis_mask": shrink_axis_mask}
    return apply_op("StridedSlice", [input_, begin, end, strides], attrs, name=name)


def strided_slice_grad(shape, begin, end, strides, dy, name: str | None = None,
                       **masks: int) -> Tensor:
    """The StridedSliceGrad op: ``dy`` scattered into zeros of ``shape`` (masks as attrs)."""
    return apply_op("StridedSliceGrad", [shape, begin, end, strides, dy], masks, name=name)


_SLICE_TYPE_ERROR = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                     "scalar tf.int32/tf.int64 tensors are valid indices")
_INDEX_DTYPES = (dtypes.int16, dtypes.int32, dtypes.int64)


def _check_index(idx) -> Any:
    """A valid scalar index (Python int for ints and Dimensions), else TF's TypeError."""
    if isinstance(idx, numbers.Integral):
        return int(idx)
    if isinstance(idx, Dimension):
        return idx.value
    dtype = getattr(idx, "dtype", None)
    shape = idx.shape if isinstance(idx, Tensor) else TensorShape(np.shape(idx))
    if dtype is None or dtypes.as_dtype(dtype).base_dtype not in _INDEX_DTYPES or shape.rank:
        raise TypeError(f"{_SLICE_TYPE_ERROR}, got {idx!r}")
    return idx


def _slice_part(value, default: int) -> tuple[Any, bool]:
    """(bound, masked) for one part of a Python slice; None and Dimension(None) mask it."""
    if value is None or (isinstance(value, Dimension) and value.value is None):
        return default, True
    return _check_index(value), False


def _is_bool_key(key) -> bool:
    return isinstance(key, bool) or \
        (isinstance(key, (Tensor, np.ndarray)) and dtypes.as_dtype(key.dtype) == dtypes.bool_)


def getitem(tensor: Tensor, key) -> Tensor:
    """``tensor[key]`` as TF's ``_slice_helper`` builds it: ints, slices, ``...``,
    tf.newaxis and scalar int tensors become ONE StridedSlice ("strided_slice") with
    begin/end/strides stacks and masks; a bool mask is ``boolean_mask``."""
    tensor = convert_to_tensor(tensor)
    if _is_bool_key(key):
        return boolean_mask(tensor, key)
    if not isinstance(key, (list, tuple)):
        key = [key]
    begin, end, strides = [], [], []
    masks = dict.fromkeys(_MASKS, 0)
    for i, s in enumerate(key):
        bit = 1 << i
        if isinstance(s, slice):
            for part, values, mask in ((s.start, begin, "begin_mask"),
                                       (s.stop, end, "end_mask")):
                bound, masked = _slice_part(part, 0)
                values.append(bound)
                masks[mask] |= bit * masked
            strides.append(_slice_part(s.step, 1)[0])
        elif s is Ellipsis or s is newaxis:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["ellipsis_mask" if s is Ellipsis else "new_axis_mask"] |= bit
        else:
            s = _check_index(s)
            begin.append(s)
            end.append(s + 1)
            wide = isinstance(s, Tensor) and s.dtype.base_dtype in (dtypes.int16, dtypes.int64)
            strides.append(constant(1, dtype=s.dtype.base_dtype) if wide else 1)
            masks["shrink_axis_mask"] |= bit
    with name_scope(None, "strided_slice", [tensor]) as scope:
        if begin:
            packed = [_stack(v) for v in (begin, end, strides)]
            if any(p.dtype.base_dtype == dtypes.int64 for p in packed):
                packed = [math_ops.cast(p, dtypes.int64) for p in packed]
        else:
            packed = [constant([], dtype=dtypes.int32)] * 3
        return strided_slice(tensor, *packed, **masks, name=scope)


Tensor._override_operator("__getitem__", getitem)


def boolean_mask(tensor, mask, name: str = "boolean_mask", axis=None) -> Tensor:
    """``tf.boolean_mask``: the slices of ``tensor`` (from ``axis``) where ``mask`` is true,
    built as TF does: flatten the masked dims, then GatherV2 at ``Where(mask)``."""
    tensor = convert_to_tensor(tensor)
    with tensor.graph.as_default(), tensor.graph.name_scope(name):
        mask = convert_to_tensor(mask, name="mask")
        ndims_mask = mask.shape.rank
        if ndims_mask == 0:
            raise ValueError("mask cannot be scalar.")
        if ndims_mask is None:
            raise ValueError("Number of mask dimensions must be specified, even if some "
                             "dimensions are None.  E.g. shape=[None] is ok, but shape=None "
                             "is not.")
        axis = 0 if axis is None else axis
        axis_value = _static(axis)
        x_static = tensor.shape
        if axis_value is not None:
            axis = int(axis_value)
            x_static[axis:axis + ndims_mask].assert_is_compatible_with(mask.shape)
        x_shape = array_ops.shape(tensor)
        leading_size = reduction_ops.reduce_prod(x_shape[axis:axis + ndims_mask], [0])
        tensor = array_ops.reshape(tensor, array_ops.concat(
            [x_shape[:axis], _stack([leading_size]), x_shape[axis + ndims_mask:]], 0))
        if axis_value is not None:
            first_dim = x_static[axis:axis + ndims_mask].num_elements()
            tensor.set_shape(TensorShape(x_static[:axis]).concatenate([first_dim])
                             .concatenate(x_static[axis + ndims_mask:]))
        indices = array_ops.squeeze(where(array_ops.reshape(mask, [-1])), axis=[1])
        return gather(tensor, indices, axis=axis)


# -- GatherV2 ---------------------------------------------------------------------------------

def _check_indices(indices: np.ndarray, limit: int) -> None:
    """TF's gather bounds check: the first index outside [0, limit) is an error."""
    bad = (indices < 0) | (indices >= limit)
    if bad.any():
        first = int(np.argmax(bad))
        raise errors.invalid_argument(f"indices{_position(indices.shape, first)} = {indices.flat[first]} is "
                       f"not in [0, {limit})")


def _gather_axes(params_rank: int, indices_rank: int, axis: int, batch_dims: int):
    """(axis, batch_dims) normalized and checked as GatherV2's kernel does."""
    if params_rank < 1:
        raise errors.invalid_argument("params must be at least 1 dimensional")
    if not -params_rank <= axis < params_rank:
        raise errors.invalid_argument(f"Expected axis in the range [{-params_rank}, {params_rank}), but got "
                       f"{axis}")
    axis += params_rank if axis < 0 else 0
    if not -indices_rank <= batch_dims <= indices_rank:
        raise errors.invalid_argument(f"Expected batch_dims in the range [{-indices_rank}, {indices_rank}], "
                       f"but got {batch_dims}")
    batch_dims += indices_rank if batch_dims < 0 else 0
    if batch_dims > axis:
        raise errors.invalid_argument(f"batch_dims ({batch_dims}) must be less than or equal to axis "
                       f"({axis}).")
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
            raise errors.invalid_argument(f"axis must be scalar, got shape {errors.shape_str(np.shape(axis))}")
        axis, batch_dims = _gather_axes(np.ndim(params), np.ndim(indices), int(axis),
                                        batch_dims_attr)
        for i in range(batch_dims):
            if params.shape[i] != indices.shape[i]:
                raise errors.invalid_argument(f"params.shape[{i}]: {params.shape[i]} should be equal to "
                               f"indices.shape[{i}]: {indices.shape[i]}")
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
        return IndexedSlices(values, array_ops.reshape(indices, [-1]), _shape_tensor(params))
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
    outer_batches = array_ops.range_(batch_dims)
    batch_axes = array_ops.range_(batch_dims, axis_dims)
    inner_axes = array_ops.range_(raw_ops.AddV2(x=axis_dims, y=1), values_dims)
    values = array_ops.reshape(grad, values_shape)
    transpose_dims = array_ops.concat(
        [outer_batches, _stack([axis_dims]), batch_axes, inner_axes], 0)
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
            x=array_ops.range_(constant(0, dtype=dtype), dim_value, constant(1, dtype=dtype)),
            y=accum)
        ones_after = array_ops_extra.tile(
            [1], _stack([raw_ops.Sub(x=array_ops.rank(indices), y=dim)]))
        dim_shape = array_ops.concat([array_ops_extra.tile([1], [dim - 1]),
                                      _stack([dim_value]), ones_after], 0)
        indices = raw_ops.AddV2(x=indices, y=array_ops.reshape(dim_indices, dim_shape))
    return indices


declare("GatherV2", shape=_gather_shape, make_kernel=_gather_kernel, grad=_GatherV2Grad)


def gather(params, indices, validate_indices=None, name: str | None = None, axis=None,
           batch_dims: int = 0) -> Tensor:
    """``tf.gather``: slices of ``params`` along ``axis`` (default ``batch_dims``) at
    ``indices``; ``validate_indices`` is ignored, as in TF. Variables use ``sparse_read``."""
    if axis is None:
        axis = batch_dims
    if _static(axis) != 0:
        return apply_op("GatherV2", [params, indices, axis], {"batch_dims": batch_dims},
                        name=name)
    try:  # resource variables gather rows directly (ResourceGather), as in TF
        return params.sparse_read(indices, name=name)
    except AttributeError:
        return apply_op("GatherV2", [params, indices, axis], name=name)


# -- GatherNd / ScatterNd -------------------------------------------------------------------

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
        raise errors.invalid_argument(f"index innermost dimension length must be <= params rank; saw: {k} "
                       f"vs. {np.ndim(params)}")
    flat = indices.reshape(-1, k)
    bad = _bad_row(flat, params.shape[:k])
    if bad is not None:
        raise errors.invalid_argument(f"indices{_position(outer, bad)} = [{', '.join(map(str, flat[bad]))}] "
                       f"does not index into param shape {errors.shape_str(params.shape)}")
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
    params_shape = _shape_tensor(params, indices.dtype.base_dtype)
    if indices.shape.rank == 2 and indices.shape.dims[-1] == 1:
        return [IndexedSlices(grad, array_ops.squeeze(indices, axis=-1), params_shape), None]
    return [scatter_nd(indices, grad, params_shape), None]


declare("GatherNd", shape=_gather_nd_shape, kernel=_gather_nd_kernel, grad=_GatherNdGrad)


def _scatter_nd_kernel(op, ctx):
    ignore_bad = op.attrs["bad_indices_policy"] == "IGNORE"

    def kernel(indices, updates, shape):
        shape = tuple(np.ravel(shape).tolist())
        if any(d < 0 for d in shape):
            raise errors.invalid_argument(f"shape must be non-negative, got {errors.shape_str(shape)}")
        if np.ndim(indices) < 1:
            raise errors.invalid_argument("Indices must be at least a vector")
        k, outer = indices.shape[-1], indices.shape[:-1]
        if k > len(shape):
            raise errors.invalid_argument(f"Output must have rank at least {k} (indices.shape[-1]), got shape "
                           f"{errors.shape_str(shape)}")
        if np.shape(updates) != outer + shape[k:]:
            raise errors.invalid_argument(f"updates must have shape indices.shape[:-1] + shape[indices.shape"
                           f"[-1]:] = {errors.shape_str(outer + shape[k:])}, got "
                           f"{errors.shape_str(np.shape(updates))}")
        flat = indices.reshape(-1, k)
        rows = np.reshape(updates, (-1,) + shape[k:])
        bad = _bad_row(flat, shape[:k])
        if bad is not None and not ignore_bad:
            raise errors.invalid_argument(f"indices{_position(outer, bad)} = [{', '.join(map(str, flat[bad]))}]"
                           f" does not index into shape {errors.shape_str(shape)}")
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
        rows = math_ops.cast(array_ops.range_(batch_size), indices.dtype.base_dtype)
        grid_shape = array_ops.concat(
            [_stack([batch_size]), array_ops.ones_like(indices_shape[batch_dims:])], 0)
        flat_indices = array_ops.reshape(
            indices, array_ops.concat([_stack([batch_size]), indices_shape[batch_dims:]], 0))
        row_grid = array_ops.broadcast_to(
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
        raise errors.invalid_argument(f"data.shape = {errors.shape_str(np.shape(data))} does not start with "
                       f"segment_ids.shape = {errors.shape_str(ids_shape)}")
    ids = np.ravel(segment_ids)
    tail = np.shape(data)[len(ids_shape):]
    rows = np.reshape(data, (ids.size,) + tail)
    too_big = ids >= n
    if too_big.any():
        first = int(np.argmax(too_big))
        raise errors.invalid_argument(f"segment_ids{_position(ids_shape, first)} = {ids[first]} is out of "
                       f"range [0, {n})")
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
    zero_clipped = raw_ops.Maximum(x=ids, y=array_ops.zeros_like(ids))
    gathered = gather(params, zero_clipped)
    is_positive = raw_ops.GreaterEqual(x=ids, y=grad_util.constant_like(0, ids))
    extra = gathered.shape.rank - ids.shape.rank if None not in (
        gathered.shape.rank, ids.shape.rank) else None
    if extra is not None and ids.shape.is_fully_defined():
        broadcastable = ids.shape.as_list() + [1] * extra
    else:
        extra_ones = array_ops.ones(array_ops.expand_dims(raw_ops.Sub(
            x=array_ops.rank(gathered), y=array_ops.rank(is_positive)), 0), dtype=dtypes.int32)
        broadcastable = array_ops.concat([array_ops.shape(is_positive), extra_ones], 0)
    is_positive = raw_ops.LogicalAnd(x=array_ops.reshape(is_positive, broadcastable),
                                     y=array_ops.ones_like(gathered, dtype=dtypes.bool_))
    return raw_ops.Select(condition=is_positive, t=gathered, e=array_ops.zeros_like(gathered))


def _UnsortedSegmentSumGrad(op, grad):
    return [_gather_drop_negatives(grad, op.inputs[1]), None, None]


declare("UnsortedSegmentSum", shape=_unsorted_segment_shape,
        kernel=_unsorted_segment_sum_kernel, grad=_UnsortedSegmentSumGrad)


def unsorted_segment_sum(data, segment_ids, num_segments, name: str | None = None) -> Tensor:
    """``tf.math.unsorted_segment_sum``: rows of ``data`` summed by id (negative ids dropped)."""
    return apply_op("UnsortedSegmentSum", [data, segment_ids, num_segments], name=name)


# -- Where / OneHot -----------------------------------------------------------------------------

declare("Where", shape=lambda op: [TensorShape([None, op.inputs[0].shape.rank])],
        kernel=lambda x: np.argwhere(x).astype(np.int64), not_differentiable=True)


def where(condition, x=None, y=None, name: str | None = None) -> Tensor:
    """TF1 ``tf.where``: the coordinates of true elements (Where) without x and y, else
    Select (``tf.where_v2`` broadcasts instead)."""
    if x is None and y is None:
        condition = convert_to_tensor(condition, preferred_dtype=dtypes.bool_)
        return apply_op("Where", [condition], name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return math_ops.select(condition, x, y, name=name)


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
                raise errors.invalid_argument(f"{label} must be a scalar, but got: {errors.shape_str(np.shape(v))}")
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


EXPORTS: dict[str, list[str]] = {
    "": ["strided_slice", "newaxis", "boolean_mask", "gather", "gather_nd", "scatter_nd",
         "unsorted_segment_sum", "where", "one_hot"],
    "math": ["unsorted_segment_sum"],
}
