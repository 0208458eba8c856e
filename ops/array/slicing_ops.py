"""Slicing by position or mask: StridedSlice (``Tensor.__getitem__``, ``tf.strided_slice``)
and its gradient op, ``tf.boolean_mask``, and Where (``tf.where``).

Semantics and error messages follow TensorFlow's kernels (``strided_slice_op.cc``) and the
gradient ``array_grad.py``, with constant arguments where static shapes are fully known.
One helper, ``strided_slice_index``, turns a StridedSlice spec into a numpy index and
output shape for the kernel, the gradient op and the static shape function alike.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, constant, convert_to_tensor
from ...graph.tensor_shape import Dimension, TensorShape
from . import array_ops, fill_ops
from .gather_ops import gather
from ..framework.declare import declare
from ..framework.grad_util import stack_mixed
from ..framework.shape_fns import UNKNOWN, constant_value, partial_value, shape_from_tensor
from ..math import math_ops, reduction_ops

newaxis = None
_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")
_UNKNOWN = object()     # an index entry that depends on values not known statically


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
        raise errors.invalid_argument(
            "Expected begin, end, and strides to be 1D equal size tensors, but got shapes "
            f"{errors.shape_str(np.shape(begin))}, {errors.shape_str(np.shape(end))}, and "
            f"{errors.shape_str(np.shape(strides))} instead.")
    try:
        return strided_slice_index(shape, begin.tolist(), end.tolist(), strides.tolist(),
                                   **masks)
    except ValueError as e:
        raise errors.invalid_argument(str(e)) from None


def _vector_value(t: Tensor) -> list | None:
    """A spec vector's static value (default strides are a OnesLike, whose declared
    constant value is ones)."""
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
            raise errors.invalid_argument(
                f"shape of dy was {errors.shape_str(np.shape(dy))} instead of "
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
    return [strided_slice_grad(array_ops.shape_tensor(x, index_dtype), *args, grad, **_masks(op)),
            None, None, None]


def _static_or_tensor(t: Tensor):
    value = constant_value(t)
    return t if value is None else np.asarray(value)


def _StridedSliceGradGrad(op, grad):
    begin, end, strides = op.inputs[1:4]
    return [None, None, None, None, strided_slice(grad, begin, end, strides, **_masks(op))]


def _static_index(op, shape: list) -> tuple | None:
    """The numpy index (and output shape) of ``op``'s slice of a value of ``shape`` when the
    spec is constant and valid, else None."""
    spec = [_vector_value(x) for x in op.inputs[1:4]]
    if any(v is None for v in spec):
        return None
    try:
        index, out_shape = strided_slice_index(shape, *spec, **_masks(op))
    except ValueError:
        return None
    return None if index is None else (index, out_shape)


def _strided_slice_value(op) -> Any:
    """Slices of statically known values, and of int vectors whose sliced elements are
    known (``tf.shape(x)[1]`` of a static dim)."""
    value = constant_value(op.inputs[0])
    if value is None:
        sliced = _strided_slice_elements(op)
        if sliced is None or None in (sliced if isinstance(sliced, list) else [sliced]):
            return None
        return np.array(sliced, dtype=op.inputs[0].dtype.base_dtype.np_dtype)
    found = _static_index(op, list(np.shape(value)))
    return None if found is None else np.asarray(value)[found[0]].reshape(found[1])


def _strided_slice_elements(op) -> Any:
    """The elements a constant slice of an int vector takes (one, for an int index)."""
    elements = partial_value(op.inputs[0])
    if not isinstance(elements, list):
        return None
    found = _static_index(op, [len(elements)])
    if found is None or len(found[0]) != 1:
        return None
    return elements[found[0][0]]        # an int or a slice: Python's list semantics


declare("StridedSlice", shape=_strided_slice_shape, make_kernel=_strided_slice_kernel,
        grad=_StridedSliceGrad, constant_value=_strided_slice_value,
        partial_value=_strided_slice_elements)
declare("StridedSliceGrad", shape=lambda op: [shape_from_tensor(op.inputs[0])],
        make_kernel=_strided_slice_grad_kernel, grad=_StridedSliceGradGrad)


def strided_slice(input_, begin, end, strides=None, begin_mask: int = 0, end_mask: int = 0,
                  ellipsis_mask: int = 0, new_axis_mask: int = 0, shrink_axis_mask: int = 0,
                  var=None, name: str | None = None) -> Tensor:
    """``tf.strided_slice``; strides default to ones. ``var`` (TF1's hook for sliced
    assignment) is accepted for signature compatibility."""
    if strides is None:
        strides = fill_ops.ones_like(begin)
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
            packed = [stack_mixed(v) for v in (begin, end, strides)]
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
        axis_value = array_ops.known_value(axis)
        x_static = tensor.shape
        if axis_value is not None:
            axis = int(axis_value)
            x_static[axis:axis + ndims_mask].assert_is_compatible_with(mask.shape)
        x_shape = array_ops.shape(tensor)
        leading_size = reduction_ops.reduce_prod(x_shape[axis:axis + ndims_mask], [0])
        tensor = array_ops.reshape(tensor, array_ops.concat(
            [x_shape[:axis], stack_mixed([leading_size]), x_shape[axis + ndims_mask:]], 0))
        if axis_value is not None:
            first_dim = x_static[axis:axis + ndims_mask].num_elements()
            tensor.set_shape(TensorShape(x_static[:axis]).concatenate([first_dim])
                             .concatenate(x_static[axis + ndims_mask:]))
        indices = array_ops.squeeze(where(array_ops.reshape(mask, [-1])), axis=[1])
        return gather(tensor, indices, axis=axis)


# -- Where -------------------------------------------------------------------------------------

declare("Where", shape=lambda op: [TensorShape([None, op.inputs[0].shape.rank])],
        kernel=lambda x: np.argwhere(x).astype(np.int64), not_differentiable=True)


def _where_select(select, condition, x, y, name: str | None) -> Tensor:
    """Where (the coordinates of true elements) without x and y, else ``select``."""
    if x is None and y is None:
        condition = convert_to_tensor(condition, preferred_dtype=dtypes.bool_)
        return apply_op("Where", [condition], name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return select(condition, x, y, name=name)


def where(condition, x=None, y=None, name: str | None = None) -> Tensor:
    """TF1 ``tf.where``: the coordinates of true elements (Where) without x and y, else
    Select (a vector condition picks rows)."""
    return _where_select(math_ops.select, condition, x, y, name)


def where_v2(condition, x=None, y=None, name: str | None = None) -> Tensor:
    """``tf.where_v2``: the coordinates of true elements (Where) without x and y, else
    SelectV2 (condition, x and y broadcast together)."""
    return _where_select(math_ops.select_v2, condition, x, y, name)


EXPORTS = {"": ["boolean_mask", "newaxis", "strided_slice", "where", "where_v2"]}
