"""Losses on logits: softmax cross entropy (dense and sparse labels) and L2Loss, with
TF's gradients; the ``tf.nn`` cross entropies built on them and the sigmoid / weighted
sigmoid cross entropies (composites of elementwise ops).

Kernels follow TF's ``xent_op.cc`` and ``sparse_xent_op.cc``. Composites name their ops as
TF does, including the op named after its own scope (``logistic_loss/`` names the final
op ``logistic_loss``).
"""
from __future__ import annotations

import numpy as np

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, convert_to_tensor
from ...graph.tensor_shape import TensorShape
from ..array import array_ops, fill_ops, sequence_ops
from ..math import math_ops
from ..framework import raw_ops, shape_fns
from ..framework.declare import declare
from ..framework.deprecation import deprecated_argument_lookup
from .kernels import norm as norm_kernels
from ..framework.shape_checks import merge_dim, with_rank

EXPORTS: dict[str, list[str]] = {
    "nn": ["softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
           "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
           "weighted_cross_entropy_with_logits", "l2_loss"],
}


# -- SoftmaxCrossEntropyWithLogits / SparseSoftmaxCrossEntropyWithLogits ------------------

def _xent_shape(op):
    features, labels = (t.shape for t in op.inputs)
    try:
        merged = with_rank(features, 2).merge_with(labels)
    except ValueError:
        merged = shape_fns.broadcast_shapes(features, labels)
        if merged.rank != 2:
            raise ValueError(f"Shape must be broadcasted with rank 2, but is rank "
                             f"{merged.rank}") from None
    return [TensorShape([merged[0]]), merged]


def _sparse_xent_shape(op):
    features = with_rank(op.inputs[0].shape, 2)
    labels = with_rank(op.inputs[1].shape, 1)
    batch = merge_dim(features[0], labels[0])
    return [TensorShape([batch]), TensorShape([batch, features[1]])]


def _broadcast_mul(vec: Tensor, mat: Tensor) -> Tensor:
    """TF's ``_BroadcastMul``: ``vec[:, None] * mat``."""
    return raw_ops.Mul(x=raw_ops.ExpandDims(input=vec, dim=-1), y=mat)


def _is_zeros(t: Tensor | None) -> bool:
    """TF skips work for gradients the walker filled with zeros (``_is_zeros_tensor``)."""
    return t is None or t.op.type == "ZerosLike"


def _xent_logits_grad(op, grad_loss: Tensor, grad_grad: Tensor | None) -> Tensor:
    """grad_loss * backprop, plus (second order) the softmax Jacobian applied to grad_grad."""
    grad = _broadcast_mul(grad_loss, op.outputs[1])
    if _is_zeros(grad_grad):
        return grad
    softmax = raw_ops.Softmax(logits=op.inputs[0])
    inner = raw_ops.BatchMatMulV2(x=raw_ops.ExpandDims(input=grad_grad, dim=1),
                                  y=raw_ops.ExpandDims(input=softmax, dim=2))
    jacobian_term = raw_ops.Mul(
        x=raw_ops.Sub(x=grad_grad, y=raw_ops.Squeeze(input=inner, squeeze_dims=[1])),
        y=softmax)
    return raw_ops.AddV2(x=grad, y=jacobian_term)


def _SoftmaxCrossEntropyWithLogitsGrad(op, grad_loss, grad_grad):
    """TF's rule; as in TF, ``backprop``'s own dependence on labels gets no gradient."""
    log_softmax = raw_ops.LogSoftmax(logits=op.inputs[0])
    return [_xent_logits_grad(op, grad_loss, grad_grad),
            _broadcast_mul(grad_loss, raw_ops.Neg(x=log_softmax))]


def _SparseSoftmaxCrossEntropyWithLogitsGrad(op, grad_loss, grad_grad):
    """TF 2.21's rule: second order through the softmax Jacobian (no PreventGradient)."""
    return [_xent_logits_grad(op, grad_loss, grad_grad), None]


declare("SoftmaxCrossEntropyWithLogits", shape=_xent_shape,
        kernel=norm_kernels.softmax_cross_entropy_with_logits,
        grad=_SoftmaxCrossEntropyWithLogitsGrad)
declare("SparseSoftmaxCrossEntropyWithLogits", shape=_sparse_xent_shape,
        kernel=norm_kernels.sparse_softmax_cross_entropy_with_logits,
        grad=_SparseSoftmaxCrossEntropyWithLogitsGrad)


# -- L2Loss ------------------------------------------------------------------------------

def _l2_loss(x):
    return np.asarray(np.sum(np.square(x) * np.asarray(0.5, dtype=x.dtype)), dtype=x.dtype)


declare("L2Loss", shape=shape_fns.scalar, kernel=_l2_loss,
        grad=lambda op, g: [raw_ops.Mul(x=op.inputs[0], y=g)])


# -- tf.nn cross entropies and l2_loss -------------------------------------------------

def l2_loss(t, name: str | None = None) -> Tensor:
    """``tf.nn.l2_loss``: sum(t ** 2) / 2."""
    return apply_op("L2Loss", [t], name=name)


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
