"""MaxPool and AvgPool with their gradient ops (MaxPoolGrad, MaxPoolGradGrad, AvgPoolGrad),
and the ``tf.nn`` pooling constructors with TF1 signatures.

Kernels are ``kernels/pool``'s numpy functions bound to the op's attrs
(``kernel_attrs``). A MaxPool whose MaxPoolGrad runs in the same plan keeps where each
window's gradient goes, so the gradient kernel need not scan the input again.
MaxPoolGradGrad's OpDef comes from ``ops_nn_extra.pbtxt``.
"""
from __future__ import annotations

import weakref
from typing import Callable

from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op
from ...graph.tensor_shape import TensorShape
from ..framework import raw_ops
from ..framework.declare import declare
from ..framework.deprecation import deprecated_argument_lookup
from .conv_ops import convert_padding, get_sequence, shape_input
from .kernel_attrs import (attrs_for, declare_bound, dims_or_none, kernel_factory, keywords,
                           output_shape_fn, pick_attrs, sizes_input_shape)
from .kernels import geometry, pool as pool_kernels

EXPORTS: dict[str, list[str]] = {"nn": ["max_pool", "max_pool2d", "avg_pool", "avg_pool2d"]}


# -- shapes and gradients -------------------------------------------------------------------

_POOL_SHAPE_KEYWORDS = keywords(geometry.pool_output_shape)


def _max_pool_grad_grad_shape(op) -> list[TensorShape]:
    """The pooled shape of ``orig_input`` (``grad`` must match it), merged with
    ``orig_output``'s."""
    x = op.inputs[0].shape.merge_with(op.inputs[2].shape)
    out = geometry.pool_output_shape(dims_or_none(x), **pick_attrs(op, _POOL_SHAPE_KEYWORDS))
    return [TensorShape(out).merge_with(op.inputs[1].shape)]


def _MaxPoolGrad(op, grad):
    return [apply_op("MaxPoolGrad", [op.inputs[0], op.outputs[0], grad],
                     attrs_for(op, "MaxPoolGrad"))]


def _max_pool_grad_of(grad_op: str) -> Callable:
    """MaxPoolGrad's / MaxPoolGradGrad's gradient (TF's ``_MaxPoolGradGrad`` and
    ``_MaxPoolGradGradGrad``): ``grad_op`` routes ``grad`` by the same arg-max."""
    def grad_fn(op, grad):
        x, y = op.inputs[0], op.inputs[1]
        return [raw_ops.ZerosLike(x=x), raw_ops.ZerosLike(x=y),
                apply_op(grad_op, [x, y, grad], attrs_for(op, grad_op))]
    return grad_fn


def _AvgPoolGrad(op, grad):
    return [apply_op("AvgPoolGrad", [shape_input(op.inputs[0]), grad],
                     attrs_for(op, "AvgPoolGrad"))]


def _AvgPoolGradGrad(op, grad):
    """TF returns ``stop_gradient(orig_input_shape)`` for the int shape input: no gradient."""
    return [None, apply_op("AvgPool", [grad], attrs_for(op, "AvgPool"))]


# -- MaxPool's winners, kept for the MaxPoolGrad of the same plan --------------------------
# When a plan computes both a MaxPool and the MaxPoolGrad of exactly that pool (same input,
# its output, same attrs), the forward kernel also finds where each window's gradient will
# go (``pool_kernels.max_pool_with_winners``) and keeps it, keyed by its output array, until
# that array is freed; the gradient kernel then scatters without reading the input again.
# This is TensorFlow's oneDNN MaxPool workspace, kept out of the graph.

_POOL_ATTRS = ("ksize", "strides", "padding", "data_format", "explicit_paddings")
_winners: dict[int, tuple] = {}          # id(output) -> (output ref, input ref, winners)


def _is_grad_of(grad_op, pool_op) -> bool:
    return (grad_op.type == "MaxPoolGrad" and grad_op.inputs[0] is pool_op.inputs[0]
            and grad_op.inputs[1] is pool_op.outputs[0]
            and all(grad_op.attrs.get(a) == pool_op.attrs.get(a) for a in _POOL_ATTRS))


def _max_pool_kernel(op, ctx):
    plain = kernel_factory("MaxPool", pool_kernels.max_pool)(op, ctx)
    if not any(c in ctx.plan_ops and _is_grad_of(c, op) for c in op.outputs[0].consumers()):
        return plain
    with_winners = kernel_factory("MaxPool", pool_kernels.max_pool_with_winners)(op, ctx)

    def kernel(x):
        out, winners = with_winners(x)
        if winners is not None:
            key = id(out)
            _winners[key] = (weakref.ref(out), weakref.ref(x), winners)
            weakref.finalize(out, _winners.pop, key, None)
        return out
    return kernel


def kept_winners(orig_input, orig_output):
    """The winners the forward MaxPool kept for exactly these arrays (used once), or None."""
    kept = _winners.pop(id(orig_output), None)
    if kept is not None and kept[0]() is orig_output and kept[1]() is orig_input:
        return kept[2]
    return None


def _max_pool_grad_kernel(op, ctx):
    plain = kernel_factory("MaxPoolGrad", pool_kernels.max_pool_grad)(op, ctx)
    from_winners = kernel_factory("MaxPoolGrad", pool_kernels.max_pool_grad_from_winners)(op, ctx)

    def kernel(orig_input, orig_output, grad):
        winners = kept_winners(orig_input, orig_output)
        if winners is not None:
            dx = from_winners(winners, grad)
            if dx is not None:
                return dx
        return plain(orig_input, orig_output, grad)
    return kernel


declare("MaxPool", shape=output_shape_fn(geometry.pool_output_shape),
        make_kernel=_max_pool_kernel, grad=_MaxPoolGrad)
declare("MaxPoolGrad", shape=lambda op: [op.inputs[0].shape.with_rank(4)],
        make_kernel=_max_pool_grad_kernel, grad=_max_pool_grad_of("MaxPoolGradGrad"))
declare_bound("MaxPoolGradGrad", pool_kernels.max_pool_grad_grad, _max_pool_grad_grad_shape,
              _max_pool_grad_of("MaxPoolGrad"))
declare_bound("AvgPool", pool_kernels.avg_pool, output_shape_fn(geometry.pool_output_shape),
              _AvgPoolGrad)
declare_bound("AvgPoolGrad", pool_kernels.avg_pool_grad, sizes_input_shape(0), _AvgPoolGradGrad)


# -- constructors (TF1 signatures) ----------------------------------------------------------

def _max_pool(value, ksize, strides, padding, data_format, name, default_name) -> Tensor:
    with name_scope(name, default_name, [value]) as scope:
        data_format = data_format or "NHWC"
        channel_index = 1 if data_format.startswith("NC") else 3
        ksize = get_sequence(ksize, 2, channel_index, "ksize")
        strides = get_sequence(strides, 2, channel_index, "strides")
        padding, explicit = convert_padding(padding)
        if any(v == 0 for v in ksize):
            raise ValueError(f"`ksize` cannot be zero. Received: ksize={ksize}")
        return apply_op("MaxPool", [value], {
            "ksize": ksize, "strides": strides, "padding": padding,
            "explicit_paddings": explicit, "data_format": data_format}, name=scope)


def max_pool(value, ksize, strides, padding, data_format: str = "NHWC",
             name: str | None = None, input=None) -> Tensor:
    """``tf.nn.max_pool`` (TF1): ksize/strides may be 1, 2 or 4 values."""
    value = deprecated_argument_lookup("input", input, "value", value)
    return _max_pool(value, ksize, strides, padding, data_format, name, "MaxPool")


def max_pool2d(input, ksize, strides, padding, data_format: str = "NHWC",
               name: str | None = None) -> Tensor:
    """``tf.nn.max_pool2d``: ``max_pool`` with TF2's argument name and op name."""
    return _max_pool(input, ksize, strides, padding, data_format, name, "MaxPool2d")


def avg_pool(value, ksize, strides, padding, data_format: str = "NHWC",
             name: str | None = None, input=None) -> Tensor:
    """``tf.nn.avg_pool`` (TF1; also ``tf.nn.avg_pool2d``): SAME windows average only
    their valid cells."""
    with name_scope(name, "AvgPool", [value]) as scope:
        value = deprecated_argument_lookup("input", input, "value", value)
        data_format = data_format or "NHWC"
        channel_index = 1 if data_format.startswith("NC") else 3
        return apply_op("AvgPool", [value], {
            "ksize": get_sequence(ksize, 2, channel_index, "ksize"),
            "strides": get_sequence(strides, 2, channel_index, "strides"),
            "padding": padding, "data_format": data_format}, name=scope)


avg_pool2d = avg_pool
