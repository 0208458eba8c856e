"""Tensors made to a shape: Fill, ZerosLike/OnesLike and ``tf.zeros``/``tf.ones``, and
broadcasting (BroadcastTo, BroadcastArgs, BroadcastGradientArgs).

Small statically known fills are constants for shape inference (``constant_value``);
BroadcastGradientArgs is the helper op TF's binary-op gradients reduce with.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, constant, convert_to_tensor
from ...graph.tensor_shape import TensorShape, as_shape
from ..framework import grad_util, raw_ops, shape_fns
from ..framework.declare import declare
from ..framework.shape_fns import constant_value, shape_from_tensor
from . import array_ops

# -- Fill / zeros / ones ------------------------------------------------------------------


def _fill_kernel(dims, value):
    dims = [int(d) for d in np.ravel(dims)]
    if any(d < 0 for d in dims):
        raise errors.InvalidArgumentError(None, None, f"dims must be non-negative, got {dims}")
    if np.ndim(value) != 0:
        raise errors.InvalidArgumentError(None, None, f"value must be a scalar, got shape "
                                                      f"{list(np.shape(value))}")
    return np.full(dims, value, dtype=np.asarray(value).dtype)


def _fill_value(op):
    dims, value = constant_value(op.inputs[0]), constant_value(op.inputs[1])
    if dims is None or value is None or np.prod(dims) > shape_fns.SMALL_VALUE_ELEMENTS:
        return None
    return np.full(dims, value)


declare("Fill", shape=lambda op: [shape_from_tensor(op.inputs[0])], kernel=_fill_kernel,
        grad=lambda op, g: [None, grad_util.reduce_sum_all(g)], constant_value=_fill_value)


def _zeros_like(x):
    """Zeros of x's shape and dtype; variant values (TensorLists) zero their elements."""
    zeros = getattr(x, "zeros_like", None)
    return zeros() if zeros is not None and not isinstance(x, np.ndarray) else np.zeros_like(x)


def _filled_like_value(fill):
    def value(op):
        x = op.inputs[0]
        n = x.shape.num_elements()
        if n is None or n > shape_fns.SMALL_VALUE_ELEMENTS:
            return None
        return fill(x.shape.as_list(), dtype=x.dtype.base_dtype.np_dtype)
    return value


declare("ZerosLike", shape=shape_fns.unchanged, kernel=_zeros_like, not_differentiable=True,
        constant_value=_filled_like_value(np.zeros))
declare("OnesLike", shape=shape_fns.unchanged, kernel=np.ones_like, not_differentiable=True,
        constant_value=_filled_like_value(np.ones))


def fill(dims, value, name: str | None = None) -> Tensor:
    return apply_op("Fill", [dims, value], name=name)


def _filled(shape: Any, dtype, value, default_name: str, name: str | None) -> Tensor:
    """``tf.zeros``/``tf.ones``: a Const when the shape is a static list of fewer than 1000
    elements, else a Fill of the shape as a tensor (a list holding tensors is packed, a
    scalar becomes a vector), as TF builds them."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, default_name, [shape]) as scope:
        if isinstance(shape, TensorShape):
            shape = shape.as_list()
        if not isinstance(shape, Tensor):
            dims = _static_dims(shape)
            if dims is not None and math.prod(dims) < 1000:
                return constant(np.full(dims, value, dtype=dtype.np_dtype), dtype=dtype,
                                name=scope)
            shape = convert_to_tensor(shape if dims is None else dims, dtype=dtypes.int32)
        if shape.shape.rank == 0:
            shape = array_ops.reshape(shape, [-1])
        return fill(shape, constant(value, dtype=dtype), name=scope)


def _static_dims(shape: Any) -> list[int] | None:
    """The ints of a shape given as an int or a (nested) list of Python/numpy ints, or None
    when it holds tensors."""
    try:
        dims = np.asarray(shape)
    except (TypeError, ValueError, NotImplementedError):
        return None
    if dims.dtype.kind not in "iu":
        return None
    return [int(d) for d in np.ravel(dims)]


def zeros(shape, dtype=dtypes.float32, name: str | None = None) -> Tensor:
    """``tf.zeros``: a tensor of ``shape`` (a list, TensorShape or shape tensor) of zeros."""
    zero = {dtypes.bool_: False, dtypes.string: b""}.get(dtypes.as_dtype(dtype).base_dtype, 0)
    return _filled(shape, dtype, zero, "zeros", name)


def ones(shape, dtype=dtypes.float32, name: str | None = None) -> Tensor:
    """``tf.ones``: a tensor of ``shape`` (a list, TensorShape or shape tensor) of ones."""
    return _filled(shape, dtype, True if dtypes.as_dtype(dtype) == dtypes.bool_ else 1,
                   "ones", name)


def zeros_like(tensor, dtype=None, name: str | None = None, optimize: bool = True) -> Tensor:
    tensor = convert_to_tensor(tensor)
    if dtype is not None and dtypes.as_dtype(dtype) != tensor.dtype.base_dtype:
        return zeros(array_ops.shape(tensor), dtype=dtype, name=name)
    return apply_op("ZerosLike", [tensor], name=name)


def ones_like(tensor, dtype=None, name: str | None = None, optimize: bool = True) -> Tensor:
    tensor = convert_to_tensor(tensor)
    if dtype is not None and dtypes.as_dtype(dtype) != tensor.dtype.base_dtype:
        return ones(array_ops.shape(tensor), dtype=dtype, name=name)
    return apply_op("OnesLike", [tensor], name=name)


# -- BroadcastGradientArgs -----------------------------------------------------------------

def _broadcast_gradient_args_kernel(s0, s1):
    for i, s in enumerate((s0, s1)):
        if np.ndim(s) != 1:
            raise errors.invalid_argument(
                f"In[{i}] must be a vector.{errors.shape_str(np.shape(s))}")
    s0, s1 = [int(d) for d in s0], [int(d) for d in s1]
    n = max(len(s0), len(s1))
    p0, p1 = [1] * (n - len(s0)) + s0, [1] * (n - len(s1)) + s1
    r0, r1 = [], []
    for i, (a, b) in enumerate(zip(p0, p1)):
        if a == b:
            if a == 1:
                r0.append(i)
                r1.append(i)
            continue
        if a == 1:
            r0.append(i)
        elif b == 1:
            r1.append(i)
        else:
            raise errors.InvalidArgumentError(
                None, None, f"Incompatible shapes: {s0} vs. {s1}")
    return np.array(r0, dtype=np.int32), np.array(r1, dtype=np.int32)


declare("BroadcastGradientArgs", shape=lambda op: [TensorShape([None])] * 2,
        kernel=_broadcast_gradient_args_kernel, not_differentiable=True)


def broadcast_gradient_args(s0, s1, name: str | None = None) -> list:
    return apply_op("BroadcastGradientArgs", [s0, s1], name=name)


# -- BroadcastTo / BroadcastArgs ------------------------------------------------------------

def _broadcast_to_shape(op):
    """The target shape; where the input has a dim above 1 the output dim is that dim
    (broadcasting only stretches 1s), as TF merges them."""
    target = shape_from_tensor(op.inputs[1])
    x = op.inputs[0].shape
    if target.rank is None or x.rank is None:
        return [target]
    if x.rank > target.rank:
        raise ValueError(f"Rank of input ({x.rank}) must be no greater than rank of output "
                         f"shape ({target.rank}).")
    shape_fns.broadcast_shapes(x, target)
    dims = target.dims
    for i, d in enumerate(x.dims[::-1]):
        if d is not None and d > 1:
            dims[-1 - i] = d
    return [TensorShape(dims)]


def _broadcast_to_kernel(x, shape_):
    shape_ = tuple(int(d) for d in np.ravel(shape_))
    try:
        return np.broadcast_to(x, shape_)
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, f"Unable to broadcast tensor of shape {list(np.shape(x))} to tensor "
                        f"of shape {list(shape_)}") from None


def _BroadcastToGrad(op, grad):
    x = op.inputs[0]
    if x.shape.is_fully_defined() and grad.shape.is_fully_defined():
        return [grad_util.reduce_to(grad, x), None]
    sx = array_ops.shape(x)
    rx, _ = broadcast_gradient_args(sx, op.inputs[1])
    summed = raw_ops.Sum(input=convert_to_tensor(grad), reduction_indices=rx)
    return [array_ops.reshape(summed, sx), None]


declare("BroadcastTo", shape=_broadcast_to_shape, kernel=_broadcast_to_kernel,
        grad=_BroadcastToGrad)


def _broadcast_args_kernel(s0, s1):
    try:
        out = np.broadcast_shapes(tuple(int(d) for d in s0), tuple(int(d) for d in s1))
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, f"Incompatible shapes: {list(s0)} vs. {list(s1)}") from None
    return np.array(out, dtype=np.asarray(s0).dtype)


declare("BroadcastArgs", shape=lambda op: [TensorShape([None])], kernel=_broadcast_args_kernel,
        not_differentiable=True)


def broadcast_to(input, shape, name: str | None = None) -> Tensor:
    return apply_op("BroadcastTo", [input, shape], name=name)


def broadcast_dynamic_shape(shape_x, shape_y) -> Tensor:
    return apply_op("BroadcastArgs", [shape_x, shape_y])


def broadcast_static_shape(shape_x, shape_y) -> TensorShape:
    return shape_fns.broadcast_shapes(as_shape(shape_x), as_shape(shape_y))


# -- meshgrid ------------------------------------------------------------------------------

def meshgrid(*args, **kwargs) -> list:
    """``tf.meshgrid(*args, indexing="xy", name="meshgrid")``: N-D coordinate grids of the
    1-D ``args`` (``xy``: the first two axes swapped, as numpy's)."""
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        raise TypeError(f"'{next(iter(kwargs))}' is an invalid keyword argument for this "
                        "function")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got "
                         f"'{indexing}'")
    with name_scope(name, "meshgrid", args):
        ndim = len(args)
        if not ndim:
            return []
        ones_shape = (1,) * ndim
        output = [array_ops.reshape(array_ops.stack(x) if isinstance(x, (list, tuple)) else x,
                                    ones_shape[:i] + (-1,) + ones_shape[i + 1:])
                  for i, x in enumerate(args)]
        shapes = [array_ops.size(x) for x in args]
        dtype = convert_to_tensor(args[0]).dtype.base_dtype
        if indexing == "xy" and ndim > 1:
            output[0] = array_ops.reshape(output[0], (1, -1) + (1,) * (ndim - 2))
            output[1] = array_ops.reshape(output[1], (-1, 1) + (1,) * (ndim - 2))
            shapes[0], shapes[1] = shapes[1], shapes[0]
        grid_ones = ones(shapes, dtype)
        return [x * grid_ones for x in output]


EXPORTS = {"": ["broadcast_dynamic_shape", "broadcast_static_shape", "broadcast_to", "fill",
                "meshgrid", "ones", "ones_like", "zeros", "zeros_like"]}
