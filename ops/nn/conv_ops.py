"""Conv2D and DepthwiseConv2dNative with their input and filter backprops (TF's gradient
helper ops, each differentiable again as in ``nn_grad.py``), and the ``tf.nn`` constructors
with TF1 signatures.

Kernels are ``kernels/conv``'s numpy functions bound to the op's attrs
(``kernel_attrs``); the depthwise backprops' OpDefs come from ``ops_nn_extra.pbtxt``.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, convert_to_tensor
from ...graph.tensor_shape import TensorShape
from ..framework import raw_ops, shape_fns
from ..framework.deprecation import deprecated_argument_lookup
from .kernel_attrs import attrs_for, declare_bound, output_shape_fn, sizes_input_shape
from .kernels import conv as conv_kernels, geometry

EXPORTS: dict[str, list[str]] = {
    "nn": ["conv2d", "conv2d_backprop_input", "conv2d_backprop_filter", "depthwise_conv2d",
           "depthwise_conv2d_native", "depthwise_conv2d_native_backprop_input",
           "depthwise_conv2d_native_backprop_filter", "depthwise_conv2d_backprop_input",
           "depthwise_conv2d_backprop_filter"],
}


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


# -- Conv2D and its backprops ---------------------------------------------------------------

def shape_input(x: Tensor) -> list | Tensor:
    """``x``'s shape as the shape input of a gradient op: a constant list when static,
    else a Shape op."""
    if x.shape.is_fully_defined():
        return x.shape.as_list()
    return raw_ops.Shape(input=x)


def _input_shapes(op) -> list:
    """Shapes of input 0 and 1: constants when static, else TF's ShapeN."""
    x, w = op.inputs[0], op.inputs[1]
    if x.shape.is_fully_defined() and w.shape.is_fully_defined():
        return [shape_input(x), shape_input(w)]
    return raw_ops.ShapeN(input=[x, w])


def _Conv2DGrad(op, grad):
    shape_0, shape_1 = _input_shapes(op)
    attrs = attrs_for(op, "Conv2DBackpropInput")
    return [apply_op("Conv2DBackpropInput", [shape_0, op.inputs[1], grad], attrs),
            apply_op("Conv2DBackpropFilter", [op.inputs[0], shape_1, grad], attrs)]


def _backprop_input_grad(conv: str, backprop_filter: str) -> Callable:
    """Gradient of a conv's input backprop (TF's ``_Conv2DBackpropInputGrad``)."""
    def grad_fn(op, grad):
        sizes, w, dy = op.inputs
        attrs = attrs_for(op, conv)
        return [None,
                apply_op(backprop_filter, [grad, shape_input(w), dy], attrs),
                apply_op(conv, [grad, w], attrs)]
    return grad_fn


def _backprop_filter_grad(conv: str, backprop_input: str) -> Callable:
    """Gradient of a conv's filter backprop (TF's ``_Conv2DBackpropFilterGrad``)."""
    def grad_fn(op, grad):
        x, sizes, dy = op.inputs
        attrs = attrs_for(op, conv)
        return [apply_op(backprop_input, [shape_input(x), grad, dy], attrs),
                None,
                apply_op(conv, [x, grad], attrs)]
    return grad_fn


declare_bound("Conv2D", conv_kernels.conv2d, output_shape_fn(geometry.conv2d_output_shape),
              _Conv2DGrad)
declare_bound("Conv2DBackpropInput", conv_kernels.conv2d_backprop_input, _backprop_input_shape,
              _backprop_input_grad("Conv2D", "Conv2DBackpropFilter"))
declare_bound("Conv2DBackpropFilter", conv_kernels.conv2d_backprop_filter, sizes_input_shape(1),
              _backprop_filter_grad("Conv2D", "Conv2DBackpropInput"))


# -- DepthwiseConv2dNative and its backprops ------------------------------------------------

def _DepthwiseConv2dNativeGrad(op, grad):
    x, w = op.inputs
    attrs = attrs_for(op, "DepthwiseConv2dNativeBackpropInput")
    return [apply_op("DepthwiseConv2dNativeBackpropInput", [shape_input(x), w, grad],
                     attrs),
            apply_op("DepthwiseConv2dNativeBackpropFilter", [x, shape_input(w), grad],
                     attrs)]


declare_bound("DepthwiseConv2dNative", conv_kernels.depthwise_conv2d_native,
              output_shape_fn(geometry.depthwise_conv2d_output_shape),
              _DepthwiseConv2dNativeGrad)
declare_bound("DepthwiseConv2dNativeBackpropInput",
              conv_kernels.depthwise_conv2d_native_backprop_input, _backprop_input_shape,
              _backprop_input_grad("DepthwiseConv2dNative",
                                   "DepthwiseConv2dNativeBackpropFilter"))
declare_bound("DepthwiseConv2dNativeBackpropFilter",
              conv_kernels.depthwise_conv2d_native_backprop_filter, sizes_input_shape(1),
              _backprop_filter_grad("DepthwiseConv2dNative",
                                    "DepthwiseConv2dNativeBackpropInput"))


# -- constructors (TF1 signatures) ----------------------------------------------------------

def get_sequence(value, n: int, channel_index: int, name: str) -> list:
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


def convert_padding(padding) -> tuple[Any, list]:
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
    padding, explicit = convert_padding(padding)
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
    attrs = _conv_attrs(get_sequence(strides, 2, channel_index, "strides"), padding,
                        data_format, get_sequence(dilations, 2, channel_index, "dilations"))
    attrs["use_cudnn_on_gpu"] = use_cudnn_on_gpu
    return apply_op("Conv2D", [input, filter], attrs, name=name)


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None,
                          padding=None, use_cudnn_on_gpu: bool = True, data_format: str = "NHWC",
                          dilations=[1, 1, 1, 1], name: str | None = None,
                          filters=None) -> Tensor:
    """``tf.nn.conv2d_backprop_input``: the gradient of conv2d w.r.t. its input."""
    filter = deprecated_argument_lookup("filters", filters, "filter", filter)
    attrs = _conv_attrs(strides, padding, data_format, dilations)
    attrs["use_cudnn_on_gpu"] = use_cudnn_on_gpu
    return apply_op("Conv2DBackpropInput", [input_sizes, filter, out_backprop], attrs, name=name)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                           use_cudnn_on_gpu: bool = True, data_format: str = "NHWC",
                           dilations=[1, 1, 1, 1], name: str | None = None) -> Tensor:
    """``tf.nn.conv2d_backprop_filter``: the gradient of conv2d w.r.t. its filter."""
    attrs = _conv_attrs(strides, padding, data_format, dilations)
    attrs["use_cudnn_on_gpu"] = use_cudnn_on_gpu
    return apply_op("Conv2DBackpropFilter", [input, filter_sizes, out_backprop], attrs,
                    name=name)


def depthwise_conv2d_native(input, filter, strides, padding, data_format: str = "NHWC",
                            dilations=[1, 1, 1, 1], name: str | None = None) -> Tensor:
    """``tf.nn.depthwise_conv2d_native``: filter ``[kh, kw, in, multiplier]``."""
    return apply_op("DepthwiseConv2dNative", [input, filter],
                    _conv_attrs(strides, padding, data_format, dilations), name=name)


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides, padding,
                                           data_format: str = "NHWC", dilations=[1, 1, 1, 1],
                                           name: str | None = None) -> Tensor:
    """The gradient of depthwise_conv2d_native w.r.t. its input."""
    return apply_op("DepthwiseConv2dNativeBackpropInput", [input_sizes, filter, out_backprop],
                    _conv_attrs(strides, padding, data_format, dilations), name=name)


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides,
                                            padding, data_format: str = "NHWC",
                                            dilations=[1, 1, 1, 1],
                                            name: str | None = None) -> Tensor:
    """The gradient of depthwise_conv2d_native w.r.t. its filter."""
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
