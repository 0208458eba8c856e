"""Graph-building helpers shared by gradient rules (and a few constructors).

``unbroadcast(grad, x, y)`` is the one central broadcast reduction: it reduces a gradient
of a broadcasting binary op back to each input's shape, emitting at most a Sum and a
Reshape with constant arguments when shapes are static, else TF's ``Shape →
BroadcastGradientArgs → Sum → Reshape`` chain. The other helpers are the small pieces
rules of every family need. All of them build through the raw op constructors, so using
them never makes one op family import another.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import constant, convert_to_tensor
from . import raw_ops


def constant_like(value: Any, like: Tensor) -> Tensor:
    """A scalar constant of ``like``'s dtype (what TF's gradient code builds inline)."""
    return convert_to_tensor(np.asarray(value, dtype=like.dtype.base_dtype.np_dtype))


def cast(x: Tensor, dtype: dtypes.DType) -> Tensor:
    """``tf.cast`` of a tensor: no op at all when the dtype already matches, as in TF."""
    dtype = dtypes.as_dtype(dtype)
    return x if x.dtype.base_dtype == dtype else raw_ops.Cast(x=x, DstT=dtype)


def all_axes(x: Tensor):
    """The axes argument of a reduction over every axis of ``x``: a constant when the rank
    is known, else ``Range(0, Rank(x), 1)`` (as ``tf.reduce_sum(x)`` builds it)."""
    if x.shape.rank is not None:
        return np.arange(x.shape.rank, dtype=np.int32)
    rank = raw_ops.Rank(input=x)
    return raw_ops.Range(start=constant(0, dtype=dtypes.int32), limit=rank,
                         delta=constant(1, dtype=dtypes.int32), name="range")


def reduce_sum_all(x) -> Tensor:
    """``tf.reduce_sum(x)``: the sum of every element."""
    x = convert_to_tensor(x)
    return raw_ops.Sum(input=x, reduction_indices=all_axes(x))


def stack_mixed(values: list, name: str = "stack") -> Tensor:
    """TF's ``stack`` of Python ints and scalar tensors: a Const when no element is a tensor,
    else a Pack whose Python elements become Consts ``<name>/<i>`` (TF's autopacking)."""
    tensors = [v for v in values if isinstance(v, Tensor)]
    if not tensors:
        return constant(values, name=name)
    dtype = tensors[0].dtype.base_dtype
    with name_scope(None, name, tensors) as scope:
        elems = [v if isinstance(v, Tensor) else constant(v, dtype=dtype, name=str(i))
                 for i, v in enumerate(values)]
        return raw_ops.Pack(values=elems, axis=0, name=scope)


def _static_reduction_axes(x_dims: list, out_dims: list) -> list[int]:
    """Axes of ``out`` summed to get back to ``x``'s shape (both fully known)."""
    lead = len(out_dims) - len(x_dims)
    axes = list(range(lead))
    for i, d in enumerate(x_dims):
        if d == 1 and out_dims[lead + i] != 1:
            axes.append(lead + i)
    return axes


def reduce_to(grad: Tensor, x: Tensor) -> Tensor:
    """Static-shape reduction of ``grad`` to ``x``'s (fully known) shape."""
    xs, gs = x.shape.as_list(), grad.shape.as_list()
    if xs == gs:
        return grad
    axes = _static_reduction_axes(xs, gs)
    summed = raw_ops.Sum(input=convert_to_tensor(grad), reduction_indices=axes) if axes \
        else grad
    return raw_ops.Reshape(tensor=summed, shape=xs)


def unbroadcast(grad: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """``grad`` (shaped like the broadcast of x and y) reduced to x's and y's shapes."""
    return unbroadcast_pair(grad, grad, x, y)


def unbroadcast_pair(gx: Tensor, gy: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Like ``unbroadcast`` but with separate (broadcast-shaped) gradients for x and y."""
    static = all(t.shape.is_fully_defined() for t in (gx, gy, x, y))
    if static:
        return reduce_to(gx, x), reduce_to(gy, y)
    sx, sy = raw_ops.Shape(input=x), raw_ops.Shape(input=y)
    rx, ry = raw_ops.BroadcastGradientArgs(s0=sx, s1=sy)
    return (raw_ops.Reshape(tensor=raw_ops.Sum(input=convert_to_tensor(gx), reduction_indices=rx),
                            shape=sx),
            raw_ops.Reshape(tensor=raw_ops.Sum(input=convert_to_tensor(gy), reduction_indices=ry),
                            shape=sy))
