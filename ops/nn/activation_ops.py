"""Activations and softmax: the Relu family (Relu, Relu6, Elu, Selu, LeakyRelu), Softmax
and LogSoftmax, with TF's gradient helper ops (``ReluGrad``, ``EluGrad``, ...).

Kernels follow TF's (``relu_op_functor.h``, ``softmax_op_functor.h``) and gradients its
``nn_grad.py``; ``tf.nn.softmax``/``log_softmax`` on another axis transpose it to the end
and back, as TF's ``_wrap_2d_function`` does.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, convert_to_tensor
from ..array import array_ops, sequence_ops
from ..math import math_ops
from ..framework import raw_ops, shape_fns
from ..framework.declare import declare
from ..framework.deprecation import deprecated_argument_lookup
from ..runtime.parallel import elementwise
from ..framework.shape_checks import with_rank_at_least

EXPORTS: dict[str, list[str]] = {
    "nn": ["relu", "relu6", "elu", "selu", "leaky_relu", "softmax", "log_softmax"],
    "math": ["log_softmax"],
}


# TF's exact SELU constants (``relu_op_functor.h``).
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_SCALE_ALPHA = 1.7580993408473768599402175208123


def _const(value: float, like: np.ndarray) -> np.ndarray:
    """``static_cast<T>(value)``: a 0-d array of ``like``'s dtype (no float64 upcast)."""
    return np.asarray(value, dtype=like.dtype)


# -- Relu and ReluGrad ---------------------------------------------------------------------

# numpy's SIMD maximum loops skip a scalar (stride-0) operand: max(x, 0) runs ~3x faster
# against a block of zeros, so Relu goes block by block against a cached one.
_ZERO_BLOCK_ELEMENTS = 1 << 16
_zero_blocks: dict = {}


def _zero_block(dtype) -> np.ndarray:
    block = _zero_blocks.get(dtype)
    if block is None:
        block = np.zeros(_ZERO_BLOCK_ELEMENTS, dtype=dtype)
        block.setflags(write=False)
        _zero_blocks[dtype] = block
    return block


def relu_into(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = max(x, 0)`` (NaN stays NaN, as in TF); ``out`` may be ``x``."""
    if not (x.flags.c_contiguous and out.flags.c_contiguous and x.dtype.kind == "f"):
        return np.maximum(x, np.zeros((), dtype=x.dtype), out=out)
    xf, of, zeros = x.reshape(-1), out.reshape(-1), _zero_block(x.dtype)
    for lo in range(0, xf.size, zeros.size):
        hi = min(lo + zeros.size, xf.size)
        np.maximum(xf[lo:hi], zeros[:hi - lo], out=of[lo:hi])
    return out


def _relu(x):
    x = np.asarray(x)
    return relu_into(x, np.empty(x.shape, dtype=x.dtype))


def relu_grad(dy, x):
    """TF's ``gradients * (features > 0)``: a multiply by the mask (16x faster than a
    numpy select on [256, 512], and NaN-propagating exactly as TF's kernel is)."""
    with np.errstate(invalid="ignore"):
        return np.multiply(dy, x > 0, dtype=dy.dtype)


def _ReluGradGrad(op, grad):
    x = op.inputs[1]
    return [apply_op("ReluGrad", [grad, x]), raw_ops.ZerosLike(x=x)]


declare("Relu", shape=shape_fns.unchanged, make_kernel=elementwise(_relu),
        grad=lambda op, g: [apply_op("ReluGrad", [g, op.outputs[0]])])
declare("ReluGrad", shape=shape_fns.unchanged, make_kernel=elementwise(relu_grad),
        grad=_ReluGradGrad)


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


def _as_t(alpha: float, like: np.ndarray) -> np.ndarray:
    """A float attr as TF's kernel sees it: a C++ float cast to T."""
    return np.asarray(np.float32(alpha), dtype=like.dtype)


def _alpha(op, x) -> np.ndarray:
    return _as_t(op.attrs["alpha"], x)


def _leaky_relu(x, alpha):
    return np.where(x > 0, x, x * alpha)


def _leaky_relu_kernel(op, ctx):
    return lambda x: _leaky_relu(x, _alpha(op, x))


def _leaky_relu_grad_kernel(op, ctx):
    return lambda dy, x: np.where(x > 0, dy, dy * _alpha(op, dy))


def _alpha_attrs(op) -> dict:
    return {"alpha": op.attrs["alpha"]} if "alpha" in op.attrs else {}


def _masked_grad_grad(grad_op: str):
    """Relu6Grad/LeakyReluGrad's gradient: the same mask on ``grad``; zeros for features."""
    def grad_fn(op, grad):
        x = op.inputs[1]
        return [apply_op(grad_op, [grad, x], _alpha_attrs(op)), raw_ops.ZerosLike(x=x)]
    return grad_fn


def _exp_grad_grad(grad_op: str):
    """EluGrad/SeluGrad's gradient (TF's ``_EluGradGrad``): d/d(outputs) is 1 where y < 0."""
    def grad_fn(op, grad):
        y = op.inputs[1]
        return [apply_op(grad_op, [grad, y]),
                raw_ops.Select(condition=raw_ops.Less(x=y, y=0),
                               t=raw_ops.Mul(x=grad, y=op.inputs[0]), e=raw_ops.ZerosLike(x=y))]
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


# The activations a fused op (``fused_ops``) may end with, as ``f(y, alpha)`` writing into y.
_IN_PLACE = {
    "Relu": lambda y, alpha: relu_into(y, y),
    "Relu6": lambda y, alpha: np.copyto(y, _relu6(y)),
    "Elu": lambda y, alpha: np.copyto(y, _elu(y)),
    "LeakyRelu": lambda y, alpha: np.copyto(y, _leaky_relu(y, _as_t(alpha, y))),
}


def activation_in_place(op_type: str, alpha: float) -> Callable[[np.ndarray], None] | None:
    """``y = op_type(y)`` in place with that op's kernel numerics (LeakyRelu with ``alpha``)
    for Relu, Relu6, Elu and LeakyRelu, the activations a fused op may apply; else None."""
    fn = _IN_PLACE.get(op_type)
    return None if fn is None else lambda y: fn(y, alpha)


# -- Softmax and LogSoftmax -----------------------------------------------------------------

def _softmax(x):
    if np.ndim(x) < 1:
        raise errors.invalid_argument("logits must have >= 1 dimension, got []")
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(shifted)
    e /= np.sum(e, axis=-1, keepdims=True)
    return e


def _SoftmaxGrad(op, grad):
    softmax = op.outputs[0]
    sum_channels = raw_ops.Sum(input=raw_ops.Mul(x=grad, y=softmax), reduction_indices=-1,
                               keep_dims=True)
    return [raw_ops.Mul(x=raw_ops.Sub(x=grad, y=sum_channels), y=softmax)]


declare("Softmax", shape=shape_fns.unchanged, kernel=_softmax, grad=_SoftmaxGrad)


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
    softmax = raw_ops.Exp(x=op.outputs[0])
    total = raw_ops.Sum(input=grad, reduction_indices=-1, keep_dims=True)
    return [raw_ops.Sub(x=grad, y=raw_ops.Mul(x=total, y=softmax))]


declare("LogSoftmax", shape=lambda op: [with_rank_at_least(op.inputs[0].shape, 1)],
        kernel=_log_softmax, grad=_LogSoftmaxGrad)


# -- tf.nn constructors ---------------------------------------------------------------------

def relu(features, name: str | None = None) -> Tensor:
    """``tf.nn.relu``: max(features, 0)."""
    return apply_op("Relu", [features], name=name)


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
        raise errors.invalid_argument(f"`dim` must be in the range [{-rank}, {rank}) where "
                                      f"{rank} is the number of dimensions in the input. "
                                      f"Received: dim={axis}")
    perm = _swap_with_last(logits, axis)
    out = apply_op(op_type, [array_ops.transpose(logits, perm)])
    out = array_ops.transpose(out, perm, name=name or "transpose")
    out.set_shape(logits.shape)
    return out


def softmax(logits, axis: int | None = None, name: str | None = None,
            dim: int | None = None) -> Tensor:
    """``tf.nn.softmax`` over ``axis`` (default last), transposing when it is not last."""
    if axis is None:
        axis = dim if dim is not None else -1
    logits = array_ops.identity(logits) if not hasattr(logits, "shape") else logits
    logits = convert_to_tensor(logits)
    rank = logits.shape.rank
    if axis in (-1, None) or (rank is not None and axis == rank - 1):
        return apply_op("Softmax", [logits], name=name)
    if rank is None:
        raise ValueError("softmax over a non-last axis needs a known rank")
    perm = _swap_with_last(logits, shape_fns.normalize_axis(axis, rank))
    out = apply_op("Softmax", [array_ops.transpose(logits, perm)])
    return array_ops.transpose(out, perm, name=name or "transpose")


def log_softmax(logits, axis: int | None = None, name: str | None = None,
                dim: int | None = None) -> Tensor:
    """``tf.nn.log_softmax`` over ``axis`` (default last)."""
    axis = deprecated_argument_lookup("axis", axis, "dim", dim)
    return _apply_on_axis("LogSoftmax", logits, -1 if axis is None else axis, name)
