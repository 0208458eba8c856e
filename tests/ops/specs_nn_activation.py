"""Test rows for activations, LogSoftmax, softmax cross entropy, BiasAdd and L2Loss."""
from __future__ import annotations

import numpy as np

import sessionflow as tf
from sessionflow.graph.op_builder import apply_op

from .op_spec import Arg, OpSpec

SCALE = 1.0507009873554804934193349852946
ALPHA = 1.6732632423543772848170429916717

A = Arg([3, 4])
WIDE = Arg([3, 4], low=-3.0, high=8.0)        # crosses both Relu6 kinks
# Soft labels summing to 1 per row: ``backprop`` is d(loss)/d(logits) only then.
SOFT = [[0.1, 0.2, 0.3, 0.4], [0.7, 0.0, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25]]
NO_LABELS = np.zeros([0, 4])

# Why rows are exempt from the unknown-rank gradient sweep's rank-0 inputs.
_LOGITS_1D = "TF: logits must have >= 1 dimension"
_LOGITS_2D = "TF: logits must be 2-D"
_BIAS_2D = "TF: Input tensor must be at least 2D"


def _np_elu(x):
    return np.where(x < 0, np.expm1(x), x)


def _np_log_softmax(x, axis=-1):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


def _np_xent(logits, labels):
    log_p = _np_log_softmax(logits)
    return [-(labels * log_p).sum(-1), np.exp(log_p) - labels]


def _np_sparse_xent(logits, labels):
    onehot = np.eye(logits.shape[-1])[labels]
    return _np_xent(logits, onehot)


def _op(op_type: str, attrs: dict | None = None):
    """A build function applying ``op_type`` directly (for TF's helper gradient ops)."""
    return lambda *xs: apply_op(op_type, list(xs), attrs)


def _bias_grad(data_format: str):
    return lambda x: apply_op("BiasAddGrad", [x], {"data_format": data_format})


SPECS: list[OpSpec] = [
    OpSpec("Relu6", tf.nn.relu6, [WIDE], lambda x: np.clip(x, 0, 6), grad2=True),
    OpSpec("Relu6Grad", _op("Relu6Grad"), [A, WIDE], lambda dy, x: dy * ((x > 0) & (x < 6))),
    OpSpec("Elu", tf.nn.elu, [A], _np_elu, grad2=True),
    OpSpec("EluGrad", _op("EluGrad"), [A, Arg([3, 4], low=-0.9, high=2.0)],
           lambda dy, y: np.where(y < 0, dy * (y + 1), dy)),
    OpSpec("Selu", tf.nn.selu, [A], lambda x: SCALE * np.where(x < 0, ALPHA * np.expm1(x), x),
           grad2=True),
    OpSpec("SeluGrad", _op("SeluGrad"), [A, Arg([3, 4], low=-1.7, high=2.0)],
           lambda dy, y: np.where(y < 0, dy * (y + SCALE * ALPHA), dy * SCALE)),
    OpSpec("LeakyRelu", tf.nn.leaky_relu, [A], lambda x: np.where(x > 0, x, 0.2 * x),
           grad2=True),
    OpSpec("LeakyRelu", lambda x: tf.nn.leaky_relu(x, alpha=0.3), [A],
           lambda x: np.where(x > 0, x, np.float32(0.3) * x), name="LeakyRelu_alpha"),
    OpSpec("LeakyReluGrad", _op("LeakyReluGrad", {"alpha": 0.3}), [A, A],
           lambda dy, x: np.where(x > 0, dy, np.float32(0.3) * dy)),
    OpSpec("LogSoftmax", tf.nn.log_softmax, [A], _np_log_softmax, grad2=True,
           rank0=_LOGITS_1D),
    OpSpec("LogSoftmax", lambda x: tf.nn.log_softmax(x, axis=0), [Arg([3, 4, 2])],
           lambda x: _np_log_softmax(x, 0), name="LogSoftmax_axis0", rank0=_LOGITS_1D),
    # TF's rule gives labels no gradient through ``backprop``, so rows differentiating
    # ``backprop`` (or any first-order gradient, for grad2) keep labels fixed.
    OpSpec("SoftmaxCrossEntropyWithLogits", _op("SoftmaxCrossEntropyWithLogits"),
           [A, Arg([3, 4], value=SOFT)], _np_xent, outputs=[0], rank0=_LOGITS_2D,
           empty=[Arg([0, 4]), Arg([0, 4], value=NO_LABELS)]),
    OpSpec("SoftmaxCrossEntropyWithLogits", _op("SoftmaxCrossEntropyWithLogits"),
           [A, Arg([3, 4], value=SOFT, diff=False)], _np_xent, grad2=True,
           name="SoftmaxCrossEntropyWithLogits_backprop", rank0=_LOGITS_2D,
           empty=[Arg([0, 4]), Arg([0, 4], value=NO_LABELS, diff=False)]),
    OpSpec("SoftmaxCrossEntropyWithLogits", _op("SoftmaxCrossEntropyWithLogits"),
           [A, Arg([1, 4], value=SOFT[:1], diff=False)], _np_xent, grad=False,
           name="SoftmaxCrossEntropyWithLogits_broadcast"),
    OpSpec("SparseSoftmaxCrossEntropyWithLogits", _op("SparseSoftmaxCrossEntropyWithLogits"),
           [Arg([3, 5]), Arg([3], "int32", 0, 4, diff=False)], _np_sparse_xent, grad2=True,
           rank0=_LOGITS_2D, empty=[Arg([0, 5]), Arg([0], "int32", diff=False)]),
    OpSpec("SparseSoftmaxCrossEntropyWithLogits", _op("SparseSoftmaxCrossEntropyWithLogits"),
           [Arg([4, 3]), Arg([4], "int64", 0, 2, diff=False)], _np_sparse_xent,
           name="SparseSoftmaxCrossEntropyWithLogits_int64", rank0=_LOGITS_2D,
           empty=[Arg([0, 3]), Arg([0], "int64", diff=False)]),
    OpSpec("BiasAdd", tf.nn.bias_add, [Arg([2, 3, 4]), Arg([4])], lambda x, b: x + b,
           rank0=_BIAS_2D),
    OpSpec("BiasAdd", lambda x, b: tf.nn.bias_add(x, b, data_format="NCHW"),
           [Arg([2, 3, 2]), Arg([3])], lambda x, b: x + b[:, None], name="BiasAdd_NCHW",
           rank0=_BIAS_2D),
    OpSpec("BiasAddGrad", _bias_grad("NHWC"), [Arg([2, 3, 4])], lambda x: x.sum((0, 1)),
           rank0=_BIAS_2D),
    OpSpec("BiasAddGrad", _bias_grad("NCHW"), [Arg([2, 3, 2, 5])], lambda x: x.sum((0, 2, 3)),
           name="BiasAddGrad_NCHW", rank0=_BIAS_2D),
    OpSpec("L2Loss", tf.nn.l2_loss, [A], lambda x: np.float32((x * x).sum() / 2), grad2=True),
]

EXEMPT: dict[str, str] = {}
