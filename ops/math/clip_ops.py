"""Clipping: the ClipByValue op, and TF1's clipping composites (``tf.clip_by_value``,
``clip_by_norm``, ``global_norm``, ``clip_by_global_norm``) built as TF's ``clip_ops.py``
builds them, IndexedSlices gradients included.

ClipByValue's kernel is TF's ``max(min(t, hi), lo)``; ``tf.clip_by_value`` builds Minimum
then Maximum instead of the op, as TF does.
"""
from __future__ import annotations

import numpy as np

from ...graph import errors
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.indexed_slices import IndexedSlices
from ...graph.op_builder import apply_op, constant, convert_to_tensor
from ...graph.tensor_shape import TensorShape
from ..array import array_ops, fill_ops
from ..framework import grad_util, raw_ops
from ..framework.declare import declare
from . import math_ops, reduction_ops


def _clip_shape(op) -> list[TensorShape]:
    t = op.inputs[0].shape
    for bound in op.inputs[1:]:
        s = bound.shape
        if s.rank not in (None, 0) and not s.is_compatible_with(t):
            raise ValueError(f"clip_value_min and clip_value_max must be either of the same "
                             f"shape as input, or a scalar. input shape: {t}, got {s}")
    return [t]


def _clip_kernel(t, lo, hi):
    shape = np.shape(t)
    if any(np.ndim(b) and np.shape(b) != shape for b in (lo, hi)):
        raise errors.invalid_argument(
            "clip_value_min and clip_value_max must be either of the same shape as input, or a "
            f"scalar. input shape: {errors.shape_str(shape)}clip_value_min shape: "
            f"{errors.shape_str(np.shape(lo))}clip_value_max shape: "
            f"{errors.shape_str(np.shape(hi))}")
    return np.maximum(np.minimum(t, hi), lo)


def _ClipByValueGrad(op, grad):
    """Passes the gradient where ``t`` is within bounds, else routes it to the bound hit."""
    x, lo, hi = op.inputs
    zeros = raw_ops.ZerosLike(x=convert_to_tensor(grad))
    below, above = math_ops.less(x, lo), math_ops.greater(x, hi)
    xgrad = math_ops.select(math_ops.logical_or(below, above), zeros, grad)
    gx, glo = grad_util.unbroadcast_pair(xgrad, math_ops.select(below, grad, zeros), x, lo)
    _, ghi = grad_util.unbroadcast_pair(xgrad, math_ops.select(above, grad, zeros), x, hi)
    return [gx, glo, ghi]


declare("ClipByValue", shape=_clip_shape, kernel=_clip_kernel, grad=_ClipByValueGrad)


# -- composites (no op types of their own) ----------------------------------------------------

def _dense_values(t, label: str) -> Tensor | None:
    """A tensor's (or IndexedSlices') values as a Tensor; None stays None."""
    if t is None:
        return None
    return convert_to_tensor(t.values if isinstance(t, IndexedSlices) else t, name=label)


def _like_input(t, clipped: Tensor):
    """Re-wraps ``clipped`` values as IndexedSlices when the input was sparse."""
    if isinstance(t, IndexedSlices):
        return IndexedSlices(clipped, t.indices, t.dense_shape)
    return clipped


def clip_by_value(t, clip_value_min, clip_value_max, name: str | None = None):
    """``tf.clip_by_value``: Minimum then Maximum, as TF builds it (not the ClipByValue op)."""
    with name_scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as scope:
        values = _dense_values(t, "t")
        t_min = math_ops.minimum(values, clip_value_max)
        values.shape.assert_is_compatible_with(t_min.shape)
        t_max = math_ops.maximum(t_min, clip_value_min, name=scope)
        values.shape.assert_is_compatible_with(t_max.shape)
    return _like_input(t, t_max)


def clip_by_norm(t, clip_norm, axes=None, name: str | None = None):
    """``tf.clip_by_norm``: scales ``t`` so its L2 norm over ``axes`` is at most clip_norm."""
    with name_scope(name, "clip_by_norm", [t, clip_norm]) as scope:
        values = _dense_values(t, "t")
        if np.isscalar(clip_norm):
            clip_norm = max(clip_norm, 0)
        else:
            clip_norm = math_ops.cast(math_ops.maximum(clip_norm, 0), values.dtype)
        l2sum = reduction_ops.reduce_sum(values * values, axes, keepdims=True)
        pred = l2sum > 0
        l2sum_safe = math_ops.select(pred, l2sum, fill_ops.ones_like(l2sum))
        l2norm = math_ops.select(pred, math_ops.sqrt(l2sum_safe), l2sum)
        intermediate = values * clip_norm
        values.shape.assert_is_compatible_with(intermediate.shape)
        clipped = array_ops.identity(intermediate / math_ops.maximum(l2norm, clip_norm), name=scope)
    return _like_input(t, clipped)


def _check_sequence(t_list) -> list:
    if isinstance(t_list, (str, bytes)) or not isinstance(t_list, (list, tuple)):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    return list(t_list)


def global_norm(t_list, name: str | None = None) -> Tensor:
    """``tf.global_norm``: sqrt of the sum of squares of every tensor (None entries skipped)."""
    t_list = _check_sequence(t_list)
    with name_scope(name, "global_norm", t_list):
        values = [_dense_values(t, f"t_{i}") for i, t in enumerate(t_list)]
        half_squared_norms = []
        for v in values:
            if v is not None:
                with v.graph.colocate_with(v.op):
                    half_squared_norms.append(apply_op("L2Loss", [v]))
        half_squared_norm = reduction_ops.reduce_sum(array_ops.stack(half_squared_norms))
        return math_ops.sqrt(half_squared_norm * constant(2.0, dtype=half_squared_norm.dtype),
                             name="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name: str | None = None) -> tuple:
    """``tf.clip_by_global_norm``: (tensors scaled by clip_norm / max(global_norm, clip_norm),
    global_norm); None entries stay None and a non-finite norm gives NaN, as in TF."""
    t_list = _check_sequence(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list, name)
    with name_scope(name, "clip_by_global_norm", t_list + [clip_norm]) as scope:
        scale_for_finite = clip_norm * math_ops.minimum(
            1.0 / use_norm, constant(1.0, dtype=use_norm.dtype) / clip_norm)
        scale = scale_for_finite + (use_norm - use_norm)
        values = [_dense_values(t, f"t_{i}") for i, t in enumerate(t_list)]
        clipped = []
        for i, v in enumerate(values):
            if v is None:
                clipped.append(None)
                continue
            with v.graph.colocate_with(v.op):
                clipped.append(array_ops.identity(v * math_ops.cast(scale, v.dtype),
                                                  name=f"{scope}_{i}"))
    return [None if c is None else _like_input(t, c) for c, t in zip(clipped, t_list)], use_norm


def clip_by_average_norm(t, clip_norm, name: str | None = None) -> Tensor:
    """TF1's ``tf.clip_by_average_norm``: ``t * clip_norm / max(l2norm(t) / size(t),
    clip_norm)``, so the average L2 norm per element is at most ``clip_norm``."""
    with name_scope(name, "clip_by_average_norm", [t, clip_norm]) as scope:
        t = convert_to_tensor(t, name="t")
        n_element = math_ops.cast(array_ops.size(t), t.dtype.base_dtype)
        l2norm_inv = math_ops.rsqrt(reduction_ops.reduce_sum(math_ops.multiply(t, t)))
        scale = math_ops.minimum(math_ops.multiply(l2norm_inv, n_element),
                                 math_ops.truediv(constant(1.0), clip_norm))
        return array_ops.identity(math_ops.multiply(math_ops.multiply(t, clip_norm), scale),
                                  name=scope)


EXPORTS = {"": ["clip_by_average_norm", "clip_by_global_norm", "clip_by_norm",
                "clip_by_value", "global_norm"]}
