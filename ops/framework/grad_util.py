"""Helpers shared by gradient rules: the one central broadcast reduction.

``unbroadcast(grad, x, y)`` reduces a gradient of a broadcasting binary op back to each
input's shape. With static shapes it emits at most a Sum and a Reshape with constant
arguments; otherwise TF's ``Shape → BroadcastGradientArgs → Sum → Reshape`` chain.
"""
from __future__ import annotations

from ...graph.core import Tensor
from ..array import array_ops
from ..math import reduction_ops


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
    summed = reduction_ops.reduce_sum(grad, axes) if axes else grad
    return array_ops.reshape(summed, xs)


def unbroadcast(grad: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """``grad`` (shaped like the broadcast of x and y) reduced to x's and y's shapes."""
    return unbroadcast_pair(grad, grad, x, y)


def unbroadcast_pair(gx: Tensor, gy: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Like ``unbroadcast`` but with separate (broadcast-shaped) gradients for x and y."""
    static = all(t.shape.is_fully_defined() for t in (gx, gy, x, y))
    if static:
        return reduce_to(gx, x), reduce_to(gy, y)
    sx, sy = array_ops.shape(x), array_ops.shape(y)
    rx, ry = array_ops.broadcast_gradient_args(sx, sy)
    return (array_ops.reshape(reduction_ops.reduce_sum(gx, rx), sx),
            array_ops.reshape(reduction_ops.reduce_sum(gy, ry), sy))
