"""Evenly spaced sequences: Range and LinSpace (``tf.range``, ``tf.linspace``), and
``tf.sequence_mask`` built on them.

The kernels follow TensorFlow's exactly: Range's element count rule and
``start + i * delta`` values, LinSpace's ``start + step * i`` with an exact last value.
Small Ranges with static inputs are constants for shape inference.
"""
from __future__ import annotations

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, convert_to_tensor
from ...graph.tensor_shape import TensorShape
from . import array_ops, fill_ops
from ..framework.declare import declare
from ..framework.shape_fns import constant_value, input_values
from ..math import math_ops, reduction_ops


def _scalar_input(value, label: str, allow_vector: bool):
    """The scalar in ``value``; Range also accepts a 1-element vector, as TF does."""
    if np.ndim(value) == 0 or (allow_vector and np.shape(value) == (1,)):
        return np.asarray(value).reshape(())[()]
    raise errors.invalid_argument(
        f"{label} must be a scalar, not shape {errors.shape_str(np.shape(value))}")


def _range_size(start, limit, delta) -> tuple[int, str | None]:
    """TF's element count: ceil(|limit - start| / |delta|), computed in the input type."""
    if delta == 0:
        return 0, f"Requires delta != 0: {delta}"
    if delta > 0 and start > limit:
        return 0, f"Requires start <= limit when delta > 0: {start}/{limit}"
    if delta < 0 and start < limit:
        return 0, f"Requires start >= limit when delta < 0: {start}/{limit}"
    if np.asarray(start).dtype.kind in "iu":
        span, step = abs(int(limit) - int(start)), abs(int(delta))
        return -(-span // step), None
    return int(np.ceil(np.abs((limit - start) / delta))), None


def _range_shape(op) -> list[TensorShape]:
    values = [constant_value(t) for t in op.inputs]
    if any(v is None for v in values) or any(np.size(v) != 1 for v in values):
        return [TensorShape([None])]
    size, message = _range_size(*(np.asarray(v).reshape(())[()] for v in values))
    if message:
        raise ValueError(message)
    return [TensorShape([size])]


def _range_kernel(start, limit, delta):
    start = _scalar_input(start, "start", True)
    limit = _scalar_input(limit, "limit", True)
    delta = _scalar_input(delta, "delta", True)
    size, message = _range_size(start, limit, delta)
    if message:
        raise errors.invalid_argument(message)
    return start + np.arange(size, dtype=np.asarray(start).dtype) * delta


def _range_value(op):
    values = input_values(op)
    return None if values is None else np.arange(*values, dtype=op.attrs["Tidx"].np_dtype)


declare("Range", shape=_range_shape, kernel=_range_kernel, not_differentiable=True,
        constant_value=_range_value)


def range_(start, limit=None, delta=1, dtype=None, name: str = "range") -> Tensor:
    """``tf.range``: ``[start, limit)`` in steps of ``delta`` (one argument is the limit);
    the dtype is the widest of the tensor arguments', else int32 or float32; every
    argument is cast to it, as in TF."""
    if limit is None:
        start, limit = 0, start
    tensors = [start, limit, delta]
    if dtype is None:
        kinds = [t.dtype for t in tensors if isinstance(t, Tensor)]
        if not kinds:
            floats = any(isinstance(v, float) or np.asarray(v).dtype.kind == "f" for v in tensors)
            dtype = dtypes.float32 if floats else dtypes.int32
        else:
            order = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]
            dtype = max(kinds, key=lambda d: order.index(d) if d in order else 0)
    tensors = [math_ops.cast(v, dtype) if isinstance(v, Tensor) else
               convert_to_tensor(v, dtype=dtype) for v in tensors]
    return apply_op("Range", tensors, name=name)


def _lin_space_shape(op) -> list[TensorShape]:
    num = constant_value(op.inputs[2])
    if num is None or np.size(num) != 1:
        return [TensorShape([None])]
    num = int(np.ravel(num)[0])
    if num <= 0:
        raise ValueError(f"Requires num > 0: {num}")
    return [TensorShape([num])]


def _lin_space_kernel(start, stop, num):
    start = _scalar_input(start, "start", False)
    stop = _scalar_input(stop, "stop", False)
    num = int(_scalar_input(num, "num", False))
    if num <= 0:
        raise errors.invalid_argument(f"Requires num > 0: {num}")
    dtype = np.asarray(start).dtype
    if num == 1:
        return np.full([1], start, dtype=dtype)
    step = (stop - start) / dtype.type(num - 1)
    values = start + step * np.arange(num, dtype=dtype)
    values[-1] = stop
    return values


declare("LinSpace", shape=_lin_space_shape, kernel=_lin_space_kernel, not_differentiable=True)


def linspace(start, stop, num, name: str | None = None, axis=0) -> Tensor:
    """``tf.linspace`` / ``tf.lin_space``: ``num`` evenly spaced values from start to stop
    (last = stop). Integer bounds give float64 values, as TF divides them; scalar (or
    unknown-rank) bounds are one LinSpace op, N-D bounds space out along ``axis`` (TF's
    ``linspace_nd``)."""
    with name_scope(name, "linspace", [start, stop]) as scope:
        start = convert_to_tensor(start, name="start")
        stop = convert_to_tensor(stop, name="stop", dtype=start.dtype)
        if start.dtype.is_integer:
            start, stop = (math_ops.cast(t, dtypes.float64) for t in (start, stop))
        if not start.shape.rank and not stop.shape.rank:     # scalars (or unknown rank)
            return apply_op("LinSpace", [start, stop, num], name=scope)
        return _linspace_nd(start, stop, num, axis, scope)


def _linspace_nd(start: Tensor, stop: Tensor, num, axis, name: str) -> Tensor:
    """TF's ``linspace_nd`` for broadcast N-D bounds: start, the interior steps, then stop,
    concatenated along ``axis`` and sliced to ``num`` entries."""
    shape = fill_ops.broadcast_dynamic_shape(array_ops.shape(start), array_ops.shape(stop))
    start = array_ops.expand_dims(fill_ops.broadcast_to(start, shape), axis)
    stop = array_ops.expand_dims(fill_ops.broadcast_to(stop, shape), axis)
    shape = array_ops.shape(start)
    ndims = array_ops.size(shape)
    axis = convert_to_tensor(axis, dtype=dtypes.int32)
    axis = math_ops.select_v2(axis >= 0, axis, ndims + axis)
    num = convert_to_tensor(num, dtype=dtypes.int32)
    steps = math_ops.maximum(num - 1, 1)
    delta = (stop - start) / math_ops.cast(steps, start.dtype)
    interior = math_ops.cast(range_(1, math_ops.select_v2(num >= 0, steps, -1),
                                    dtype=dtypes.int64), delta.dtype)
    interior_shape = math_ops.select_v2(math_ops.equal(axis, range_(ndims)),
                                        math_ops.maximum(num - 2, 0), 1)
    values = start + delta * array_ops.reshape(interior, interior_shape)
    joined = array_ops.concat([start, values, stop], axis)
    size = array_ops.concat([shape[:axis], array_ops.reshape(num, [1]), shape[axis + 1:]], 0)
    return array_ops.slice(joined, fill_ops.zeros_like(shape), size, name=name)


lin_space = linspace


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool_, name: str | None = None) -> Tensor:
    """``mask[i, j] = j < lengths[i]`` with ``maxlen`` columns (default: max(lengths))."""
    with name_scope(name, "SequenceMask", [lengths]):
        lengths = convert_to_tensor(lengths)
        if maxlen is None:
            maxlen = reduction_ops.reduce_max(lengths)
        maxlen = math_ops.cast(convert_to_tensor(maxlen), lengths.dtype)
        row = range_(0, maxlen, 1, dtype=lengths.dtype)
        mask = math_ops.less(row, array_ops.expand_dims(lengths, -1))
        return mask if dtypes.as_dtype(dtype) == dtypes.bool_ else math_ops.cast(mask, dtype)


EXPORTS = {"": ["linspace", "lin_space", "range", "sequence_mask"]}
