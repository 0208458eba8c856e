"""Activations, LogSoftmax, softmax cross entropy, BiasAdd and L2Loss; the ``tf.nn``
composites built on them (dropout, sigmoid cross entropy) and TF1's ``tf.losses``.

Kernels follow TF's (``relu_op_functor.h``, ``xent_op.cc``, ``sparse_xent_op.cc``,
``bias_op.cc``) and gradients follow ``nn_grad.py``, so backward graphs carry TF's helper
ops (``EluGrad``, ``BiasAddGrad``, ...). Relu, ReluGrad and Softmax live in ``nn_ops``.
Composites name their ops as TF does, including the op named after its own scope
(``logistic_loss/`` names the final op ``logistic_loss``).
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, convert_to_tensor
from ...graph.tensor_shape import TensorShape, as_shape
from ..array import array_ops, fill_ops, sequence_ops
from ..math import math_ops, matmul_ops, reduction_ops
from .kernels import norm as nn_kernels_norm
from ..framework import shape_fns
from ..framework.deprecation import deprecated_argument_lookup
from ..framework.declare import declare

EXPORTS: dict[str, list[str]] = {
    "nn": ["relu6", "elu", "selu", "leaky_relu", "log_softmax",
           "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
           "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
           "weighted_cross_entropy_with_logits", "bias_add", "l2_loss", "dropout"],
    "math": ["log_softmax"],
}

# TF's exact SELU constants (``relu_op_functor.h``).
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_SCALE_ALPHA = 1.7580993408473768599402175208123


# -- shared helpers ---------------------------------------------------------------------



def _const(value: float, like: np.ndarray) -> np.ndarray:
    """``static_cast<T>(value)``: a 0-d array of ``like``'s dtype (no float64 upcast)."""
    return np.asarray(value, dtype=like.dtype)


def _with_rank(shape: TensorShape, rank: int) -> TensorShape:
    if shape.rank is not None and shape.rank != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {shape.rank}")
    return shape if shape.rank is not None else TensorShape([None] * rank)


def _with_rank_at_least(shape: TensorShape, rank: int) -> TensorShape:
    if shape.rank is not None and shape.rank < rank:
        raise ValueError(f"Shape must be at least rank {rank} but is rank {shape.rank}")
    return shape


def _merge_dim(a: int | None, b: int | None) -> int | None:
    if a is not None and b is not None and a != b:
        raise ValueError(f"Dimensions must be equal, but are {a} and {b}")
    return a if a is not None else b


# -- Relu6, Elu, Selu, LeakyRelu and their gradient ops ---------------------------------

def _relu6(x):
    return np.minimum(np.maximum(x, _const(0, x)), _const(6, x))


def _relu6_grad(dy, x):
    """TF multiplies by the 0/1 mask (so an inf gradient outside (0, 6) gives NaN)."""
    with np.errstate(invalid="ignore"):
        return dy * ((x > 0) & (x < 6)).astype(dy.dtype)


def _elu(x):
    with np.errstate(over="ignore"):
        return np.where(x < 0, np.exp(x) - _const(1, x), x)


def _elu_grad(dy, y):
    return np.where(y < 0, dy * (y + _const(1, y)), dy)


def _selu(x):
    with np.errstate(over="ignore"):
        return np.where(x < 0, _const(_SELU_SCALE_ALPHA, x) * (np.exp(x) - _const(1, x)),
                        _const(_SELU_SCALE, x) * x)


def _selu_grad(dy, y):
    return np.where(y < 0, dy * (y + _const(_SELU_SCALE_ALPHA, y)), dy * _const(_SELU_SCALE, dy))


def _alpha(op, x) -> np.ndarray:
    """The ``alpha`` attr as TF's kernel sees it: a C++ float cast to T."""
    return np.asarray(np.float32(op.attrs["alpha"]), dtype=x.dtype)


def _leaky_relu_kernel(op, ctx):
    return lambda x: np.where(x > 0, x, x * _alpha(op, x))


def _leaky_relu_grad_kernel(op, ctx):
    return lambda dy, x: np.where(x > 0, dy, dy * _alpha(op, dy))


def _alpha_attrs(op) -> dict:
    return {"alpha": op.attrs["alpha"]} if "alpha" in op.attrs else {}


def _masked_grad_grad(grad_op: str):
    """Relu6Grad/LeakyReluGrad's gradient: the same mask on ``grad``; zeros for features."""
    def grad_fn(op, grad):
        x = op.inputs[1]
        return [apply_op(grad_op, [grad, x], _alpha_attrs(op)), fill_ops.zeros_like(x)]
    return grad_fn


def _exp_grad_grad(grad_op: str):
    """EluGrad/SeluGrad's gradient (TF's ``_EluGradGrad``): d/d(outputs) is 1 where y < 0."""
    def grad_fn(op, grad):
        y = op.inputs[1]
        return [apply_op(grad_op, [grad, y]),
                math_ops.select(math_ops.less(y, 0), math_ops.multiply(grad, op.inputs[0]),
                                fill_ops.zeros_like(y))]
    return grad_fn


declare("Relu6", shape=shape_fns.unchanged, kernel=_relu6,
        grad=lambda op, g: [apply_op("Relu6Grad", [g, op.outputs[0]])])
declare("Relu6Grad", shape=shape_fns.merge_all, kernel=_relu6_grad,
        grad=_masked_grad_grad("Relu6Grad"))
declare("Elu", shape=shape_fns.unchanged, kernel=_elu,
        grad=lambda op, g: [apply_op("EluGrad", [g, op.outputs[0]])])
declare("EluGrad", shape=shape_fns.merge_all, kernel=_elu_grad, grad=_exp_grad_grad("EluGrad"))
declare("Selu", shape=shape_fns.unchanged, kernel=_selu,
        grad=lambda op, g: [apply_op("SeluGrad", [g, op.outputs[0]])])
declare("SeluGrad", shape=shape_fns.merge_all, kernel=_selu_grad,
        grad=_exp_grad_grad("SeluGrad"))
declare("LeakyRelu", shape=shape_fns.unchanged, make_kernel=_leaky_relu_kernel,
        grad=lambda op, g: [apply_op("LeakyReluGrad", [g, op.inputs[0]], _alpha_attrs(op))])
declare("LeakyReluGrad", shape=shape_fns.merge_all, make_kernel=_leaky_relu_grad_kernel,
        grad=_masked_grad_grad("LeakyReluGrad"))


# -- LogSoftmax ---------------------------------------------------------------------------

def _shifted_logits(x: np.ndarray) -> np.ndarray:
    """``x - max(x)`` along the last axis (TF's first step; an empty axis stays empty)."""
    return x - np.max(x, axis=-1, keepdims=True, initial=-np.inf)


def _log_softmax(x):
    if np.ndim(x) < 1:
        raise errors.invalid_argument("logits must have >= 1 dimension, got []")
    with np.errstate(all="ignore"):
        shifted = _shifted_logits(x)
        return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _LogSoftmaxGrad(op, grad):
    softmax = math_ops.exp(op.outputs[0])
    total = reduction_ops.reduce_sum(grad, -1, keepdims=True)
    return [math_ops.subtract(grad, math_ops.multiply(total, softmax))]


declare("LogSoftmax", shape=lambda op: [_with_rank_at_least(op.inputs[0].shape, 1)],
        kernel=_log_softmax, grad=_LogSoftmaxGrad)


# -- SoftmaxCrossEntropyWithLogits / SparseSoftmaxCrossEntropyWithLogits ------------------

def _xent_shape(op):
    features, labels = (t.shape for t in op.inputs)
    try:
        merged = _with_rank(features, 2).merge_with(labels)
    except ValueError:
        merged = shape_fns.broadcast_shapes(features, labels)
        if merged.rank != 2:
            raise ValueError(f"Shape must be broadcasted with rank 2, but is rank "
                             f"{merged.rank}") from None
    return [TensorShape([merged[0]]), merged]


def _sparse_xent_shape(op):
    features = _with_rank(op.inputs[0].shape, 2)
    labels = _with_rank(op.inputs[1].shape, 1)
    batch = _merge_dim(features[0], labels[0])
    return [TensorShape([batch]), TensorShape([batch, features[1]])]


def _broadcast_mul(vec: Tensor, mat: Tensor) -> Tensor:
    """TF's ``_BroadcastMul``: ``vec[:, None] * mat``."""
    return math_ops.multiply(array_ops.expand_dims(vec, -1), mat)


def _is_zeros(t: Tensor | None) -> bool:
    """TF skips work for gradients the walker filled with zeros (``_is_zeros_tensor``)."""
    return t is None or t.op.type == "ZerosLike"


def _xent_logits_grad(op, grad_loss: Tensor, grad_grad: Tensor | None) -> Tensor:
    """grad_loss * backprop, plus (second order) the softmax Jacobian applied to grad_grad."""
    grad = _broadcast_mul(grad_loss, op.outputs[1])
    if _is_zeros(grad_grad):
        return grad
    softmax = apply_op("Softmax", [op.inputs[0]])
    inner = matmul_ops.matmul(array_ops.expand_dims(grad_grad, 1),
                              array_ops.expand_dims(softmax, 2))
    jacobian_term = math_ops.multiply(
        math_ops.subtract(grad_grad, array_ops.squeeze(inner, axis=1)), softmax)
    return math_ops.add(grad, jacobian_term)


def _SoftmaxCrossEntropyWithLogitsGrad(op, grad_loss, grad_grad):
    """TF's rule; as in TF, ``backprop``'s own dependence on labels gets no gradient."""
    log_softmax_ = apply_op("LogSoftmax", [op.inputs[0]])
    return [_xent_logits_grad(op, grad_loss, grad_grad),
            _broadcast_mul(grad_loss, math_ops.negative(log_softmax_))]


def _SparseSoftmaxCrossEntropyWithLogitsGrad(op, grad_loss, grad_grad):
    """TF 2.21's rule: second order through the softmax Jacobian (no PreventGradient)."""
    return [_xent_logits_grad(op, grad_loss, grad_grad), None]


declare("SoftmaxCrossEntropyWithLogits", shape=_xent_shape,
        kernel=nn_kernels_norm.softmax_cross_entropy_with_logits,
        grad=_SoftmaxCrossEntropyWithLogitsGrad)
declare("SparseSoftmaxCrossEntropyWithLogits", shape=_sparse_xent_shape,
        kernel=nn_kernels_norm.sparse_softmax_cross_entropy_with_logits,
        grad=_SparseSoftmaxCrossEntropyWithLogitsGrad)


# -- BiasAdd / BiasAddGrad / L2Loss --------------------------------------------------------

def _channel_axis(data_format: str, rank: int) -> int:
    return 1 if data_format == "NCHW" else rank - 1


def _min_bias_rank(data_format: str) -> int:
    return 3 if data_format == "NCHW" else 2


def _bias_add_shape(op):
    fmt = op.attrs["data_format"]
    value = _with_rank_at_least(op.inputs[0].shape, _min_bias_rank(fmt))
    bias = _with_rank(op.inputs[1].shape, 1)
    if value.rank is None:
        return [shape_fns.UNKNOWN]
    dims = value.dims
    axis = _channel_axis(fmt, len(dims))
    dims[axis] = _merge_dim(dims[axis], bias[0])
    return [TensorShape(dims)]


def _check_at_least_2d(x: np.ndarray) -> None:
    if x.ndim < 2:
        raise errors.invalid_argument(f"Input tensor must be at least 2D: {errors.shape_str(x.shape)}")


def _bias_add_kernel(op, ctx):
    fmt = op.attrs["data_format"]

    def kernel(value, bias):
        _check_at_least_2d(value)
        if bias.ndim != 1:
            raise errors.invalid_argument(f"Biases must be 1D: {errors.shape_str(bias.shape)}")
        axis = _channel_axis(fmt, value.ndim)
        if bias.shape[0] != value.shape[axis]:
            raise errors.invalid_argument(f"Must provide as many biases as the last dimension of the input "
                           f"tensor: {errors.shape_str(bias.shape)} vs. {errors.shape_str(value.shape)}")
        return value + bias.reshape((-1,) + (1,) * (value.ndim - 1 - axis))
    return kernel


def _bias_add_grad_shape(op):
    fmt = op.attrs["data_format"]
    x = _with_rank_at_least(op.inputs[0].shape, _min_bias_rank(fmt))
    if x.rank is None:
        return [TensorShape([None])]
    return [TensorShape([x[_channel_axis(fmt, x.rank)]])]


def _bias_add_grad_kernel(op, ctx):
    fmt = op.attrs["data_format"]

    def kernel(dy):
        _check_at_least_2d(dy)
        axis = _channel_axis(fmt, dy.ndim)
        acc = np.float32 if dy.dtype == np.float16 else dy.dtype
        summed = np.sum(dy, axis=tuple(a for a in range(dy.ndim) if a != axis), dtype=acc)
        return summed.astype(dy.dtype, copy=False)
    return kernel


def _bias_expanded_shape(x: Tensor, data_format: str):
    """The bias gradient's shape with size-1 dims everywhere but the channel axis."""
    nchw = data_format == "NCHW"
    rank = x.shape.rank
    if rank is not None:
        dims = [1] * rank
        dims[_channel_axis(data_format, rank)] = -1
        return dims
    count = math_ops.subtract(array_ops.rank(x), 2 if nchw else 1)
    ones = fill_ops.fill(array_ops.stack([count]), 1)
    return array_ops.concat([[1, -1], ones] if nchw else [ones, [-1]], 0)


def _BiasAddGradGrad(op, grad):
    """TF reshapes the bias gradient to broadcastable rank and tiles it to the input."""
    x = op.inputs[0]
    expanded = array_ops.reshape(grad, _bias_expanded_shape(x, op.attrs["data_format"]))
    target = x.shape.as_list() if x.shape.is_fully_defined() else array_ops.shape(x)
    return [fill_ops.broadcast_to(expanded, target)]


def _l2_loss(x):
    return np.asarray(np.sum(np.square(x) * _const(0.5, x)), dtype=x.dtype)


declare("BiasAdd", shape=_bias_add_shape, make_kernel=_bias_add_kernel,
        grad=lambda op, g: [g, apply_op("BiasAddGrad", [g],
                                        {"data_format": op.attrs["data_format"]})])
declare("BiasAddGrad", shape=_bias_add_grad_shape, make_kernel=_bias_add_grad_kernel,
        grad=_BiasAddGradGrad)
declare("L2Loss", shape=shape_fns.scalar, kernel=_l2_loss,
        grad=lambda op, g: [math_ops.multiply(op.inputs[0], g)])


# -- tf.nn constructors: activations, log_softmax, bias_add, l2_loss ----------------------

def relu6(features, name: str | None = None) -> Tensor:
    """``tf.nn.relu6``: min(max(features, 0), 6)."""
    with name_scope(name, "Relu6", [features]) as scope:
        features = convert_to_tensor(features, name="features")
        return apply_op("Relu6", [features], name=scope)


def elu(features, name: str | None = None) -> Tensor:
    """``tf.nn.elu``: exp(features) - 1 where features < 0, else features."""
    return apply_op("Elu", [features], name=name)


def selu(features, name: str | None = None) -> Tensor:
    """``tf.nn.selu``: scale * elu with TF's alpha/scale constants."""
    return apply_op("Selu", [features], name=name)


def leaky_relu(features, alpha: float = 0.2, name: str | None = None) -> Tensor:
    """``tf.nn.leaky_relu``; integer features are cast to float32 first, as in TF."""
    with name_scope(name, "LeakyRelu", [features, alpha]) as scope:
        features = convert_to_tensor(features, name="features")
        if features.dtype.is_integer:
            features = math_ops.cast(features, dtypes.float32)
        if isinstance(alpha, np.ndarray):
            alpha = alpha.item()
        return apply_op("LeakyRelu", [features], {"alpha": alpha}, name=scope)


def _swap_with_last(x: Tensor, axis: int) -> list | Tensor:
    """The permutation swapping ``axis`` and the last axis (TF's ``_swap_axis``)."""
    rank = x.shape.rank
    if rank is not None:
        perm = list(range(rank))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        return perm
    last = math_ops.subtract(array_ops.rank(x), 1)
    if axis < 0:
        axis = math_ops.add(array_ops.rank(x), axis)
    return array_ops.concat([sequence_ops.range_(axis), array_ops.stack([last]),
                             sequence_ops.range_(math_ops.add(axis, 1), last),
                             array_ops.stack([axis])], 0)


def _apply_on_axis(op_type: str, logits, axis: int, name: str | None) -> Tensor:
    """TF's ``_wrap_2d_function``: the op on ``axis``, transposed to the end and back."""
    logits = convert_to_tensor(logits)
    rank = logits.shape.rank
    if axis == -1 or (rank is not None and axis == rank - 1):
        return apply_op(op_type, [logits], name=name)
    if rank is not None and not -rank <= axis < rank:
        raise errors.invalid_argument(f"`dim` must be in the range [{-rank}, {rank}) where {rank} is the "
                       f"number of dimensions in the input. Received: dim={axis}")
    perm = _swap_with_last(logits, axis)
    out = apply_op(op_type, [array_ops.transpose(logits, perm)])
    out = array_ops.transpose(out, perm, name=name or "transpose")
    out.set_shape(logits.shape)
    return out


def log_softmax(logits, axis: int | None = None, name: str | None = None,
                dim: int | None = None) -> Tensor:
    """``tf.nn.log_softmax`` over ``axis`` (default last)."""
    axis = deprecated_argument_lookup("axis", axis, "dim", dim)
    return _apply_on_axis("LogSoftmax", logits, -1 if axis is None else axis, name)


def bias_add(value, bias, data_format: str | None = None, name: str | None = None) -> Tensor:
    """``tf.nn.bias_add``; ``N...C`` formats mean NHWC and ``NC...`` NCHW, as in TF."""
    if data_format is not None:
        if data_format.startswith("NC"):
            data_format = "NCHW"
        elif data_format.startswith("N") and data_format.endswith("C"):
            data_format = "NHWC"
        else:
            raise ValueError(f"`data_format` must be of the form `N...C` or `NC...`. "
                             f"Received: data_format={data_format}")
    with name_scope(name, "BiasAdd", [value, bias]) as scope:
        value = convert_to_tensor(value, name="input")
        bias = convert_to_tensor(bias, dtype=value.dtype.base_dtype, name="bias")
        return apply_op("BiasAdd", [value, bias], {"data_format": data_format or "NHWC"},
                        name=scope)


def l2_loss(t, name: str | None = None) -> Tensor:
    """``tf.nn.l2_loss``: sum(t ** 2) / 2."""
    return apply_op("L2Loss", [t], name=name)


# -- tf.nn cross entropies ---------------------------------------------------------------

def _ensure_xent_args(name: str, sentinel, labels, logits) -> None:
    if sentinel is not None:
        raise ValueError(f"Only call `{name}` with named arguments (labels=..., logits=..., "
                         f"...). Received unnamed argument: {sentinel}")
    if labels is None or logits is None:
        raise ValueError(f"Both `labels` and `logits` must be provided. Received: "
                         f"labels={labels} and logits={logits}")


def _last_dim(x: Tensor):
    """x's last dimension: an int when static, else a 1-element int32 tensor."""
    if x.shape.rank is not None and x.shape[-1] is not None:
        return x.shape[-1]
    begin = array_ops.stack([math_ops.subtract(array_ops.rank(x), 1)])
    return array_ops.slice(array_ops.shape(x), begin, [1])


def _flatten_outer_dims(x: Tensor) -> Tensor:
    """TF's ``_flatten_outer_dims``: reshape to [-1, last_dim], keeping static sizes."""
    last = _last_dim(x)
    target = [-1, last] if isinstance(last, int) else array_ops.concat([[-1], last], 0)
    out = array_ops.reshape(x, target)
    dims = x.shape.dims
    if dims is not None and None not in dims[:-1]:
        out.set_shape([int(np.prod(dims[:-1], dtype=np.int64)), dims[-1]])
    return out


def _outer_shape(x: Tensor):
    """x's shape without its last dimension (static list when known)."""
    dims = x.shape.dims
    if dims is not None and None not in dims[:-1]:
        return dims[:-1]
    size = array_ops.stack([math_ops.subtract(array_ops.rank(x), 1)])
    return array_ops.slice(array_ops.shape(x), [0], size)


def _move_axis_to_end(x: Tensor, axis: int) -> Tensor:
    rank = x.shape.rank
    if rank is not None:
        axis = shape_fns.normalize_axis(axis, rank)
        return array_ops.transpose(x, [d for d in range(rank) if d != axis] + [axis])
    r = array_ops.rank(x)
    perm = array_ops.concat([sequence_ops.range_(axis), sequence_ops.range_(axis + 1, r),
                             [axis]], 0)
    return array_ops.transpose(x, perm)


def softmax_cross_entropy_with_logits_v2(labels, logits, axis: int | None = None,
                                         name: str | None = None,
                                         dim: int | None = None) -> Tensor:
    """Softmax cross entropy along ``axis``; gradients flow into labels too."""
    axis = deprecated_argument_lookup("axis", axis, "dim", dim)
    axis = -1 if axis is None else axis
    with name_scope(name, "softmax_cross_entropy_with_logits", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels")
        to_float32 = logits.dtype.base_dtype in (dtypes.float16, dtypes.bfloat16)
        precise = math_ops.cast(logits, dtypes.float32) if to_float32 else logits
        labels = math_ops.cast(labels, precise.dtype)
        if axis != -1:
            precise = _move_axis_to_end(precise, axis)
            labels = _move_axis_to_end(labels, axis)
        cost, _ = apply_op("SoftmaxCrossEntropyWithLogits",
                           [_flatten_outer_dims(precise), _flatten_outer_dims(labels)],
                           name=scope)
        cost = array_ops.reshape(cost, _outer_shape(precise))
        if logits.shape.rank is not None:
            dims = logits.shape.as_list()
            del dims[axis]
            cost.set_shape(dims)
        return math_ops.cast(cost, logits.dtype) if to_float32 else cost


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name: str | None = None, axis=None) -> Tensor:
    """TF1's deprecated version: like ``_v2`` but no gradient flows into ``labels``."""
    dim = deprecated_argument_lookup("axis", axis, "dim", dim)
    _ensure_xent_args("softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "softmax_cross_entropy_with_logits_sg", [logits, labels]) as scope:
        labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
    return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, axis=dim,
                                                name=scope)


def _check_sparse_xent_shapes(labels: Tensor, logits: Tensor) -> None:
    """TF's static checks: logits not scalar, labels = logits without the last dim."""
    lab, log = labels.shape, logits.shape
    if log.rank == 0:
        raise ValueError(f"`logits` cannot be a scalar. Received logits={logits}`")
    if log.rank is not None and lab.rank is not None and lab.rank != log.rank - 1:
        raise ValueError(f"`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
                         f"labels.shape={lab} of rank {lab.rank} and logits.shape={log} of "
                         f"rank {log.rank}")
    if lab.is_fully_defined() and log[:-1].is_fully_defined() and lab != log[:-1]:
        raise ValueError(f"`labels.shape` must equal `logits.shape` except for the last "
                         f"dimension. Received: labels.shape={lab} and logits.shape={log}")


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                             name: str | None = None) -> Tensor:
    """Cross entropy with integer class labels; any rank, flattened to 2-D for the op."""
    _ensure_xent_args("sparse_softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "SparseSoftmaxCrossEntropyWithLogits", [labels, logits]):
        labels = convert_to_tensor(labels)
        logits = convert_to_tensor(logits)
        is_half = logits.dtype.base_dtype == dtypes.float16
        precise = math_ops.cast(logits, dtypes.float32) if is_half else logits
        _check_sparse_xent_shapes(labels, logits)
        if logits.shape.rank == 2:
            cost, _ = apply_op("SparseSoftmaxCrossEntropyWithLogits", [precise, labels],
                               name=name)
        else:
            last = _last_dim(logits)
            target = [-1, last] if isinstance(last, int) else array_ops.concat([[-1], last], 0)
            cost, _ = apply_op("SparseSoftmaxCrossEntropyWithLogits",
                               [array_ops.reshape(precise, target),
                                array_ops.reshape(labels, [-1])], name=name)
            static = labels.shape
            cost = array_ops.reshape(cost, static.as_list() if static.is_fully_defined()
                                     else array_ops.shape(labels))
            cost.set_shape(static)
        return math_ops.cast(cost, dtypes.float16) if is_half else cost


def _logits_and_labels(logits, labels) -> tuple[Tensor, Tensor]:
    logits = convert_to_tensor(logits, name="logits")
    labels = convert_to_tensor(labels, name="labels")
    if not labels.shape.is_compatible_with(logits.shape):
        raise ValueError(f"`logits` and `labels` must have the same shape, received "
                         f"({logits.shape} vs {labels.shape}).")
    return logits, labels


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                      name: str | None = None) -> Tensor:
    """TF's stable form: max(x, 0) - x * z + log(1 + exp(-|x|)), via Select for x >= 0."""
    _ensure_xent_args("sigmoid_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits, labels = _logits_and_labels(logits, labels)
        zeros = fill_ops.zeros_like(logits, dtype=logits.dtype)
        cond = math_ops.greater_equal(logits, zeros)
        relu_logits = math_ops.select(cond, logits, zeros)
        neg_abs_logits = math_ops.select(cond, math_ops.negative(logits), logits)
        return math_ops.add(relu_logits - logits * labels,
                            math_ops.log1p(math_ops.exp(neg_abs_logits)), name=scope)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None,
                                       name: str | None = None, targets=None) -> Tensor:
    """(1 - z) * x + (1 + (q - 1) * z) * (log(1 + exp(-|x|)) + max(-x, 0))."""
    labels = deprecated_argument_lookup("labels", labels, "targets", targets)
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits, labels = _logits_and_labels(logits, labels)
        log_weight = 1 + (pos_weight - 1) * labels
        softplus_neg = math_ops.add(
            math_ops.log1p(math_ops.exp(math_ops.negative(math_ops.abs(logits)))),
            apply_op("Relu", [math_ops.negative(logits)]))
        return math_ops.add((1 - labels) * logits, log_weight * softplus_neg, name=scope)


# -- tf.nn.dropout ---------------------------------------------------------------------------

def _noise_shape(x: Tensor, noise_shape):
    """TF's ``_get_noise_shape``: unknown entries of ``noise_shape`` taken from x's shape."""
    if noise_shape is None:
        return array_ops.shape(x)
    if isinstance(noise_shape, Tensor):
        return noise_shape
    try:
        wanted = as_shape(noise_shape)
    except (TypeError, ValueError):
        return noise_shape
    dims = x.shape.dims
    if dims is not None and wanted.rank == len(dims):
        wanted = TensorShape([d if n is None else n for n, d in zip(wanted.dims, dims)])
    if not wanted.is_fully_defined():
        raise ValueError(f"Cannot convert a partially known TensorShape {wanted} to a Tensor.")
    return wanted.as_list()


def _random_uniform(shape, dtype: dtypes.DType, seed: int | None) -> Tensor:
    """``tf.random_uniform(shape, dtype=dtype, seed=seed)`` for [0, 1): one RandomUniform."""
    from ..random.random_ops import get_seed
    seed1, seed2 = get_seed(seed)
    with name_scope(None, "random_uniform", [shape]):
        return apply_op("RandomUniform", [shape],
                        {"dtype": dtype, "seed": seed1 or 0, "seed2": seed2 or 0})


def _dropout_scaled(x: Tensor, rate) -> tuple[Tensor, Any]:
    """x / (1 - rate), and ``rate`` as the mask threshold (a float or an x-typed tensor)."""
    if not isinstance(rate, Tensor):
        if not isinstance(rate, numbers.Real):
            raise ValueError(f"`rate` must be a scalar or scalar tensor. Received: rate={rate}")
        return math_ops.multiply(x, convert_to_tensor(1 / (1 - rate), dtype=x.dtype)), rate
    rate.shape.assert_has_rank(0)
    if rate.dtype.base_dtype != x.dtype.base_dtype:
        if not rate.dtype.is_compatible_with(x.dtype):
            raise ValueError(f"`x.dtype` must be compatible with `rate.dtype`. Received: "
                             f"x.dtype={x.dtype.name} and rate.dtype={rate.dtype.name}")
        rate = math_ops.cast(rate, x.dtype, name="rate")
    one = convert_to_tensor(1, dtype=x.dtype)
    return math_ops.realdiv(x, math_ops.subtract(one, rate)), rate


def dropout(x, keep_prob=None, noise_shape=None, seed: int | None = None,
            name: str | None = None, rate=None) -> Tensor:
    """TF1 ``tf.nn.dropout``: zero each element with probability ``rate`` (= 1 - keep_prob)
    and scale the rest by 1 / (1 - rate); ``noise_shape`` shares the mask along axes."""
    try:
        rate_from_keep_prob = 1. - keep_prob if keep_prob is not None else None
    except TypeError:
        raise ValueError(f"`keep_prob` must be a floating point number or Tensor. Received: "
                         f"keep_prob={keep_prob}") from None
    rate = deprecated_argument_lookup("rate", rate, "keep_prob", rate_from_keep_prob)
    if rate is None:
        raise ValueError(f"`rate` must be provided. Received: rate={rate}")
    with name_scope(name, "dropout", [x]):
        is_number = isinstance(rate, numbers.Real)
        if is_number and not 0 <= rate < 1:
            raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). "
                             f"Received: rate={rate}")
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError(f"`x.dtype` must be a floating point tensor as `x` will be "
                             f"scaled. Received: x_dtype={x.dtype.name}")
        if is_number and rate == 0:
            return x
        scaled, threshold = _dropout_scaled(x, rate)
        noise = _random_uniform(_noise_shape(x, noise_shape), x.dtype.base_dtype, seed)
        keep = math_ops.greater_equal(noise, threshold)
        out = math_ops.select_v2(keep, scaled, convert_to_tensor(0, dtype=x.dtype))
        out.set_shape(x.shape)
        return out
