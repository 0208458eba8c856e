"""Convolution, pooling and fused batch norm, with TF's gradient helper ops.

Conv2D (+ Conv2DBackpropInput/Filter), DepthwiseConv2dNative (+ its backprops), MaxPool,
MaxPoolGrad, MaxPoolGradGrad, AvgPool, AvgPoolGrad, FusedBatchNormV3 and
FusedBatchNormGradV3. Kernels are ``nn_kernels``' numpy functions bound to the op's attrs
once per plan (attr names are the kernels' keyword names); their ValueErrors become
InvalidArgumentError. Gradients follow TF's ``nn_grad.py`` and
``nn_fused_batch_norm_grad.py``. TF's OpDefs for the helpers outside ``ops.pbtxt`` (the
depthwise backprops and MaxPoolGradGrad) load from ``ops_nn_extra.pbtxt``.
``tf.layers.batch_normalization`` lives here too: it is a composite over FusedBatchNormV3.
"""
from __future__ import annotations

import inspect
import weakref
from typing import Any, Callable

import numpy as np

from ...graph import dtypes, errors, op_registry
from ...graph.core import Tensor
from ...graph.autodiff.gradients_impl import gradients
from ...graph.graph import name_scope
from ...graph.graph_keys import GraphKeys
from ...graph.op_builder import apply_op, constant, convert_to_tensor
from ...graph.tensor_shape import Dimension, TensorShape
from ..array import array_ops, array_ops_extra
from ..state import init_ops
from ..math import math_ops, reduction_ops
from .kernels import conv as nn_kernels, geometry, norm as nn_kernels_norm, pool as nn_kernels_pool
from . import nn_ops
from ..framework import shape_fns
from ..framework.deprecation import deprecated_argument_lookup
from ..framework.declare import declare, load_op_defs
from ..state.variable_scope import get_variable, variable_scope

EXPORTS: dict[str, list[str]] = {
    "nn": ["conv2d", "conv2d_backprop_input", "conv2d_backprop_filter", "depthwise_conv2d",
           "depthwise_conv2d_native", "depthwise_conv2d_native_backprop_input",
           "depthwise_conv2d_native_backprop_filter", "depthwise_conv2d_backprop_input",
           "depthwise_conv2d_backprop_filter", "max_pool", "max_pool2d", "avg_pool",
           "avg_pool2d", "fused_batch_norm"],
    "layers": ["batch_normalization"],
}


load_op_defs("ops_nn_extra.pbtxt")  # TensorFlow's OpDefs for ops outside ops.pbtxt


# -- binding nn_kernels functions to ops ----------------------------------------------------

def _keywords(fn: Callable) -> frozenset:
    return frozenset(inspect.signature(fn).parameters)


def _pick(op, names: frozenset) -> dict:
    """The op's attrs whose names ``names`` contains."""
    return {k: v for k, v in op.attrs.items() if k in names}


def _kernel(op_type: str, fn: Callable) -> Callable:
    """make_kernel for an nn_kernels function: binds the op's attrs by name, once per plan.

    Every non-type attr (but the ignored ``use_cudnn_on_gpu``) must be a keyword of ``fn``,
    so a renamed kernel argument fails at import instead of silently taking its default.
    """
    names = _keywords(fn)
    attrs = {a.name for a in op_registry.get_op_def(op_type).attr if a.type != "type"}
    missing = attrs - names - {"use_cudnn_on_gpu"}
    if missing:
        raise TypeError(f"{fn.__name__} takes no keyword for {op_type}'s attrs {sorted(missing)}")

    def make_kernel(op, ctx):
        attrs = _pick(op, names)

        def kernel(*inputs, **extra):
            try:
                return fn(*inputs, **attrs, **extra)
            except ValueError as e:
                raise errors.InvalidArgumentError(None, None, str(e)) from None
        return kernel
    return make_kernel


def fused_conv2d_bias_relu_kernel(op, ctx) -> Callable:
    """Kernel ``(input, filter, bias) -> max(conv2d + bias, 0)`` for a Conv2D op whose bias
    add and Relu the plan fused (``session.remapper``); the epilogue runs on each piece of
    the convolution's output while it is in cache."""
    conv = _kernel("Conv2D", nn_kernels.conv2d)(op, ctx)

    def kernel(x, w, bias):
        return conv(x, w, epilogue=nn_ops.bias_relu_epilogue(bias))
    return kernel


def _declare(op_type: str, kernel_fn: Callable, shape: Callable, grad: Callable) -> None:
    """Declares ``op_type`` with ``kernel_fn`` (an nn_kernels-style function) as kernel."""
    declare(op_type, shape=shape, make_kernel=_kernel(op_type, kernel_fn), grad=grad)


def _dims(shape: TensorShape) -> list | None:
    return None if shape.rank is None else shape.as_list()


def _windowed_shape(helper: Callable) -> Callable:
    """Shape fn from an nn_kernels static helper taking the input dims and the attrs."""
    names = _keywords(helper)
    return lambda op: [TensorShape(helper(*[_dims(t.shape) for t in op.inputs],
                                          **_pick(op, names)))]


def _sizes_shape(index: int) -> Callable:
    """Shape fn: the 4-D shape the int vector input ``index`` holds."""
    return lambda op: [shape_fns.shape_from_tensor(op.inputs[index]).with_rank(4)]


def _backprop_input_shape(op) -> list[TensorShape]:
    """``input_sizes`` holds 4 dims, or the 2 spatial ones (batch and depth come from
    ``out_backprop`` and the filter, as the kernel takes them)."""
    sizes = shape_fns.shape_from_tensor(op.inputs[0])
    if sizes.rank != 2:
        return [sizes.with_rank(4)]
    fmt = op.attrs["data_format"]
    out_backprop = op.inputs[2].shape.with_rank(4)
    n = out_backprop[0]
    c = op.inputs[1].shape.with_rank(4)[2]
    h, w = sizes.dims
    return [TensorShape([n, h, w, c] if fmt == "NHWC" else [n, c, h, w])]


def _attrs_for(op, op_type: str) -> dict:
    """``op``'s attrs that ``op_type``'s OpDef also has (its type attrs are inferred)."""
    return {a.name: op.attrs[a.name] for a in op_registry.get_op_def(op_type).attr
            if a.type != "type" and a.name in op.attrs}


# -- Conv2D and its backprops ---------------------------------------------------------------

def _input_shapes(op) -> list:
    """Shapes of input 0 and 1: constants when static, else TF's ShapeN."""
    x, w = op.inputs[0], op.inputs[1]
    if x.shape.is_fully_defined() and w.shape.is_fully_defined():
        return [array_ops.shape_of(x), array_ops.shape_of(w)]
    return array_ops.shape_n([x, w])


def _Conv2DGrad(op, grad):
    shape_0, shape_1 = _input_shapes(op)
    attrs = _attrs_for(op, "Conv2DBackpropInput")
    return [apply_op("Conv2DBackpropInput", [shape_0, op.inputs[1], grad], attrs),
            apply_op("Conv2DBackpropFilter", [op.inputs[0], shape_1, grad], attrs)]


def _backprop_input_grad(conv: str, backprop_filter: str) -> Callable:
    """Gradient of a conv's input backprop (TF's ``_Conv2DBackpropInputGrad``)."""
    def grad_fn(op, grad):
        sizes, w, dy = op.inputs
        attrs = _attrs_for(op, conv)
        return [None,
                apply_op(backprop_filter, [grad, array_ops.shape_of(w), dy], attrs),
                apply_op(conv, [grad, w], attrs)]
    return grad_fn


def _backprop_filter_grad(conv: str, backprop_input: str) -> Callable:
    """Gradient of a conv's filter backprop (TF's ``_Conv2DBackpropFilterGrad``)."""
    def grad_fn(op, grad):
        x, sizes, dy = op.inputs
        attrs = _attrs_for(op, conv)
        return [apply_op(backprop_input, [array_ops.shape_of(x), grad, dy], attrs),
                None,
                apply_op(conv, [x, grad], attrs)]
    return grad_fn


_declare("Conv2D", nn_kernels.conv2d, _windowed_shape(geometry.conv2d_output_shape),
         _Conv2DGrad)
_declare("Conv2DBackpropInput", nn_kernels.conv2d_backprop_input, _backprop_input_shape,
         _backprop_input_grad("Conv2D", "Conv2DBackpropFilter"))
_declare("Conv2DBackpropFilter", nn_kernels.conv2d_backprop_filter, _sizes_shape(1),
         _backprop_filter_grad("Conv2D", "Conv2DBackpropInput"))


# -- DepthwiseConv2dNative and its backprops ------------------------------------------------

def _DepthwiseConv2dNativeGrad(op, grad):
    x, w = op.inputs
    attrs = _attrs_for(op, "DepthwiseConv2dNativeBackpropInput")
    return [apply_op("DepthwiseConv2dNativeBackpropInput", [array_ops.shape_of(x), w, grad],
                     attrs),
            apply_op("DepthwiseConv2dNativeBackpropFilter", [x, array_ops.shape_of(w), grad],
                     attrs)]


_declare("DepthwiseConv2dNative", nn_kernels.depthwise_conv2d_native,
         _windowed_shape(geometry.depthwise_conv2d_output_shape), _DepthwiseConv2dNativeGrad)
_declare("DepthwiseConv2dNativeBackpropInput", nn_kernels.depthwise_conv2d_native_backprop_input,
         _backprop_input_shape,
         _backprop_input_grad("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropFilter"))
_declare("DepthwiseConv2dNativeBackpropFilter",
         nn_kernels.depthwise_conv2d_native_backprop_filter, _sizes_shape(1),
         _backprop_filter_grad("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput"))


# -- pooling ----------------------------------------------------------------------------------

_POOL_SHAPE_KEYWORDS = _keywords(geometry.pool_output_shape)


def _spatial(values, data_format: str) -> tuple[int, int]:
    """(h, w) entries of a 4-element attr in ``data_format`` order."""
    return (values[1], values[2]) if data_format == "NHWC" else (values[2], values[3])


def _max_pool_grad_grad(orig_input, orig_output, grad, ksize, strides, padding,
                        data_format="NHWC"):
    """``MaxPoolGradGrad``: each output cell takes ``grad`` at its window's arg-max in
    ``orig_input``, chosen as MaxPoolGrad routes gradients (the first strict maximum in
    row-major order; padded and NaN cells never win, a window without winner gives 0)."""
    x, y, g = np.asarray(orig_input), np.asarray(orig_output), np.asarray(grad)
    out_shape = geometry.pool_output_shape(x.shape, ksize, strides, padding, data_format)
    if g.shape != x.shape or list(y.shape) != out_shape:
        raise ValueError(f"MaxPoolGradGrad: expected grad shaped like orig_input "
                         f"{list(x.shape)} and orig_output shaped {out_shape}, got grad "
                         f"{list(g.shape)} and orig_output {list(y.shape)}")
    if (ksize[3] if data_format == "NHWC" else ksize[1]) != 1:
        raise ValueError("MaxPoolGradGrad is not yet supported on the depth dimension.")
    to_nhwc = (0, 1, 2, 3) if data_format == "NHWC" else (0, 2, 3, 1)
    xn, gn = x.transpose(to_nhwc), g.transpose(to_nhwc)
    (kh, kw), (sh, sw) = _spatial(ksize, data_format), _spatial(strides, data_format)
    ho, top, bottom = geometry.windowed_output_size_and_padding(xn.shape[1], kh, sh, 1,
                                                                  padding)
    wo, left, right = geometry.windowed_output_size_and_padding(xn.shape[2], kw, sw, 1,
                                                                  padding)
    info = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
    pads = ((0, 0), (top, bottom), (left, right), (0, 0))
    xp = np.pad(xn, pads, constant_values=-np.inf if x.dtype.kind == "f" else info.min)
    gp = np.pad(gn, pads)
    best = np.full((xn.shape[0], ho, wo, xn.shape[3]), info.min, dtype=x.dtype)
    out = np.zeros(best.shape, dtype=g.dtype)
    wins = np.empty(best.shape, dtype=bool)
    for i in range(kh):
        for j in range(kw):
            taps = (slice(None), slice(i, i + (ho - 1) * sh + 1, sh),
                    slice(j, j + (wo - 1) * sw + 1, sw))
            np.greater(xp[taps], best, out=wins)
            np.copyto(best, xp[taps], where=wins)
            np.copyto(out, gp[taps], where=wins)
    return np.ascontiguousarray(out.transpose(np.argsort(to_nhwc)))


def _max_pool_grad_grad_shape(op) -> list[TensorShape]:
    """The pooled shape of ``orig_input`` (``grad`` must match it), merged with
    ``orig_output``'s."""
    x = op.inputs[0].shape.merge_with(op.inputs[2].shape)
    out = geometry.pool_output_shape(_dims(x), **_pick(op, _POOL_SHAPE_KEYWORDS))
    return [TensorShape(out).merge_with(op.inputs[1].shape)]


def _MaxPoolGrad(op, grad):
    return [apply_op("MaxPoolGrad", [op.inputs[0], op.outputs[0], grad],
                     _attrs_for(op, "MaxPoolGrad"))]


def _max_pool_grad_of(grad_op: str) -> Callable:
    """MaxPoolGrad's / MaxPoolGradGrad's gradient (TF's ``_MaxPoolGradGrad`` and
    ``_MaxPoolGradGradGrad``): ``grad_op`` routes ``grad`` by the same arg-max."""
    def grad_fn(op, grad):
        x, y = op.inputs[0], op.inputs[1]
        return [array_ops.zeros_like(x), array_ops.zeros_like(y),
                apply_op(grad_op, [x, y, grad], _attrs_for(op, grad_op))]
    return grad_fn


def _AvgPoolGrad(op, grad):
    return [apply_op("AvgPoolGrad", [array_ops.shape_of(op.inputs[0]), grad],
                     _attrs_for(op, "AvgPoolGrad"))]


def _AvgPoolGradGrad(op, grad):
    """TF returns ``stop_gradient(orig_input_shape)`` for the int shape input: no gradient."""
    return [None, apply_op("AvgPool", [grad], _attrs_for(op, "AvgPool"))]


# -- MaxPool's winners, kept for the MaxPoolGrad of the same plan --------------------------
# When a plan computes both a MaxPool and the MaxPoolGrad of exactly that pool (same input,
# its output, same attrs), the forward kernel also finds where each window's gradient will
# go (``nn_kernels_pool.max_pool_with_winners``) and keeps it, keyed by its output array, until
# that array is freed; the gradient kernel then scatters without reading the input again.
# This is TensorFlow's oneDNN MaxPool workspace, kept out of the graph.

_POOL_ATTRS = ("ksize", "strides", "padding", "data_format", "explicit_paddings")
_winners: dict[int, tuple] = {}          # id(output) -> (output ref, input ref, winners)


def _is_grad_of(grad_op, pool_op) -> bool:
    return (grad_op.type == "MaxPoolGrad" and grad_op.inputs[0] is pool_op.inputs[0]
            and grad_op.inputs[1] is pool_op.outputs[0]
            and all(grad_op.attrs.get(a) == pool_op.attrs.get(a) for a in _POOL_ATTRS))


def _max_pool_kernel(op, ctx):
    plain = _kernel("MaxPool", nn_kernels_pool.max_pool)(op, ctx)
    if not any(c in ctx.plan_ops and _is_grad_of(c, op) for c in op.outputs[0].consumers()):
        return plain
    with_winners = _kernel("MaxPool", nn_kernels_pool.max_pool_with_winners)(op, ctx)

    def kernel(x):
        out, winners = with_winners(x)
        if winners is not None:
            key = id(out)
            _winners[key] = (weakref.ref(out), weakref.ref(x), winners)
            weakref.finalize(out, _winners.pop, key, None)
        return out
    return kernel


def _kept_winners(orig_input, orig_output):
    """The winners the forward MaxPool kept for exactly these arrays (used once), or None."""
    kept = _winners.pop(id(orig_output), None)
    if kept is not None and kept[0]() is orig_output and kept[1]() is orig_input:
        return kept[2]
    return None


def _max_pool_grad_kernel(op, ctx):
    plain = _kernel("MaxPoolGrad", nn_kernels_pool.max_pool_grad)(op, ctx)
    from_winners = _kernel("MaxPoolGrad", nn_kernels_pool.max_pool_grad_from_winners)(op, ctx)

    def kernel(orig_input, orig_output, grad):
        winners = _kept_winners(orig_input, orig_output)
        if winners is not None:
            dx = from_winners(winners, grad)
            if dx is not None:
                return dx
        return plain(orig_input, orig_output, grad)
    return kernel


def fused_max_pool_relu_grad_kernel(op, ctx) -> Callable:
    """Kernel ``(orig_input, orig_output, grad) -> ReluGrad(MaxPoolGrad(...), orig_input)``
    for a MaxPoolGrad op the plan fused with that ReluGrad (``session.remapper``).  With
    the forward's winners, a window's winner holds its maximum, so the Relu mask is
    ``orig_output > 0`` and is applied to the pooled gradient before routing; otherwise
    (no winners kept, a non-finite gradient) the two kernels run as usual."""
    scan = _kernel("MaxPoolGrad", nn_kernels_pool.max_pool_grad)(op, ctx)
    from_winners = _kernel("MaxPoolGrad", nn_kernels_pool.max_pool_grad_from_winners)(op, ctx)

    def kernel(orig_input, orig_output, grad):
        winners = _kept_winners(orig_input, orig_output)
        if winners is not None:
            masked = nn_ops.relu_grad(np.asarray(grad), np.asarray(orig_output))
            dx = from_winners(winners, masked)
            if dx is not None:
                return dx
        return nn_ops.relu_grad(scan(orig_input, orig_output, grad), orig_input)
    return kernel


declare("MaxPool", shape=_windowed_shape(geometry.pool_output_shape),
        make_kernel=_max_pool_kernel, grad=_MaxPoolGrad)
declare("MaxPoolGrad", shape=lambda op: [op.inputs[0].shape.with_rank(4)],
        make_kernel=_max_pool_grad_kernel, grad=_max_pool_grad_of("MaxPoolGradGrad"))
_declare("MaxPoolGradGrad", _max_pool_grad_grad, _max_pool_grad_grad_shape,
         _max_pool_grad_of("MaxPoolGrad"))
_declare("AvgPool", nn_kernels_pool.avg_pool, _windowed_shape(geometry.pool_output_shape),
         _AvgPoolGrad)
_declare("AvgPoolGrad", nn_kernels_pool.avg_pool_grad, _sizes_shape(0), _AvgPoolGradGrad)


# -- FusedBatchNormV3 and its gradient ------------------------------------------------------

def _channel_axis(data_format: str) -> tuple[int, int]:
    """(rank, channel axis) of a batch-norm ``data_format``."""
    rank = 5 if "D" in data_format else 4
    return rank, (1 if data_format.startswith("NC") else rank - 1)


def _with_channels(x: TensorShape, data_format: str, params: list) -> tuple[TensorShape, Any]:
    """``x`` (checked for rank) with its channel dim merged with the 1-D ``params``' dims."""
    rank, axis = _channel_axis(data_format)
    dims = x.with_rank(rank).dims
    channels = Dimension(dims[axis])
    for p in params:
        channels = channels.merge_with(p.with_rank(1)[0])
    dims[axis] = channels.value
    return TensorShape(dims), channels.value


def _fused_batch_norm_shape(op) -> list[TensorShape]:
    """TF's FusedBatchNormV3Shape: mean/variance are read (checked) unless training with
    factor 1; ``reserve_space_3`` has an unknown shape."""
    a = op.attrs
    n_params = 3 if a["is_training"] and a["exponential_avg_factor"] == 1.0 else 5
    y, c = _with_channels(op.inputs[0].shape, a["data_format"],
                          [t.shape for t in op.inputs[1:n_params]])
    vector = TensorShape([c])
    return [y, vector, vector, vector, vector, shape_fns.UNKNOWN]


def _fused_batch_norm_grad_shape(op) -> list[TensorShape]:
    x = op.inputs[1].shape.merge_with(op.inputs[0].shape)
    dx, c = _with_channels(x, op.attrs["data_format"], [t.shape for t in op.inputs[2:5]])
    vector = TensorShape([c])
    return [dx, vector, vector, TensorShape([0]), TensorShape([0])]


_TO_CHANNELS_LAST = {"NCHW": [0, 2, 3, 1], "NCDHW": [0, 2, 3, 4, 1]}
_FROM_CHANNELS_LAST = {"NCHW": [0, 3, 1, 2], "NCDHW": [0, 4, 1, 2, 3]}


def _FusedBatchNormV3Grad(op, *grads):
    """TF's ``_BaseFusedBatchNormGrad``: training uses the saved batch statistics;
    inference differentiates in channels-last layout with the population statistics."""
    x, scale = op.inputs[0], op.inputs[1]
    grad_y = grads[0]
    fmt = op.attrs["data_format"]
    attrs = {k: op.attrs[k] for k in ("epsilon", "data_format", "is_training")}
    if op.attrs["is_training"]:
        stats = [op.outputs[3], op.outputs[4]]
    else:
        stats = [op.inputs[3], op.inputs[4]]
        if fmt in _TO_CHANNELS_LAST:
            x = array_ops.transpose(x, _TO_CHANNELS_LAST[fmt])
            grad_y = array_ops.transpose(grad_y, _TO_CHANNELS_LAST[fmt])
        attrs["data_format"] = "NDHWC" if "D" in fmt else "NHWC"
    dx, dscale, doffset, _, _ = apply_op(
        "FusedBatchNormGradV3", [grad_y, x, scale, *stats, op.outputs[5]], attrs)
    if not op.attrs["is_training"] and fmt in _FROM_CHANNELS_LAST:
        dx = array_ops.transpose(dx, _FROM_CHANNELS_LAST[fmt])
    return [dx, dscale, doffset, None, None]


def _batch_norm_grad(grad_y: Tensor, x: Tensor, scale: Tensor, pop_mean: Tensor,
                     pop_var: Tensor, epsilon: float, data_format: str,
                     is_training: bool) -> tuple[Tensor, Tensor, Tensor]:
    """TF's ``_BatchNormGrad``: FusedBatchNormGrad's three outputs from differentiable ops
    (half inputs computed in float32); per-channel vectors are reshaped with -1 where TF
    uses ``size(scale)``."""
    x_dtype = x.dtype.base_dtype
    if x_dtype in (dtypes.float16, dtypes.bfloat16):
        x = math_ops.cast(x, dtypes.float32)
        grad_y = math_ops.cast(grad_y, dtypes.float32)
    rank, axis = _channel_axis(data_format)
    axes = [i for i in range(rank) if i != axis]
    first = axis == 1
    bshape = [1, -1] + [1] * (rank - 2)
    if is_training:
        if first:
            scale = array_ops.reshape(scale, bshape)
        mean_grad_y = reduction_ops.reduce_mean(grad_y, axes, keepdims=first)
        mean_x = reduction_ops.reduce_mean(x, axes, keepdims=first)
        var_x = reduction_ops.reduce_mean(
            math_ops.squared_difference(x, array_ops.stop_gradient(mean_x)), axes,
            keepdims=first)
        grad_y_offset = grad_y - mean_grad_y
        x_offset = x - mean_x
        mean = reduction_ops.reduce_mean(grad_y * x_offset, axes, keepdims=first)
        grad_x = scale * math_ops.rsqrt(var_x + epsilon) * (
            grad_y_offset - math_ops.reciprocal(var_x + epsilon) * mean * x_offset)
        grad_scale = math_ops.rsqrt(var_x + epsilon) * reduction_ops.reduce_sum(
            grad_y * x_offset, axes, keepdims=first)
        if first:
            grad_scale = array_ops.squeeze(grad_scale)
    else:
        if first:
            pop_mean, pop_var, scale = (array_ops.reshape(t, bshape)
                                        for t in (pop_mean, pop_var, scale))
        var_rsqrt = math_ops.rsqrt(pop_var + epsilon)
        grad_scale = reduction_ops.reduce_sum(grad_y * (x - pop_mean) * var_rsqrt, axes)
        grad_x = grad_y * scale * var_rsqrt
    grad_offset = reduction_ops.reduce_sum(grad_y, axes)
    return math_ops.cast(grad_x, x_dtype), grad_scale, grad_offset


def _FusedBatchNormGradV3Grad(op, *grads):
    """TF's ``_FusedBatchNormGradGrad``: differentiates the composite ``_batch_norm_grad``
    w.r.t. y_backprop, x and scale. TF records the composite on a tape; here it is built on
    Identity copies of the inputs and differentiated w.r.t. those, so paths outside the
    composite (y_backprop usually depends on x) are not counted."""
    grad_y, x, scale = (array_ops.identity(t) for t in op.inputs[:3])
    outputs = _batch_norm_grad(grad_y, x, scale, op.inputs[3], op.inputs[4],
                               op.attrs["epsilon"], op.attrs["data_format"],
                               op.attrs["is_training"])
    grad_grads = gradients(list(outputs), [grad_y, x, scale], grad_ys=list(grads[:3]))
    return [*grad_grads, None, None, None]


_declare("FusedBatchNormV3", nn_kernels_norm.fused_batch_norm, _fused_batch_norm_shape,
         _FusedBatchNormV3Grad)
_declare("FusedBatchNormGradV3", nn_kernels_norm.fused_batch_norm_grad,
         _fused_batch_norm_grad_shape, _FusedBatchNormGradV3Grad)


# -- constructors (TF1 signatures) ----------------------------------------------------------

def _get_sequence(value, n: int, channel_index: int, name: str) -> list:
    """TF's ``_get_sequence``: an int or 1/n/n+2 values as the op's n+2-element attr."""
    if value is None:
        return [1] * (n + 2)
    value = [value] if isinstance(value, (int, np.integer)) else list(value)
    if len(value) == n + 2:
        return value
    if len(value) == 1:
        value = value * n
    elif len(value) != n:
        raise ValueError(f"{name} should be of length 1, {n} or {n + 2}. Received: "
                         f"{name}={value} of length {len(value)}")
    return [1, 1] + value if channel_index == 1 else [1] + value + [1]


def _convert_padding(padding) -> tuple[Any, list]:
    """TF's ``convert_padding``: a list of (before, after) pairs means EXPLICIT padding."""
    if padding == "EXPLICIT":
        raise ValueError("'EXPLICIT' is not a valid value for `padding`. To use explicit "
                         "padding, `padding` must be a list.")
    if not isinstance(padding, (list, tuple)):
        return padding, []
    explicit = []
    for i, pair in enumerate(padding):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"When `padding` is a list, each element of `padding` must be a "
                             f"list/tuple of size 2. Received: padding={padding} with "
                             f"element at index {i}: {pair!r}")
        explicit.extend(int(p) for p in pair)
    if len(padding) != 4:
        raise ValueError(f"When padding is a list, it must be of size 4. Received: "
                         f"padding={padding} of size {len(padding)}")
    return "EXPLICIT", explicit


def _conv_attrs(strides, padding, data_format, dilations) -> dict:
    padding, explicit = _convert_padding(padding)
    return {"strides": strides, "padding": padding, "explicit_paddings": explicit,
            "data_format": data_format or "NHWC", "dilations": dilations}


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu: bool = True,
           data_format: str = "NHWC", dilations=[1, 1, 1, 1], name: str | None = None,
           filters=None) -> Tensor:
    """``tf.nn.conv2d`` (TF1): strides/dilations may be 1, 2 or 4 values; ``padding`` a
    list of pairs means EXPLICIT padding."""
    filter = deprecated_argument_lookup("filters", filters, "filter", filter)
    data_format = data_format or "NHWC"
    channel_index = 1 if data_format.startswith("NC") else 3
    attrs = _conv_attrs(_get_sequence(strides, 2, channel_index, "strides"), padding,
                        data_format, _get_sequence(dilations, 2, channel_index, "dilations"))
    attrs["use_cudnn_on_gpu"] = use_cudnn_on_gpu
    return apply_op("Conv2D", [input, filter], attrs, name=name)


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None,
                          padding=None, use_cudnn_on_gpu: bool = True, data_format: str = "NHWC",
                          dilations=[1, 1, 1, 1], name: str | None = None,
                          filters=None) -> Tensor:
    filter = deprecated_argument_lookup("filters", filters, "filter", filter)
    attrs = _conv_attrs(strides, padding, data_format, dilations)
    attrs["use_cudnn_on_gpu"] = use_cudnn_on_gpu
    return apply_op("Conv2DBackpropInput", [input_sizes, filter, out_backprop], attrs, name=name)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                           use_cudnn_on_gpu: bool = True, data_format: str = "NHWC",
                           dilations=[1, 1, 1, 1], name: str | None = None) -> Tensor:
    attrs = _conv_attrs(strides, padding, data_format, dilations)
    attrs["use_cudnn_on_gpu"] = use_cudnn_on_gpu
    return apply_op("Conv2DBackpropFilter", [input, filter_sizes, out_backprop], attrs,
                    name=name)


def depthwise_conv2d_native(input, filter, strides, padding, data_format: str = "NHWC",
                            dilations=[1, 1, 1, 1], name: str | None = None) -> Tensor:
    return apply_op("DepthwiseConv2dNative", [input, filter],
                    _conv_attrs(strides, padding, data_format, dilations), name=name)


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides, padding,
                                           data_format: str = "NHWC", dilations=[1, 1, 1, 1],
                                           name: str | None = None) -> Tensor:
    return apply_op("DepthwiseConv2dNativeBackpropInput", [input_sizes, filter, out_backprop],
                    _conv_attrs(strides, padding, data_format, dilations), name=name)


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides,
                                            padding, data_format: str = "NHWC",
                                            dilations=[1, 1, 1, 1],
                                            name: str | None = None) -> Tensor:
    return apply_op("DepthwiseConv2dNativeBackpropFilter", [input, filter_sizes, out_backprop],
                    _conv_attrs(strides, padding, data_format, dilations), name=name)


depthwise_conv2d_backprop_input = depthwise_conv2d_native_backprop_input
depthwise_conv2d_backprop_filter = depthwise_conv2d_native_backprop_filter


def depthwise_conv2d(input, filter, strides, padding, rate=None, name: str | None = None,
                     data_format: str | None = None, dilations=None) -> Tensor:
    """``tf.nn.depthwise_conv2d`` (TF1). A ``rate`` > 1 becomes the op's ``dilations``
    attr (the kernel supports it) where TF wraps the op in SpaceToBatchND/BatchToSpaceND;
    the values are the same."""
    rate = deprecated_argument_lookup("dilations", dilations, "rate", rate)
    with name_scope(name, "depthwise", [input, filter]) as scope:
        input = convert_to_tensor(input, name="tensor_in")
        filter = convert_to_tensor(filter, name="filter_in")
        fmt = data_format or "NHWC"
        rate = [1, 1] if rate is None else list(rate)
        dilations = [1, 1, *rate] if fmt == "NCHW" else [1, *rate, 1]
        return depthwise_conv2d_native(input, filter, strides, padding, fmt, dilations,
                                       name=scope)


def _max_pool(value, ksize, strides, padding, data_format, name, default_name) -> Tensor:
    with name_scope(name, default_name, [value]) as scope:
        data_format = data_format or "NHWC"
        channel_index = 1 if data_format.startswith("NC") else 3
        ksize = _get_sequence(ksize, 2, channel_index, "ksize")
        strides = _get_sequence(strides, 2, channel_index, "strides")
        padding, explicit = _convert_padding(padding)
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
            "ksize": _get_sequence(ksize, 2, channel_index, "ksize"),
            "strides": _get_sequence(strides, 2, channel_index, "strides"),
            "padding": padding, "data_format": data_format}, name=scope)


avg_pool2d = avg_pool


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon: float = 0.001,
                     data_format: str = "NHWC", is_training: bool = True,
                     name: str | None = None, exponential_avg_factor: float = 1.0):
    """``tf.nn.fused_batch_norm`` (TF1): ``(y, batch_mean, batch_variance)``; in training
    the variance is the unbiased batch variance, and missing mean/variance are empty."""
    if (not is_training or exponential_avg_factor != 1.0) and (mean is None or variance is None):
        raise ValueError(f"Both `mean` and `variance` must be a 1D tensor when `is_training` "
                         f"is False or `exponential_avg_factor` != 1.0. Received: `mean` "
                         f"{mean!r} and `variance` {variance!r}")
    x = convert_to_tensor(x, name="input")
    scale = convert_to_tensor(scale, name="scale")
    offset = convert_to_tensor(offset, name="offset")
    mean = constant([]) if mean is None else mean
    variance = constant([]) if variance is None else variance
    y, batch_mean, batch_var, _, _, _ = apply_op(
        "FusedBatchNormV3", [x, scale, offset, mean, variance],
        {"epsilon": epsilon, "exponential_avg_factor": exponential_avg_factor,
         "data_format": data_format, "is_training": is_training}, name=name)
    return y, batch_mean, batch_var


# -- tf.layers.batch_normalization ------------------------------------------------------------

def _static_bool(value) -> bool | None:
    """``training`` as a Python bool when statically known (TF's ``constant_value``)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    known = shape_fns.constant_value(convert_to_tensor(value, dtype=dtypes.bool_))
    return None if known is None else bool(known)


def _smart_select(pred, static: bool | None, true_fn: Callable, false_fn: Callable):
    """TF's ``smart_cond`` without control flow, for branches returning tuples of tensors:
    the chosen branch when ``pred`` is static, else both joined elementwise by SelectV2."""
    if static is not None:
        return true_fn() if static else false_fn()
    return tuple(math_ops.select_v2(pred, a, b) for a, b in zip(true_fn(), false_fn()))


def _assign_moving_average(variable, value: Tensor, momentum) -> Tensor:
    """Keras' ``_assign_moving_average``: ``variable -= (variable - value) * (1 - momentum)``."""
    with name_scope(None, "AssignMovingAvg", [value]) as scope:
        decay = convert_to_tensor(1.0 - momentum, name="decay")
        var_dtype = variable.dtype.base_dtype
        decay = math_ops.cast(decay, var_dtype)
        delta = (variable - math_ops.cast(value, var_dtype)) * decay
        return variable.assign_sub(delta, name=scope)


def _update_momentum(momentum: float, fused: bool, training, static: bool | None):
    """The momentum keras' updates use: a Const on the fused path, the Python float on the
    other; with a tensor ``training``, 1.0 when not training (TF skips the update there)."""
    if static is None:
        return math_ops.select_v2(training, constant(momentum), constant(1.0))
    return constant(momentum) if fused else momentum


def _layer_axis(axis, rank: int) -> int:
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if len(axes) != 1:
        raise NotImplementedError("batch_normalization over several axes is not supported by "
                                  "sessionflow")
    return shape_fns.normalize_axis(int(axes[0]), rank)


def _fused_statistics(x, gamma, beta, moving_mean, moving_variance, epsilon, data_format,
                      training, static):
    """Keras' fused path: FusedBatchNormV3 on the batch (training) or the moving averages."""
    def train():
        return fused_batch_norm(x, gamma, beta, epsilon=epsilon, data_format=data_format)

    def infer():
        return fused_batch_norm(x, gamma, beta, mean=moving_mean, variance=moving_variance,
                                epsilon=epsilon, is_training=False, data_format=data_format)
    return _smart_select(training, static, train, infer)


def _nonfused_statistics(x, gamma, beta, moving_mean, moving_variance, epsilon, axis,
                         param_dtype, training, static):
    """Keras' non-fused path: ``tf.nn.moments`` (biased variance) + batch_normalization."""
    rank = x.shape.rank
    bshape = [1] * rank
    bshape[axis] = -1

    def bcast(v):
        if v is None or axis == rank - 1:
            return v
        return array_ops.reshape(math_ops.cast(v, x.dtype.base_dtype), bshape)
    moving = (convert_to_tensor(moving_mean), convert_to_tensor(moving_variance))
    if static is False:
        mean, variance = moving
    else:
        axes = [i for i in range(rank) if i != axis]
        batch = tuple(array_ops_extra.moments(math_ops.cast(x, param_dtype), axes))
        mean, variance = _smart_select(training, static, lambda: batch, lambda: moving)
    y = array_ops_extra.batch_normalization(x, bcast(mean), bcast(variance), bcast(beta),
                                            bcast(gamma), epsilon)
    return y, mean, variance


def batch_normalization(inputs, axis=-1, momentum: float = 0.99, epsilon: float = 1e-3,
                        center: bool = True, scale: bool = True,
                        beta_initializer=init_ops.Zeros(), gamma_initializer=init_ops.Ones(),
                        moving_mean_initializer=init_ops.Zeros(),
                        moving_variance_initializer=init_ops.Ones(), beta_regularizer=None,
                        gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                        training=False, trainable: bool = True, name: str | None = None,
                        reuse=None, renorm: bool = False, renorm_clipping=None,
                        renorm_momentum: float = 0.99, fused=None, virtual_batch_size=None,
                        adjustment=None) -> Tensor:
    """``tf.layers.batch_normalization`` (TF1): variables ``gamma``, ``beta``,
    ``moving_mean`` and ``moving_variance``; in training the moving averages are updated by
    ``AssignMovingAvg`` ops added to ``GraphKeys.UPDATE_OPS``. 4-D inputs normalised over
    axis 1 or 3 use FusedBatchNormV3 (its unbiased variance feeds the moving variance, as
    in TF), others ``tf.nn.moments``. A tensor ``training`` computes both modes and selects
    (TF builds a cond); in inference mode the updates then leave the averages unchanged.
    """
    if renorm or virtual_batch_size is not None or adjustment is not None:
        raise NotImplementedError("batch_normalization: renorm, virtual_batch_size and "
                                  "adjustment are not supported by sessionflow")
    x = convert_to_tensor(inputs)
    rank = x.shape.rank
    if rank is None:
        raise ValueError(f"Input has undefined rank. Received: input_shape={x.shape}.")
    axis = _layer_axis(axis, rank)
    channels = x.shape[axis]
    if channels is None:
        raise ValueError(f"Input has undefined `axis` dimension. Received input with shape "
                         f"{x.shape} and axis={axis}")
    use_fused = fused is not False and rank == 4 and axis in (1, 3)
    param_dtype = dtypes.float32 if x.dtype.base_dtype in (dtypes.float16, dtypes.bfloat16) \
        else x.dtype.base_dtype
    static = _static_bool(training)
    with variable_scope(name, default_name="batch_normalization", reuse=reuse):
        def param(var_name, initializer, enabled=True, trainable=trainable, **kwargs):
            return get_variable(var_name, [channels], param_dtype, initializer=initializer,
                                trainable=trainable, **kwargs) if enabled else None
        gamma = param("gamma", gamma_initializer, scale, regularizer=gamma_regularizer,
                      constraint=gamma_constraint)
        beta = param("beta", beta_initializer, center, regularizer=beta_regularizer,
                     constraint=beta_constraint)
        moving_mean = param("moving_mean", moving_mean_initializer, trainable=False)
        moving_variance = param("moving_variance", moving_variance_initializer, trainable=False)
        if use_fused:
            y, mean, variance = _fused_statistics(
                x, gamma if scale else constant(1.0, param_dtype, [channels]),
                beta if center else constant(0.0, param_dtype, [channels]), moving_mean,
                moving_variance, epsilon, "NHWC" if axis == 3 else "NCHW", training, static)
        else:
            y, mean, variance = _nonfused_statistics(
                x, gamma, beta, moving_mean, moving_variance, epsilon, axis, param_dtype,
                training, static)
        if static is not False:
            momentum = _update_momentum(momentum, use_fused, training, static)
            for variable, value in ((moving_mean, mean), (moving_variance, variance)):
                update = _assign_moving_average(variable, value, momentum)
                x.graph.add_to_collection(GraphKeys.UPDATE_OPS, update)
    return y
