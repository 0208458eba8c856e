"""TF's ``nn_impl`` composites (no op types of their own): ``tf.nn.l2_normalize``,
``moments`` and ``batch_normalization``, and ``conv2d_transpose`` and ``xw_plus_b``, each
built from existing ops in TensorFlow's op order.
"""
from __future__ import annotations

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import convert_to_tensor
from ..array import array_ops
from ..framework.deprecation import deprecated_argument_lookup
from ..math import math_ops, matmul_ops, reduction_ops
from .bias_ops import bias_add
from .conv_ops import conv2d_backprop_input


def l2_normalize(x, axis=None, epsilon: float = 1e-12, name: str | None = None, dim=None):
    """``tf.nn.l2_normalize``: x / sqrt(max(sum(x**2, axis), epsilon))."""
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'")
    axis = dim if axis is None else axis
    with name_scope(name, "l2_normalize", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        square_sum = reduction_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        x_inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, x_inv_norm, name=scope)


def moments(x, axes, shift=None, name: str | None = None, keep_dims=None, keepdims=None):
    """TF1 ``tf.nn.moments``: mean and (biased) variance over ``axes``; float16 is
    accumulated in float32. ``shift`` is accepted and unused, as in TF."""
    keep = bool(deprecated_argument_lookup("keepdims", keepdims, "keep_dims", keep_dims))
    with name_scope(name, "moments", [x, axes]):
        x = convert_to_tensor(x)
        y = math_ops.cast(x, dtypes.float32) if x.dtype == dtypes.float16 else x
        mean = reduction_ops.reduce_mean(y, axes, keepdims=True, name="mean")
        variance = reduction_ops.reduce_mean(
            math_ops.squared_difference(y, array_ops.stop_gradient(mean)), axes,
            keepdims=True, name="variance")
        if not keep:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        if x.dtype == dtypes.float16:
            return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon,
                        name: str | None = None) -> Tensor:
    """``tf.nn.batch_normalization``: (x - mean) * scale / sqrt(variance + eps) + offset,
    in TF's op order (x * inv + (offset - mean * inv))."""
    with name_scope(name, "batchnorm", [x, mean, variance, scale, offset]):
        x = convert_to_tensor(x)
        inv = math_ops.rsqrt(variance + variance_epsilon)
        if scale is not None:
            inv = inv * scale
        shift = offset - mean * inv if offset is not None else -mean * inv
        return x * math_ops.cast(inv, x.dtype) + math_ops.cast(shift, x.dtype)


def conv2d_transpose(value, filter=None, output_shape=None, strides=None,  # noqa: A002
                     padding: str = "SAME", data_format: str = "NHWC", name: str | None = None,
                     input=None, filters=None, dilations=None) -> Tensor:  # noqa: A002
    """``tf.nn.conv2d_transpose``: the gradient of conv2d w.r.t. its input (TF builds it so)."""
    value = input if value is None else value
    filter = filters if filter is None else filter
    with name_scope(name, "conv2d_transpose", [value, filter]) as scope:
        return conv2d_backprop_input(output_shape, filter, value, strides, padding,
                                     data_format=data_format,
                                     dilations=dilations or [1, 1, 1, 1], name=scope)


def xw_plus_b(x, weights, biases, name: str | None = None) -> Tensor:
    """``tf.nn.xw_plus_b``: ``matmul(x, weights) + biases`` (a MatMul and a BiasAdd)."""
    with name_scope(name, "xw_plus_b", [x, weights, biases]) as scope:
        return bias_add(matmul_ops.matmul(x, weights), biases, name=scope)


EXPORTS = {
    "nn": ["batch_normalization", "conv2d_transpose", "l2_normalize", "moments", "xw_plus_b"],
    "math": ["l2_normalize"],
}
