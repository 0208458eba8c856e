"""``tf.layers`` (TF1 functional layers): thin composites over get_variable and tf.nn.

Variables and ops get TF's names (``dense/kernel``, ``dense/bias``, ``dense/MatMul``,
``conv2d/Conv2D``...), so checkpoints of TF1 layer models line up.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.graph_keys import GraphKeys
from ...graph.op_builder import convert_to_tensor
from ..array import array_ops
from ..state import init_ops
from ..math import math_ops, matmul_ops
from ..state.variable_scope import get_variable, variable_scope


def _pair(value: Any, name: str) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"The `{name}` argument must be a tuple of 2 integers. Received: {value}")
    return value


def _apply_activation(x: Tensor, activation: Any) -> Tensor:
    return activation(x) if activation is not None else x


def dense(inputs, units: int, activation=None, use_bias: bool = True, kernel_initializer=None,
          bias_initializer=init_ops.Zeros(), kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
          trainable: bool = True, name: str | None = None, reuse: Any = None) -> Tensor:
    """A fully connected layer: ``activation(inputs @ kernel + bias)``."""
    inputs = convert_to_tensor(inputs)
    in_dim = inputs.shape[-1] if inputs.shape.rank else None
    if in_dim is None:
        raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                         "Found `None`.")
    with variable_scope(name, default_name="dense", reuse=reuse):
        kernel = get_variable("kernel", [in_dim, units], dtype=inputs.dtype.base_dtype,
                              initializer=kernel_initializer, regularizer=kernel_regularizer,
                              trainable=trainable, constraint=kernel_constraint)
        if inputs.shape.rank == 2:
            outputs = matmul_ops.matmul(inputs, kernel)
        else:
            flat = array_ops.reshape(inputs, [-1, in_dim])
            outputs = matmul_ops.matmul(flat, kernel)
            out_shape = array_ops.concat([array_ops.shape(inputs)[:-1], [units]], 0)
            outputs = array_ops.reshape(outputs, out_shape)
        if use_bias:
            bias = get_variable("bias", [units], dtype=inputs.dtype.base_dtype,
                                initializer=bias_initializer, regularizer=bias_regularizer,
                                trainable=trainable, constraint=bias_constraint)
            from ..nn.nn_activation_ops import bias_add
            outputs = bias_add(outputs, bias)
        outputs = _apply_activation(outputs, activation)
        _activity_regularize(outputs, activity_regularizer)
    return outputs


def _activity_regularize(outputs: Tensor, regularizer: Any) -> None:
    if regularizer is not None:
        outputs.graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, regularizer(outputs))


def _conv_padding(padding: str) -> str:
    padding = padding.upper()
    if padding not in ("VALID", "SAME"):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. "
                         f"Received: {padding.lower()}")
    return padding


def _data_format(data_format: str) -> str:
    if data_format == "channels_last":
        return "NHWC"
    if data_format == "channels_first":
        return "NCHW"
    raise ValueError(f"The `data_format` argument must be one of 'channels_first', "
                     f"'channels_last'. Received: {data_format}")


def conv2d(inputs, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
           data_format: str = "channels_last", dilation_rate=(1, 1), activation=None,
           use_bias: bool = True, kernel_initializer=None, bias_initializer=init_ops.Zeros(),
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable: bool = True,
           name: str | None = None, reuse: Any = None) -> Tensor:
    """A 2-D convolution layer with a ``[kh, kw, in, filters]`` kernel and a bias."""
    from ..nn.nn_activation_ops import bias_add
    from ..nn.nn_conv_ops import conv2d as nn_conv2d
    inputs = convert_to_tensor(inputs)
    fmt = _data_format(data_format)
    channels = inputs.shape[-1 if fmt == "NHWC" else 1] if inputs.shape.rank else None
    if channels is None:
        raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(strides, "strides")
    dh, dw = _pair(dilation_rate, "dilation_rate")
    with variable_scope(name, default_name="conv2d", reuse=reuse):
        kernel = get_variable("kernel", [kh, kw, channels, filters],
                              dtype=inputs.dtype.base_dtype, initializer=kernel_initializer,
                              regularizer=kernel_regularizer, trainable=trainable,
                              constraint=kernel_constraint)
        strides4 = [1, sh, sw, 1] if fmt == "NHWC" else [1, 1, sh, sw]
        dilations4 = [1, dh, dw, 1] if fmt == "NHWC" else [1, 1, dh, dw]
        outputs = nn_conv2d(inputs, kernel, strides=strides4, padding=_conv_padding(padding),
                            data_format=fmt, dilations=dilations4, name="Conv2D")
        if use_bias:
            bias = get_variable("bias", [filters], dtype=inputs.dtype.base_dtype,
                                initializer=bias_initializer, regularizer=bias_regularizer,
                                trainable=trainable, constraint=bias_constraint)
            outputs = bias_add(outputs, bias, data_format=fmt)
        outputs = _apply_activation(outputs, activation)
        _activity_regularize(outputs, activity_regularizer)
    return outputs


def _pooling(kind: str, inputs, pool_size, strides, padding: str, data_format: str,
             name: str | None) -> Tensor:
    from ..nn import nn_conv_ops
    fmt = _data_format(data_format)
    ph, pw = _pair(pool_size, "pool_size")
    sh, sw = _pair(strides, "strides")
    ksize = [1, ph, pw, 1] if fmt == "NHWC" else [1, 1, ph, pw]
    stride4 = [1, sh, sw, 1] if fmt == "NHWC" else [1, 1, sh, sw]
    fn = nn_conv_ops.max_pool if kind == "max" else nn_conv_ops.avg_pool
    default = "max_pooling2d" if kind == "max" else "average_pooling2d"
    graph = convert_to_tensor(inputs).graph
    with graph.name_scope(name or default):
        return fn(inputs, ksize, stride4, _conv_padding(padding), data_format=fmt,
                  name="MaxPool" if kind == "max" else "AvgPool")


def max_pooling2d(inputs, pool_size, strides, padding: str = "valid",
                  data_format: str = "channels_last", name: str | None = None) -> Tensor:
    return _pooling("max", inputs, pool_size, strides, padding, data_format, name)


def average_pooling2d(inputs, pool_size, strides, padding: str = "valid",
                      data_format: str = "channels_last", name: str | None = None) -> Tensor:
    return _pooling("avg", inputs, pool_size, strides, padding, data_format, name)


def flatten(inputs, name: str | None = None, data_format: str = "channels_last") -> Tensor:
    """Collapses all but the batch dimension (channels-first input is transposed first)."""
    inputs = convert_to_tensor(inputs)
    graph = inputs.graph
    with graph.name_scope(name or "flatten"):
        if data_format == "channels_first" and inputs.shape.rank and inputs.shape.rank > 2:
            perm = [0] + list(range(2, inputs.shape.rank)) + [1]
            inputs = array_ops.transpose(inputs, perm)
        rest = inputs.shape.as_list()[1:] if inputs.shape.rank is not None else None
        if rest is not None and None not in rest:
            return array_ops.reshape(inputs, [-1, int(np.prod(rest)) if rest else 1])
        return array_ops.reshape(inputs, array_ops.stack([array_ops.shape(inputs)[0], -1]))


def dropout(inputs, rate: float = 0.5, noise_shape=None, seed: int | None = None,
            training: Any = False, name: str | None = None) -> Tensor:
    """Dropout at ``rate`` when ``training`` (a Python bool or a bool tensor)."""
    from ..nn.nn_activation_ops import dropout as nn_dropout
    inputs = convert_to_tensor(inputs)
    graph = inputs.graph
    with graph.name_scope(name or "dropout"):
        if isinstance(training, bool):
            if not training:
                return array_ops.identity(inputs)
            return nn_dropout(inputs, noise_shape=noise_shape, seed=seed, rate=rate)
        training = convert_to_tensor(training, dtype=dtypes.bool_)
        dropped = nn_dropout(inputs, noise_shape=noise_shape, seed=seed, rate=rate)
        return math_ops.select_v2(training, dropped, inputs)


EXPORTS = {"layers": ["dense", "conv2d", "max_pooling2d", "average_pooling2d", "flatten",
                      "dropout"]}
