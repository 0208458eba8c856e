"""``tf.layers`` (TF1 functional layers): thin composites over get_variable and tf.nn.

Variables and ops get TF's names (``dense/kernel``, ``dense/bias``, ``dense/MatMul``,
``conv2d/Conv2D``, ``batch_normalization/gamma``...), so checkpoints of TF1 layer models
line up.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.graph_keys import GraphKeys
from ...graph.op_builder import constant, convert_to_tensor
from ..array import array_ops
from ..framework import shape_fns
from ..math import math_ops, matmul_ops
from ..nn import conv_ops, nn_impl, pool_ops
from ..nn.batch_norm_ops import fused_batch_norm
from ..nn.bias_ops import bias_add
from ..nn.dropout_ops import dropout as nn_dropout
from ..state import init_ops
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
        outputs = conv_ops.conv2d(inputs, kernel, strides=strides4, padding=_conv_padding(padding),
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
    fmt = _data_format(data_format)
    ph, pw = _pair(pool_size, "pool_size")
    sh, sw = _pair(strides, "strides")
    ksize = [1, ph, pw, 1] if fmt == "NHWC" else [1, 1, ph, pw]
    stride4 = [1, sh, sw, 1] if fmt == "NHWC" else [1, 1, sh, sw]
    fn = pool_ops.max_pool if kind == "max" else pool_ops.avg_pool
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


# -- batch_normalization ----------------------------------------------------------------------

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
        batch = tuple(nn_impl.moments(math_ops.cast(x, param_dtype), axes))
        mean, variance = _smart_select(training, static, lambda: batch, lambda: moving)
    y = nn_impl.batch_normalization(x, bcast(mean), bcast(variance), bcast(beta),
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


EXPORTS = {"layers": ["dense", "conv2d", "max_pooling2d", "average_pooling2d", "flatten",
                      "dropout", "batch_normalization"]}
